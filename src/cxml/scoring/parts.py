"""Streaming chunked input, atomic part files and the progress manifest behind :func:`cxml.scoring.score_file`.

Nothing here holds a whole input or output in memory: tables are read in blocks and re-cut to exactly
``chunk_size`` rows, scored chunks are written as one Parquet part each, and the final output is assembled
by streaming the parts in order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cxml.checks import is_missing
from cxml.exceptions import ResumeError
from cxml.io import TABLE_FORMATS, check_csv, check_parquet

logger = logging.getLogger("cxml.scoring")

#: Layout version of the progress manifest (``<output>.parts/progress.json``).
PROGRESS_FORMAT = 1
PROGRESS_FILE = "progress.json"
LOCK_FILE = ".lock"
PART_PATTERN = "part-{:06d}.parquet"
#: Input row number column kept in the output.
ROW_COLUMN = "row"


def table_format(path: str | os.PathLike[str]) -> str:
    """``"csv"``, ``"jsonl"`` or ``"parquet"`` from the file extension."""
    fmt = TABLE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path}: use a .csv, .jsonl or .parquet file")
    return fmt


# --------------------------------------------------------------------------- atomic files
def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def tmp_path(target: Path) -> Path:
    """A unique temporary name next to ``target`` (same file system, so ``os.replace`` is atomic)."""
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _write_atomic(target: Path, mode: str, write: Callable[[IO[Any]], None]) -> None:
    """Write through ``write`` to a temporary file, fsync it and rename it over ``target``."""
    tmp = tmp_path(target)
    try:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_json_atomic(data: dict[str, Any], target: Path) -> None:
    """Write JSON to a temporary file, fsync it and rename it over ``target``."""
    _write_atomic(target, "w", lambda fh: json.dump(data, fh, indent=1, default=str))


def write_part_atomic(table: pa.Table, target: Path) -> None:
    """Write one Parquet part: temporary file, fsync, ``os.replace``."""
    import pyarrow.parquet as pq

    _write_atomic(target, "wb", lambda fh: pq.write_table(table, fh))


@contextlib.contextmanager
def exclusive_lock(directory: Path) -> Iterator[None]:
    """Hold an advisory lock on ``directory`` so that two runs never write the same parts.

    The operating system releases it when the process dies, SIGKILL included.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        yield
        return
    fh = open(directory / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ResumeError(f"another cxml score process is writing to {directory}; wait for it to finish "
                               "(or stop it) before running this one") from None
        yield
    finally:
        fh.close()


# --------------------------------------------------------------------------- row counts
def count_rows(path: Path, fmt: str) -> int | None:
    """Rows in ``path`` for the progress bar: exact for Parquet, a fast estimate otherwise.

    CSV newlines are counted outside double quotes (multi-line fields count once); JSON Lines counts
    newlines (blank lines included). None when the count fails.
    """
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        size = path.stat().st_size
        if size == 0:
            return 0
        lines = 0
        in_quotes = 0
        last = b""
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                last = block[-1:]
                if fmt == "jsonl":
                    lines += block.count(b"\n")
                    continue
                if b'"' not in block:
                    lines += block.count(b"\n") if not in_quotes else 0
                    continue
                arr = np.frombuffer(block, dtype=np.uint8)
                quotes = np.cumsum(arr == 34, dtype=np.int64)
                outside = ((quotes + in_quotes) & 1) == 0
                lines += int(np.count_nonzero((arr == 10) & outside))
                in_quotes = int((in_quotes + quotes[-1]) & 1)
        lines += last != b"\n"
        return max(lines - (1 if fmt == "csv" else 0), 0)
    except OSError:
        return None


# --------------------------------------------------------------------------- chunked reading
@dataclass
class Chunk:
    """``chunk_size`` consecutive input rows (fewer at the end), starting at row ``start``."""

    index: int
    start: int
    n_rows: int
    table: pa.Table | None = None
    frame: pd.DataFrame | None = None
    read_errors: dict[int, str] = field(default_factory=dict)

    @property
    def stop(self) -> int:
        """One past the last input row of the chunk."""
        return self.start + self.n_rows

    def to_pandas(self) -> pd.DataFrame:
        """The rows as pandas, indexed by their input row numbers."""
        if self.frame is not None:
            frame = self.frame
        else:
            assert self.table is not None
            frame = arrow_to_pandas(self.table)
        frame.index = pd.RangeIndex(self.start, self.stop)
        return frame


_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with nullable integers and booleans, so a chunk with a null id keeps its dtype."""
    return table.to_pandas(types_mapper=_NULLABLE.get)


def _csv_frame(table: pa.Table) -> pd.DataFrame:
    """A CSV chunk (every column read as bytes) as text columns, keeping bytes only where they are not UTF-8.

    The scorer then reports those rows ("not valid UTF-8") instead of the whole file failing to read.
    """
    text: dict[str, pa.ChunkedArray] = {}
    mixed: dict[str, pd.Series] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            text[name] = column.cast(pa.string())
        except pa.ArrowInvalid:  # invalid UTF-8 somewhere in this chunk: decode cell by cell
            mixed[name] = pd.Series([_decode(v) for v in column.to_pylist()], dtype=object)
    frame = arrow_to_pandas(pa.table(text)) if text else pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for name, values in mixed.items():
        frame[name] = values.to_numpy()
    return frame[table.column_names]


def _decode(value: bytes | None) -> str | bytes | None:
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value


class ChunkReader:
    """Stream a CSV, JSON Lines or Parquet file in chunks of exactly ``chunk_size`` rows.

    CSV is read with :func:`pyarrow.csv.open_csv` (every column as text, so that types cannot change
    between blocks; an empty field is missing), Parquet with :meth:`pyarrow.parquet.ParquetFile.iter_batches`
    and JSON Lines line by line with :mod:`json` (so that a line that does not parse becomes a row with a
    read error rather than failing the file; blank lines are skipped). For CSV and JSON Lines the ``id``
    column is text; Parquet keeps its type.

    Parameters
    ----------
    path : Path
    chunk_size : int
    id_column : str
        Read as text from JSON Lines (whose values may mix numbers and strings).
    """

    def __init__(self, path: Path, chunk_size: int, *, id_column: str = "id") -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no such input file: {self.path}")
        self.fmt = table_format(self.path)
        if self.fmt == "csv":  # stop on quote damage before any row is scored (bad bytes: an error per row)
            check_csv(self.path, errors="replace")
        elif self.fmt == "parquet":
            check_parquet(self.path)
        self.chunk_size = int(chunk_size)
        self.id_column = id_column
        self._schema: pa.Schema | None = None
        self._known: list[str] = []

    # -- metadata
    def total_rows(self) -> int | None:
        """Exact (Parquet) or estimated (CSV, JSON Lines) number of rows."""
        return count_rows(self.path, self.fmt)

    def empty_frame(self) -> pd.DataFrame:
        """A zero-row frame with the columns and dtypes the chunks will have."""
        if self.fmt == "jsonl":
            first = self._first_jsonl_record()
            frame = pd.DataFrame({k: pd.Series([], dtype=object) for k in first})
            if self.id_column in frame.columns:
                frame[self.id_column] = pd.Series([], dtype=pd.StringDtype())
            return frame
        schema = self._arrow_schema()
        if self.fmt == "csv":
            schema = pa.schema([(name, pa.string()) for name in schema.names])
        return arrow_to_pandas(schema.empty_table())

    def id_type(self) -> pa.DataType:
        """Arrow type of the id column in the output: Parquet's own integer or text type, else text."""
        if self.fmt == "parquet":
            schema = self._arrow_schema()
            if self.id_column in schema.names:
                t = schema.field(self.id_column).type
                if pa.types.is_dictionary(t):
                    t = t.value_type
                if pa.types.is_integer(t):
                    return pa.int64()
        return pa.string()

    def _arrow_schema(self) -> pa.Schema:
        if self._schema is None:
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._schema = pq.ParquetFile(self.path).schema_arrow
            else:
                import pyarrow.csv as pcsv

                with pcsv.open_csv(self.path) as reader:
                    self._schema = reader.schema
        return self._schema

    def _first_jsonl_record(self) -> dict[str, Any]:
        with open(self.path, "rb") as fh:
            for line in fh:
                if line.strip():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict):
                        return record
        return {}

    # -- iteration
    def __iter__(self) -> Iterator[Chunk]:
        if self.fmt == "jsonl":
            yield from self._iter_jsonl()
        else:
            yield from self._rechunk(self._arrow_batches())

    def _arrow_batches(self) -> Iterator[pa.RecordBatch]:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(self.path, buffer_size=1 << 20, pre_buffer=False)
            yield from pf.iter_batches(batch_size=min(self.chunk_size, 65_536))
            return
        import pyarrow.csv as pcsv

        names = self._arrow_schema().names
        convert = pcsv.ConvertOptions(column_types={n: pa.binary() for n in names}, strings_can_be_null=True,
                                      null_values=[""], quoted_strings_can_be_null=True)
        try:
            with pcsv.open_csv(self.path, convert_options=convert) as reader:
                yield from reader
        except pa.ArrowInvalid as exc:
            raise ValueError(f"cannot read {self.path} as CSV ({exc}). Every row needs as many fields as the "
                             "header, and fields that hold commas, quotes or newlines must be quoted.") from exc

    def _rechunk(self, batches: Iterator[pa.RecordBatch]) -> Iterator[Chunk]:
        pending: list[pa.RecordBatch] = []
        n_pending = 0
        index = start = 0
        for batch in batches:
            if batch.num_rows == 0:
                continue
            pending.append(batch)
            n_pending += batch.num_rows
            while n_pending >= self.chunk_size:
                table = pa.Table.from_batches(pending)
                yield self._chunk(index, start, table.slice(0, self.chunk_size))
                rest = table.slice(self.chunk_size)
                pending = rest.to_batches() if rest.num_rows else []
                n_pending = rest.num_rows
                index += 1
                start += self.chunk_size
        if n_pending:
            yield self._chunk(index, start, pa.Table.from_batches(pending))

    def _chunk(self, index: int, start: int, table: pa.Table) -> Chunk:
        n = table.num_rows
        if self.fmt != "csv":
            return Chunk(index=index, start=start, n_rows=n, table=table)
        return _LazyCsvChunk(index=index, start=start, n_rows=n, table=table)

    def _iter_jsonl(self) -> Iterator[Chunk]:
        self._known = list(self._first_jsonl_record())
        records: list[dict[str, Any]] = []
        errors: dict[int, str] = {}
        index = start = 0
        with open(self.path, "rb") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        errors[len(records)] = (f"line {line_no} is a JSON {type(record).__name__}, not an "
                                                "object with the ticket's fields")
                        record = {}
                except UnicodeDecodeError:
                    errors[len(records)] = f"line {line_no} is not valid UTF-8"
                    record = {}
                except ValueError as exc:
                    errors[len(records)] = f"line {line_no} is not valid JSON ({exc})"
                    record = {}
                records.append(record)
                if len(records) == self.chunk_size:
                    yield self._jsonl_chunk(index, start, records, errors)
                    index += 1
                    start += len(records)
                    records, errors = [], {}
        if records:
            yield self._jsonl_chunk(index, start, records, errors)

    def _jsonl_chunk(self, index: int, start: int, records: list[dict[str, Any]],
                     errors: dict[int, str]) -> Chunk:
        return _LazyJsonChunk(index=index, start=start, n_rows=len(records), records=records,
                              read_errors=dict(errors), id_column=self.id_column, known=self._known)


