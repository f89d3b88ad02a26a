"""Reading and writing ticket tables (CSV, JSON Lines, Parquet) and parsing column mappings."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["read_table", "write_table", "parse_columns", "to_markdown", "TABLE_FORMATS"]

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
                 ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path}: use a .csv, .jsonl or .parquet file")
    return fmt


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV, JSON Lines or Parquet file into a DataFrame (format from the extension)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    fmt = _format(path)
    if fmt == "csv":
        return pd.read_csv(path, dtype_backend="numpy_nullable", keep_default_na=True)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    return pd.read_parquet(path)


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame as CSV, JSON Lines or Parquet (format from the extension)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = _format(path)
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")
    else:
        df.to_parquet(path, index=False)
    return path


def parse_columns(spec: str | None) -> dict[str, str | list[str]] | None:
    """Parse a CLI column mapping: ``"text=title+description,reason=category"``.

    ``+`` joins several source columns (for ``text``); returns None for an empty spec.
    """
    if not spec:
        return None
    out: dict[str, str | list[str]] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"bad column mapping {part!r}: use canonical=source, e.g. reason=category")
        key, _, value = part.partition("=")
        sources = [v.strip() for v in value.split("+") if v.strip()]
        if not key.strip() or not sources:
            raise ValueError(f"bad column mapping {part!r}: use canonical=source, e.g. reason=category")
        out[key.strip()] = sources if len(sources) > 1 or key.strip() == "text" else sources[0]
    return out


def to_markdown(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A DataFrame as a GitHub Markdown table (no extra dependency)."""

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return "" if v != v else format(v, floatfmt)
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])
