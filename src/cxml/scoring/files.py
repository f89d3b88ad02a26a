"""Scoring a ticket file of any size: streamed in chunks, exactly once, resumable after any crash.

:func:`score_file` scores a CSV, JSON Lines or Parquet file in chunks with flat memory: every chunk becomes an
atomic Parquet part in ``<output>.parts/``; after a crash (even SIGKILL) ``resume=True`` skips the finished
parts; the output is assembled from the parts at the end. The chunks are scored by a :class:`~cxml.scoring.Scorer`
here, or on a Dask cluster (:mod:`cxml.scoring.dask_engine`). Output columns: see :mod:`cxml.scoring.scorer`,
plus ``row``, the input row number.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cxml._version import __version__
from cxml.exceptions import OutputExistsError
from cxml.persistence import check_writable_folder
from cxml.scoring import parts as part_files
from cxml.scoring.dask_engine import iter_scored_chunks, require_distributed
from cxml.scoring.options import ENGINES
from cxml.scoring.parts import ROW_COLUMN, ResumeError
from cxml.scoring.scorer import Scorer

__all__ = ["ScoreReport", "score_file"]

logger = logging.getLogger(__name__)


@dataclass
class ScoreReport:
    """What :func:`score_file` did.

    Attributes
    ----------
    output : Path
    n_rows : int
        Rows written (= input rows).
    n_errors : int
        Rows with an ``error``.
    n_parts : int
        Chunks of the input.
    n_resumed : int
        Chunks finished by an earlier, interrupted run and skipped.
    n_scored : int
        Rows scored by this run.
    seconds : float
        Wall time of this run.
    """

    output: Path
    n_rows: int
    n_errors: int
    n_parts: int
    n_resumed: int
    n_scored: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows scored by this run per second of its wall time (loading and assembly included)."""
        return self.n_scored / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line for people."""
        resumed = f", {self.n_resumed} of {self.n_parts} chunks from the interrupted run" if self.n_resumed else ""
        return (f"scored {self.n_rows:,} tickets ({self.n_errors:,} with errors{resumed}) in "
                f"{self.seconds:.1f} s ({self.rows_per_second:,.0f} tickets/s); wrote {self.output}")


def _fingerprint(path: Path) -> dict[str, Any]:
    """The input's path, size and the sha256 of its bytes (streamed): an edit that keeps size and time shows."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"path": str(path.resolve()), "size": size, "sha256": h.hexdigest()}