@dataclass
class _LazyCsvChunk(Chunk):
    """A CSV chunk: bytes columns made text only when the chunk is actually scored."""

    def to_pandas(self) -> pd.DataFrame:
        assert self.table is not None
        frame = _csv_frame(self.table)
        frame.index = pd.RangeIndex(self.start, self.stop)
        return frame


@dataclass
class _LazyJsonChunk(Chunk):
    """A JSON Lines chunk: records made a frame only when the chunk is actually scored."""

    records: list[dict[str, Any]] = field(default_factory=list)
    id_column: str = "id"
    known: list[str] = field(default_factory=list)

    def to_pandas(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.records) if self.records else pd.DataFrame()
        if len(frame.columns) == 0:
            frame = pd.DataFrame(index=pd.RangeIndex(self.n_rows))
        for name in self.known:  # a chunk of unreadable lines still has the file's columns
            if name not in frame.columns:
                frame[name] = pd.Series([None] * self.n_rows, dtype=object, index=frame.index)
        if self.id_column in frame.columns:
            ids = [None if is_missing(v) else (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (
                list, dict)) else str(v)) for v in frame[self.id_column].tolist()]
            frame[self.id_column] = pd.array(ids, dtype=pd.StringDtype())
        frame.index = pd.RangeIndex(self.start, self.stop)
        return frame


