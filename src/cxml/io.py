"""Reading and writing ticket tables (CSV, JSON Lines, Parquet) and parsing column mappings.

:func:`read_table` is the one place cxml reads an input file, and it reads honestly: a CSV is checked line by
line before it is parsed, so a stray quote that would swallow rows stops with the line numbers instead
(:func:`check_csv`); a file that is not UTF-8 stops with the byte, the line, the encoding it most likely is and
the fix; an empty JSON Lines file, a line that is not JSON and a damaged Parquet file are refused naming the
file. Streaming readers (:mod:`cxml.scoring`) run the same checks.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from cxml.exceptions import ValidationError, clip_text

__all__ = ["read_table", "write_table", "parse_columns", "to_markdown", "check_csv", "check_encoding",
           "check_parquet", "CsvCheck", "TABLE_FORMATS"]

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
                 ".parquet": "parquet", ".pq": "parquet"}

#: Encodings tried, in order, to name the one a non-UTF-8 file was most likely written in.
_GUESSES = ("cp1252", "latin-1")


def _format(path: Path) -> str:
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path}: use a .csv, .jsonl or .parquet file")
    return fmt


def check_encoding(path: str | os.PathLike[str], encoding: str | None = None) -> str:
    """The encoding to read ``path`` with: ``encoding`` if given, else UTF-8 (with or without a BOM), checked.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        The encoding the caller knows the file has; only checked to exist.

    Returns
    -------
    str
        ``"utf-8"``, ``"utf-8-sig"`` (a UTF-8 BOM), ``"utf-16"`` (a UTF-16 BOM) or ``encoding``.

    Raises
    ------
    ValidationError
        The file is not valid UTF-8: the message names the byte, its line and column, the encoding the file
        most likely has, and how to convert it or read it as it is.
    """
    path = Path(path)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ValidationError(f"unknown encoding {encoding!r} for {path}; use a name such as 'utf-8', "
                                  "'cp1252' or 'latin-1'") from exc
        return encoding
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        line, offset, line_start = 1, 0, 0
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                before = block[: exc.start]
                line += before.count(b"\n")
                nl = before.rfind(b"\n")
                column = (exc.start - nl) if nl >= 0 else (bad - line_start + 1)
                raise _encoding_error(path, block[exc.start], line, column) from None
            line += block.count(b"\n")
            nl = block.rfind(b"\n")
            if nl >= 0:
                line_start = offset + nl + 1
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _encoding_error(path, None, line, offset - line_start + 1) from None
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _encoding_error(path: Path, byte: int | None, line: int, column: int) -> ValidationError:
    guess = None
    raw = path.read_bytes()
    for candidate in _GUESSES:
        try:
            raw.decode(candidate)
        except UnicodeDecodeError:
            continue
        guess = candidate
        break
    what = f"byte 0x{byte:02x}" if byte is not None else "the last bytes"
    hint = (f"It looks like {guess} (Windows / Western European, as Excel saves CSV). Convert it to UTF-8, e.g. "
            f"iconv -f {guess} -t utf-8 {path} > {path.with_name(path.stem + '-utf8' + path.suffix)}, or read it "
            f"as it is: cxml.io.read_table(path, encoding={guess!r}), or --encoding {guess} on the command line."
            if guess else "Convert it to UTF-8, or pass the encoding it was written in: "
            "cxml.io.read_table(path, encoding=...).")
    return ValidationError(f"{path} is not UTF-8: {what} at line {line}, column {column} cannot be decoded. {hint}")


@dataclass(frozen=True)
class CsvCheck:
    """What :func:`check_csv` found: the encoding to read with, the columns and the number of records."""

    encoding: str
    columns: list[str]
    n_records: int
    n_lines: int


def check_csv(path: str | os.PathLike[str], encoding: str | None = None, *, delimiter: str = ",",
              errors: str = "strict") -> CsvCheck:
    """Read a CSV file record by record and stop where a quote would make it lose or merge rows.

    A stray quote at the start of a field opens a quoted value that runs on, over the line ends, until the next
    quote: the rows in between silently become part of one field. A record that spans several lines is normal
    (a quoted body with line breaks), but when two or more of its lines each hold a whole row's worth of fields,
    those lines are rows, and the file is refused with their line numbers. So is a quote that is never closed,
    and a record with more fields than the header.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        See :func:`check_encoding`.
    delimiter : str, default ","
    errors : {"strict", "replace"}, default "strict"
        ``"replace"`` checks only the structure, for readers that report undecodable values row by row
        (:mod:`cxml.scoring`).

    Returns
    -------
    CsvCheck

    Raises
    ------
    ValidationError
        Not UTF-8 (see :func:`check_encoding`), or quote damage: the message names the lines and what to fix.
    """
    path = Path(path)
    enc = check_encoding(path, encoding) if errors == "strict" else (encoding or "utf-8")
    lines: list[str] = []

    def physical(fh):  # type: ignore[no-untyped-def]
        for raw in fh:
            lines.append(raw)
            yield raw

    with open(path, encoding=enc, newline="", errors=errors) as fh:
        reader = csv.reader(physical(fh), delimiter=delimiter, strict=False)
        try:
            header = next(reader)
        except StopIteration:
            return CsvCheck(enc, [], 0, 0)
        n_columns = len(header)
        n_records, consumed = 0, len(lines)
        del lines[:]
        first_line = consumed + 1
        for record in reader:
            span = list(lines)
            del lines[:]
            start = first_line
            first_line += len(span)
            if not record and len(span) == 1 and not span[0].strip():
                continue  # a blank line
            n_records += 1
            if len(span) > 1:
                rowlike = _rowlike(span, start, n_columns, delimiter)
                if rowlike:
                    raise ValidationError(
                        f"{path}: a quote at line {start} opens a field that runs to line {start + len(span) - 1}, "
                        f"swallowing lines {_lines(rowlike)} that look like rows of their own (record {n_records}"
                        f", {_record_preview(record)}). A field that starts with a quote must end with one: fix the "
                        f"stray quote on line {start} (or line {start + len(span) - 1}), or quote the whole field "
                        'and double the quotes inside it ("" for ").')
                if not span[-1].endswith(("\n", "\r")) and record and len(record) < n_columns:
                    raise ValidationError(
                        f"{path}: the quote opened at line {start} is never closed; the rest of the file ({len(span)} "
                        f"lines) would be one field. Close or remove that quote.")
            if len(record) > n_columns:
                raise ValidationError(
                    f"{path}: line {start} has {len(record)} fields, the header {n_columns}. Quote fields that hold "
                    f"a {delimiter!r}, or fix that line.")
    return CsvCheck(enc, header, n_records, first_line - 1)


def _rowlike(span: list[str], start: int, n_columns: int, delimiter: str) -> list[int]:
    """Line numbers of the lines of one multi-line record that are rows of their own.

    An inner line is a row when it parses, alone, into exactly the header's number of fields with its quotes
    balanced. A record of two lines is two rows when each line splits into the header's number of fields.
    """
    inner = [start + i for i, text in enumerate(span[1:-1], start=1)
             if text.count('"') % 2 == 0 and len(next(csv.reader([text], delimiter=delimiter), [])) == n_columns]
    if inner:
        return inner
    ends = [len(text.rstrip("\r\n").split(delimiter)) for text in (span[0], span[-1])]
    return [start, start + len(span) - 1] if ends == [n_columns, n_columns] else []


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:8]))
    return shown + (f" and {len(numbers) - 8} more" if len(numbers) > 8 else "")


def _record_preview(record: list[str]) -> str:
    return "starting " + clip_text(repr(",".join(record[:2])), 60)


def check_parquet(path: str | os.PathLike[str]) -> None:
    """Refuse, naming the file and the fix, a file that is not readable Parquet."""
    path = Path(path)
    try:
        pq.read_metadata(path)
    except Exception as exc:  # noqa: BLE001 - ArrowInvalid, OSError, ... : all say the same to the user
        raise ValidationError(
            f"{path} is not a readable Parquet file ({type(exc).__name__}: {clip_text(str(exc), 200)}); it may be "
            "truncated or damaged. Export it again, or convert it to CSV or JSON Lines.") from exc


def read_table(path: str | os.PathLike[str], *, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV, JSON Lines or Parquet file into a DataFrame (format from the extension).

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        Text encoding of a CSV or JSON Lines file; default UTF-8 (a BOM is recognised), checked.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValidationError
        The file is not UTF-8 (and no ``encoding`` was given), a CSV has quote damage (:func:`check_csv`), a
        JSON Lines file is empty or has a line that is not a JSON object, or a Parquet file is damaged; the
        message names the file, the line and the fix.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    fmt = _format(path)
    if fmt == "csv":
        checked = check_csv(path, encoding)
        try:
            df = pd.read_csv(path, dtype_backend="numpy_nullable", keep_default_na=True, encoding=checked.encoding)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read {path} as CSV ({clip_text(str(exc), 200)}). Every row needs as many "
                                  "fields as the header; quote fields that hold commas, quotes or newlines.") from exc
        if len(df) != checked.n_records:
            raise ValidationError(f"{path}: {checked.n_records} records in the file, but {len(df)} rows were read; "
                                  "check its quotes and line ends.")
        return df
    if fmt == "jsonl":
        return _read_jsonl(path, check_encoding(path, encoding))
    check_parquet(path)
    return pd.read_parquet(path)


def _read_jsonl(path: Path, encoding: str) -> pd.DataFrame:
    records = 0
    with open(path, encoding=encoding) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ValidationError(f"{path}: line {number} is not valid JSON ({exc.args[0] if exc.args else exc}); "
                                      "JSON Lines needs one JSON object per line. Fix or remove that line.") from exc
            if not isinstance(record, dict):
                raise ValidationError(f"{path}: line {number} holds a JSON {type(record).__name__}, not an object "
                                      '({"id": ..., "text": ...}); JSON Lines needs one object per line.')
            records += 1
    if not records:
        raise ValidationError(f"{path} is empty: it holds no JSON records. Export the tickets again (one JSON "
                              "object per line).")
    return pd.read_json(path, lines=True, encoding=encoding)


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