def _check_output(output: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse, before anything is scored, an output that exists (unless resuming or overwriting) or cannot be
    written."""
    if output.is_dir():
        raise OutputExistsError(f"the output {output} is a folder; give a file name, e.g. {output / 'scores.parquet'}")
    if output.exists() and not (resume or overwrite):
        raise OutputExistsError(f"the output {output} exists; pass --overwrite (overwrite=True) to replace it, "
                                "--resume to continue an interrupted run writing it, or choose another file.")
    check_writable_folder(output)


_GUARDED = {"input": "the input file (its path, size or content)", "chunk_size": "chunk_size",
            "columns": "the column mapping", "id_column": "the id column", "k_articles": "k_articles",
            "model_sha256": "the model (its manifest.json)"}


def _check_resumable(saved: dict[str, Any], current: dict[str, Any], parts_dir: Path) -> None:
    if saved.get("format") != part_files.PROGRESS_FORMAT:
        raise ResumeError(f"cannot resume: {parts_dir} was written by another cxml version (progress format "
                          f"{saved.get('format')!r}); delete it to start over")
    for key, what in _GUARDED.items():
        if saved.get(key) != current.get(key):
            if key == "model_sha256" and saved.get(key) is None and current.get(key) is None:
                continue
            hint = f"pass --chunk-size {saved.get(key)}" if key == "chunk_size" else "use the same one"
            raise ResumeError(
                f"cannot resume: {what} differs from the interrupted run (then: {saved.get(key)!r}, now: "
                f"{current.get(key)!r}). Resume with the settings of that run ({hint}), or delete {parts_dir} "
                "to start over.")
    if current.get("model_sha256") is None:
        logger.warning("resuming with an in-memory model: cxml cannot check it is the one that scored the "
                       "finished parts")


def _part_rows(path: Path) -> int | None:
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:  # noqa: BLE001 - unreadable part: score that chunk again
        return None


def score_file(model: Any, input: str | os.PathLike[str], output: str | os.PathLike[str], *,
               columns: Mapping[str, Any] | str | None = None, chunk_size: int = 10_000, resume: bool = False,
               quiet: bool = False, engine: str = "local", scheduler: Any = None, id_column: str = "id",
               k_articles: int = 1, allow_pickle: bool = False, overwrite: bool = False) -> ScoreReport:
    """Score a ticket file (CSV, JSON Lines or Parquet) in chunks, exactly once and resumably.

    The input is streamed in chunks of exactly ``chunk_size`` rows (so chunk boundaries are the same in
    every run); memory stays flat whatever its size. Chunk ``i`` is scored as a whole (identical texts
    embedded once) and written atomically to ``<output>.parts/part-<i>.parquet``; a small progress
    manifest (``progress.json``: input fingerprint, chunk size, column mapping, model manifest hash, parts
    done with their row ranges) is replaced atomically after each part. When every chunk is done the output
    is assembled by streaming the parts in order into a temporary file that is renamed to ``output``, every
    input row is checked to appear exactly once, and the parts directory is removed.

    Parameters
    ----------
    model : str, Path or loaded model
        Model directory (or model, for ``engine="local"``): see :class:`Scorer`.
    input : str or Path
        ``.csv``, ``.jsonl`` / ``.ndjson`` / ``.json`` (JSON Lines) or ``.parquet``. CSV is read as text
        (an empty field is missing); for CSV and JSON Lines the id is text, Parquet keeps its type.
    output : str or Path
        Output file; its format from its extension. Columns: see :mod:`cxml.scoring` (``row`` is the input
        row number).
    columns : dict or str, optional
        Column mapping (see :class:`Scorer`).
    chunk_size : int, default=10_000
        Rows per chunk and part file.
    resume : bool, default=False
        Continue an interrupted run, skipping the parts it finished (a part file exists only when it is
        complete). Refused when the input, chunk size, column mapping, id column, ``k_articles`` or model
        differ from that run's (the input is compared by the sha256 of its bytes). Without ``resume``,
        existing parts are an error. Temporary files of the interrupted run are removed.
    quiet : bool, default=False
        No progress output. Otherwise a tqdm bar (rows/s, ETA) on a terminal, plain lines every 10 s
        when stderr is not one.
    engine : {"local", "dask"}, default="local"
        ``"dask"`` scores the chunks on a Dask cluster (see :mod:`cxml.scoring.dask_engine`), writing parts
        here as results arrive, in order; it needs ``cxml[dask]`` and the model as a directory every worker
        can read.
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``tcp://host:8786``) or client; default: a local cluster, one worker
        process per core.
    id_column, k_articles, allow_pickle
        See :class:`Scorer`.
    overwrite : bool, default=False
        Replace an existing ``output``. Without it (or ``resume``) an existing output is refused before
        anything is scored, and so is an output inside the model directory, always.

    Returns
    -------
    ScoreReport

    Raises
    ------
    ResumeError
        Parts of an earlier run exist and ``resume`` is False; or they belong to other settings; or another
        process is writing them.
    ValidationError
        The input as a whole cannot be scored (e.g. it has no text column, or a stray quote in a CSV would
        merge rows).
    OutputExistsError, OutputNotWritableError
        ``output`` exists (without ``overwrite`` or ``resume``), is inside the model directory, or cannot be
        written.
    ImportError
        ``engine="dask"`` without dask installed: install cxml[dask].
    """
    started = time.perf_counter()
    input_path, output_path = _check_arguments(model, input, output, engine=engine, chunk_size=chunk_size,
                                               resume=resume, overwrite=overwrite)
    scorer = Scorer(model, columns=columns, id_column=id_column, k_articles=k_articles,
                    allow_pickle=allow_pickle)
    run = _Run.start(scorer, input_path, output_path, int(chunk_size), resume=resume, quiet=quiet)
    with part_files.exclusive_lock(run.parts_dir):
        run.remove_stale_temporaries()
        run.save_manifest()
        if engine == "dask":
            scored = iter_scored_chunks(run.todo(), model_dir=scorer.model_dir_, model_hash=scorer.model_hash_,
                                        options=_options(scorer), scheduler=scheduler)
        else:
            scored = ((chunk, scorer(chunk.to_pandas())) for chunk in run.todo())
        run.write_all(scored)
        result = run.assemble()
    shutil.rmtree(run.parts_dir, ignore_errors=True)
    report = ScoreReport(output=output_path, n_rows=result.n_rows, n_errors=result.n_errors, n_parts=run.n_parts,
                         n_resumed=run.n_resumed, n_scored=run.n_scored, seconds=time.perf_counter() - started)
    logger.info(report.summary())
    return report


def _check_arguments(model: Any, input: str | os.PathLike[str], output: str | os.PathLike[str], *, engine: str,
                     chunk_size: Any, resume: bool, overwrite: bool) -> tuple[Path, Path]:
    """Everything that can be refused before a model is loaded or a row is read: the paths and the settings."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    input_path, output_path = Path(input), Path(output)
    part_files.table_format(output_path)  # a clear error for an unknown output format
    if not input_path.is_file():
        raise FileNotFoundError(f"no such input file: {input_path}")
    if input_path.resolve() == output_path.resolve():
        raise ValueError(f"the output {output_path} is the input file; write the scores to another file")
    _check_output(output_path, resume=resume, overwrite=overwrite)
    if isinstance(model, (str, os.PathLike)) and Path(model).resolve() in output_path.resolve().parents:
        raise OutputExistsError(f"the output {output_path} is inside the model directory {model}; writing there "
                                "would break the model (its files are checksummed). Write the scores to another "
                                "folder.")
    if engine == "dask":
        if not isinstance(model, (str, os.PathLike)):
            raise ValueError("engine='dask' needs the model as a directory path: every worker loads it itself")
        require_distributed()  # fail now (install cxml[dask]), not after loading the model
    return input_path, output_path


class _Run:
    """One run of :func:`score_file`: the chunk reader, the parts directory and its progress manifest."""

    def __init__(self, scorer: Scorer, reader: part_files.ChunkReader, output: Path, chunk_size: int,
                 settings: dict[str, Any], saved: dict[str, Any] | None, quiet: bool) -> None:
        self.scorer, self.reader, self.output, self.chunk_size = scorer, reader, output, chunk_size
        self.parts_dir = output.with_name(output.name + ".parts")
        self.progress_file = self.parts_dir / part_files.PROGRESS_FILE
        self.resumed = saved is not None
        meta = scorer(reader.empty_frame())
        meta.insert(1, ROW_COLUMN, pd.Series([], dtype="int64"))
        self.schema = part_files.arrow_schema(meta.dtypes, str(scorer.id_source_), reader.id_type())
        self.done: dict[int, list[int]] = {}
        if saved is not None:
            self.done = {int(p["part"]): list(p["rows"]) for p in saved.get("parts", [])
                         if (self.parts_dir / p["file"]).is_file()}
        self.manifest = {**settings, "parts": [], "n_rows": None, "complete": False}
        self.progress = part_files.Progress(reader.total_rows(), quiet=quiet)
        self.n_input = self.n_resumed = self.n_scored = 0

    @classmethod
    def start(cls, scorer: Scorer, input_path: Path, output: Path, chunk_size: int, *, resume: bool,
              quiet: bool) -> _Run:
        """A new run, or the continuation of an interrupted one (its settings checked against this one's)."""
        reader = part_files.ChunkReader(input_path, chunk_size, id_column=str(scorer.id_source_))
        parts_dir = output.with_name(output.name + ".parts")
        settings = {"format": part_files.PROGRESS_FORMAT, "cxml": __version__, "input": _fingerprint(input_path),
                    "chunk_size": chunk_size, "columns": json.loads(json.dumps(scorer.mapping_, default=str)),
                    "id_column": str(scorer.id_source_), "k_articles": int(scorer.k_articles),
                    "model": str(scorer.model_dir_) if scorer.model_dir_ else None,
                    "model_sha256": scorer.model_hash_, "output": str(output.resolve())}
        saved = _saved_progress(parts_dir, output, resume=resume)
        if saved is not None:
            _check_resumable(saved, settings, parts_dir)
        parts_dir.mkdir(parents=True, exist_ok=True)
        return cls(scorer, reader, output, chunk_size, settings, saved, quiet)

    @property
    def n_parts(self) -> int:
        return math.ceil(self.n_input / self.chunk_size)

    def remove_stale_temporaries(self) -> None:
        """Temporary files of a killed run: unfinished parts, and the hidden output of a killed assembly."""
        for stale in self.parts_dir.glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)
        for stale in self.output.parent.glob(f".{self.output.name}.tmp-*"):
            stale.unlink(missing_ok=True)

    def save_manifest(self) -> None:
        self.manifest["parts"] = [{"part": i, "file": part_files.PART_PATTERN.format(i), "rows": self.done[i]}
                                  for i in sorted(self.done)]
        part_files.write_json_atomic(self.manifest, self.progress_file)

    def todo(self) -> Iterator[part_files.Chunk]:
        """The chunks still to score; complete parts of an interrupted run are skipped."""
        for chunk in self.reader:
            self.n_input = chunk.stop
            part = self.parts_dir / part_files.PART_PATTERN.format(chunk.index)
            if part.is_file():
                if _part_rows(part) == chunk.n_rows:
                    self.done[chunk.index] = [chunk.start, chunk.stop]
                    self.n_resumed += 1
                    self.progress.skip(chunk.n_rows)
                    continue
                logger.warning("%s does not hold %d rows: scoring that chunk again", part, chunk.n_rows)
            yield chunk

    def write_all(self, scored: Iterator[tuple[part_files.Chunk, pd.DataFrame]]) -> None:
        """Each scored chunk as an atomic part, the manifest replaced after each."""
        completed = False
        try:
            for chunk, frame in scored:
                self._write_part(chunk, frame)
            completed = True
        finally:
            close = getattr(scored, "close", None)
            if close is not None:
                close()
            self.progress.close()
            if not completed and not self.resumed and not self.done:  # nothing to resume: leave no parts dir
                shutil.rmtree(self.parts_dir, ignore_errors=True)

    def _write_part(self, chunk: part_files.Chunk, frame: pd.DataFrame) -> None:
        frame.insert(1, ROW_COLUMN, np.arange(chunk.start, chunk.stop, dtype=np.int64))
        if chunk.read_errors:
            errors = np.array(frame["error"].astype(object), dtype=object)
            for pos, message in chunk.read_errors.items():
                errors[pos] = message
            frame["error"] = pd.array(errors, dtype=pd.StringDtype())
        table = part_files.frame_to_table(frame, self.schema, str(self.scorer.id_source_))
        part_files.write_part_atomic(table, self.parts_dir / part_files.PART_PATTERN.format(chunk.index))
        self.done[chunk.index] = [chunk.start, chunk.stop]
        self.save_manifest()
        self.n_scored += chunk.n_rows
        self.progress.update(chunk.n_rows)

    def assemble(self) -> Any:
        """The output from the parts, in order; every input row checked to appear exactly once."""
        self.manifest.update(n_rows=self.n_input, complete=True)
        self.save_manifest()
        expected = [(self.parts_dir / part_files.PART_PATTERN.format(i), i * self.chunk_size,
                     min((i + 1) * self.chunk_size, self.n_input)) for i in range(self.n_parts)]
        result = part_files.assemble(expected, self.output, self.schema, part_files.table_format(self.output))
        if result.n_rows != self.n_input:  # pragma: no cover - assemble checks every part
            raise RuntimeError(f"{self.output} has {result.n_rows} rows, the input {self.n_input}")
        return result


def _saved_progress(parts_dir: Path, output: Path, *, resume: bool) -> dict[str, Any] | None:
    """The progress manifest of an interrupted run, or None for a fresh start (refused without ``resume``)."""
    if not parts_dir.exists():
        return None
    if not resume:
        raise ResumeError(
            f"{parts_dir} exists: a previous run writing {output} did not finish. Pass --resume "
            f"(resume=True) to continue it, or delete {parts_dir} to start over.")
    progress_file = parts_dir / part_files.PROGRESS_FILE
    try:
        return json.loads(progress_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResumeError(f"cannot resume: {progress_file} is missing or damaged ({exc}); delete "
                          f"{parts_dir} to start over") from exc


def _options(scorer: Scorer) -> dict[str, Any]:
    return {"columns": scorer.columns if not isinstance(scorer.columns, Mapping) else dict(scorer.columns),
            "id_column": scorer.id_column, "k_articles": scorer.k_articles, "allow_pickle": scorer.allow_pickle}