# --------------------------------------------------------------------------- output schema and assembly
_ARROW_OF = {"float64": pa.float64(), "Float64": pa.float64(), "Int64": pa.int64(), "int64": pa.int64(),
             "boolean": pa.bool_(), "bool": pa.bool_()}


def arrow_schema(dtypes: pd.Series, id_column: str, id_type: pa.DataType) -> pa.Schema:
    """The part and Parquet output schema: the scorer's dtypes as Arrow types, text for the rest."""
    fields = []
    for name, dtype in dtypes.items():
        if name == id_column:
            fields.append(pa.field(name, id_type))
        else:
            fields.append(pa.field(str(name), _ARROW_OF.get(str(dtype), pa.string())))
    return pa.schema(fields)


def frame_to_table(frame: pd.DataFrame, schema: pa.Schema, id_column: str) -> pa.Table:
    """A scored chunk as an Arrow table with exactly ``schema`` (ids normalised to its id type)."""
    frame = frame.copy()
    if id_column in frame.columns:
        ids = frame[id_column]
        if pa.types.is_integer(schema.field(id_column).type):
            frame[id_column] = pd.array(ids, dtype=pd.Int64Dtype())
        else:
            frame[id_column] = pd.array([None if pd.isna(v) else _id_text(v) for v in ids.tolist()],
                                        dtype=pd.StringDtype())
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def _id_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)


@dataclass
class Assembled:
    """What :func:`assemble` wrote."""

    n_rows: int
    n_errors: int


def assemble(parts: list[tuple[Path, int, int]], output: Path, schema: pa.Schema, fmt: str) -> Assembled:
    """Stream the parts in order into ``output`` (atomically), checking every input row appears once.

    Parameters
    ----------
    parts : list of (path, start, stop)
        Part files in order with the input rows they hold.
    output : Path
    schema : pyarrow.Schema
    fmt : {"csv", "jsonl", "parquet"}

    Raises
    ------
    RuntimeError
        When a part does not hold exactly the rows ``start .. stop - 1`` in order.
    """
    import pyarrow.parquet as pq

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(output)
    n_rows = n_errors = 0
    expected = 0
    try:
        with open(tmp, "wb") as fh:
            writer = _Writer(fh, fmt, schema)
            for path, start, stop in parts:
                table = pq.read_table(path, schema=schema)
                rows = table.column(ROW_COLUMN).to_numpy(zero_copy_only=False)
                if start != expected or len(rows) != stop - start or (
                        len(rows) and not np.array_equal(rows, np.arange(start, stop, dtype=rows.dtype))):
                    raise RuntimeError(
                        f"{path.name} does not hold input rows {start}..{stop - 1} in order (found "
                        f"{len(rows)} rows starting at {rows[0] if len(rows) else '-'}); delete "
                        f"{path.parent} and score again")
                expected = stop
                n_rows += table.num_rows
                if "error" in table.column_names:
                    n_errors += table.num_rows - table.column("error").null_count
                writer.write(table)
            writer.close()
            fh.flush()
            os.fsync(fh.fileno())
        if fmt == "parquet" and pq.ParquetFile(tmp).metadata.num_rows != n_rows:  # pragma: no cover
            raise RuntimeError(f"{output}: the assembled file does not hold {n_rows} rows")
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(output.parent)
    return Assembled(n_rows=n_rows, n_errors=n_errors)


class _Writer:
    """Append Arrow tables to an open binary file as Parquet, CSV or JSON Lines."""

    def __init__(self, fh: IO[bytes], fmt: str, schema: pa.Schema) -> None:
        self.fh = fh
        self.fmt = fmt
        self.schema = schema
        self._parquet: Any = None
        self._csv: Any = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(fh, schema)
        elif fmt == "csv":
            import pyarrow.csv as pcsv

            self._csv = pcsv.CSVWriter(fh, schema)

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table)
        elif self._csv is not None:
            self._csv.write_table(table)
        elif table.num_rows:
            text = table.to_pandas().to_json(orient="records", lines=True, force_ascii=False,
                                              double_precision=15, date_format="iso")
            self.fh.write(text.encode("utf-8"))
            if not text.endswith("\n"):
                self.fh.write(b"\n")

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif self._csv is not None:
            self._csv.close()


# --------------------------------------------------------------------------- progress
def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """A tqdm bar (rows/s, ETA) on a terminal, plain lines every ``interval`` seconds otherwise.

    Parameters
    ----------
    total : int or None
        Rows expected (None when unknown).
    initial : int
        Rows already done (a resumed run).
    quiet : bool
        Show nothing.
    interval : float
        Seconds between plain lines when stderr is not a terminal.
    stream : file, default sys.stderr
    """

    def __init__(self, total: int | None, *, initial: int = 0, quiet: bool = False, interval: float = 10.0,
                 stream: IO[str] | None = None, desc: str = "cxml score") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.n = initial
        self.desc = desc
        self.interval = interval
        self._start = time.monotonic()
        self._start_n = initial
        self._last = self._start
        self._bar: Any = None
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if not quiet and self.tty:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, initial=initial, unit="rows", unit_scale=True, desc=desc,
                             file=self.stream, dynamic_ncols=True, smoothing=0.05)

    def update(self, n: int) -> None:
        """Count ``n`` more rows."""
        self.n += n
        if self.total is not None and self.n > self.total:
            self.total = self.n  # the CSV / JSON Lines count was an estimate
            if self._bar is not None:
                self._bar.total = self.n
        if self._bar is not None:
            self._bar.update(n)
        elif not self.quiet and time.monotonic() - self._last >= self.interval:
            self._line()

    def skip(self, n: int) -> None:
        """Count rows finished by an earlier run (not part of the rate)."""
        self._start_n += n
        self.update(n)

    def _line(self, final: bool = False) -> None:
        now = time.monotonic()
        self._last = now
        elapsed = now - self._start
        rate = (self.n - self._start_n) / elapsed if elapsed > 0 else 0.0
        if final:
            msg = f"{self.desc}: {self.n:,} rows done in {_duration(elapsed)} ({rate:,.0f} rows/s)"
        elif self.total:
            eta = (self.total - self.n) / rate if rate > 0 else float("nan")
            msg = (f"{self.desc}: {self.n:,}/{self.total:,} rows ({100 * self.n / self.total:.1f} %), "
                   f"{rate:,.0f} rows/s, ETA {_duration(eta) if eta == eta else '?'}")
        else:
            msg = f"{self.desc}: {self.n:,} rows, {rate:,.0f} rows/s"
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}", file=self.stream, flush=True)

    def close(self) -> None:
        """Finish the bar (or print a last line)."""
        if self._bar is not None:
            self._bar.close()
        elif not self.quiet:
            self._line(final=True)
