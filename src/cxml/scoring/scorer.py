"""One :class:`Scorer`: a loaded model mapping a pandas batch of tickets to a pandas batch of predictions.

:class:`Scorer`
    Loads a model once and maps a pandas batch of tickets to a pandas batch of predictions: one row per
    input row, in input order, keyed by the ticket id, with stable dtypes. A row that cannot be scored gets
    a human-readable ``error`` and null predictions; it never disappears and never fails the batch. The
    same object serves :func:`score_file`, Dask (:mod:`cxml.scoring.dask_engine`) and a notebook.
:func:`score_file`
    Scores a CSV, JSON Lines or Parquet file of any size in chunks with flat memory, exactly once and
    resumably: every chunk becomes an atomic Parquet part in ``<output>.parts/``; after a crash (even
    SIGKILL) ``resume=True`` skips the finished parts; the output is assembled from the parts at the end.

Output columns
--------------
``<id>``
    The ticket id (the input's id column, named as in the input). Without one, the index label as text.
``row`` (:func:`score_file` only)
    The input row number (0-based, blank JSON lines not counted): the key back into the input, and what
    the exactly-once check verifies (every input row appears once, in order).
``<target>``, ``<target>_confidence``, ``<target>_action``, ``<target>_abstain_reason``
    For each triage target (label, calibrated confidence, ``auto`` / ``suggest`` / ``abstain``, why it
    abstained).
``article_id``, ``article_score``
    The best knowledge-base article and its score, when the model has a knowledge base and ``k_articles``
    is 1; ``article_id_1``, ``article_score_1``, ... ``article_id_<k>`` for ``k_articles = k > 1``. Null when
    no article scores above the knowledge base's threshold.
``error``
    Null, or why the row was not scored (empty or missing text, a non-text value, bytes that are not UTF-8,
    an unreadable JSON line, an invalid value in another column).

Examples
--------
>>> from cxml.scoring import Scorer, score_file                            # doctest: +SKIP
>>> scorer = Scorer("models/helpdesk")                                    # doctest: +SKIP
>>> scorer(new_tickets)[["id", "reason", "reason_action", "error"]]       # doctest: +SKIP
>>> score_file("models/helpdesk", "backlog.csv", "scored.parquet")       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxml.checks import is_missing
from cxml.exceptions import clip_text
from cxml.schema import TicketBatch, ValidationError, ticket_batch

__all__ = ["Scorer", "model_hash"]

logger = logging.getLogger(__name__)

_TEXT_PARTS = ("subject", "body")
_MAX_VALUE_SHOWN = 60


def model_hash(path: str | os.PathLike[str]) -> str:
    """sha256 of a model directory's ``manifest.json``, which itself checksums every file of the model."""
    from cxml.persistence import MANIFEST, read_manifest

    read_manifest(path)  # a clear error for a directory that is not a model
    return hashlib.sha256((Path(path) / MANIFEST).read_bytes()).hexdigest()


def _components(model: Any) -> tuple[Any, Any]:
    """(triage, knowledge base) of a model; either may be None."""
    from cxml.bundle import HelpdeskModel

    if isinstance(model, HelpdeskModel):
        return model.triage, model.knowledge
    if hasattr(model, "estimators_") and hasattr(model, "predict") and hasattr(model, "targets_"):
        return model, None  # a fitted Triage
    if hasattr(model, "suggest_many"):
        return None, model
    raise TypeError(f"Scorer needs a fitted Triage, a KnowledgeBase or a HelpdeskModel (or the directory of "
                    f"one), got {type(model).__name__}")


def _short(value: Any) -> str:
    return clip_text(repr(value), _MAX_VALUE_SHOWN)


def _names(columns: Sequence[Hashable]) -> str:
    quoted = [repr(c) for c in columns]
    if len(quoted) == 1:
        return f"column {quoted[0]}"
    return f"columns {', '.join(quoted[:-1])} and {quoted[-1]}"


class Scorer:
    """Load a model once; map a pandas batch of tickets to a pandas batch of predictions.

    Parameters
    ----------
    model : str, Path, Triage, KnowledgeBase or HelpdeskModel
        A model directory (loaded with :func:`cxml.load`) or a loaded model.
    columns : dict or str, optional
        Column mapping as for :func:`cxml.schema.as_tickets` (``{"text": ["title", "description"],
        "id": "ticket_no"}``), or the CLI form ``"text=title+description,id=ticket_no"``.
    id_column : str, default="id"
        The column holding the ticket id (``columns["id"]`` wins when given). Ids are passed through
        untouched and need not be unique; without the column, the index labels (as text) are the ids.
    k_articles : int, default=1
        Articles suggested per ticket when the model has a knowledge base (0: none).
    allow_pickle : bool, default=False
        Passed to :func:`cxml.load`.

    Attributes
    ----------
    model_ : the loaded model
    model_dir_ : Path or None
        The model directory, when ``model`` was one.
    model_hash_ : str or None
        sha256 of the model's ``manifest.json`` (see :func:`model_hash`), when ``model`` was a directory.
    targets_ : list of str
        Triage targets (empty without triage).
    dtypes_ : Series
        dtype of every output column but the id (which keeps the input's dtype).

    Notes
    -----
    Each call passes the whole batch to the model at once, so identical texts in it are embedded once.
    Rows whose text is missing, empty, not a string or bytes that are not UTF-8 are set aside before the
    model sees the batch; a row another column's validation rejects (e.g. a timestamp that does not
    parse) is set aside and the rest scored again; an unexpected error narrows down to the rows causing
    it by bisection. Errors that concern the whole batch (a mapped column that does not exist) raise.

    Examples
    --------
    >>> import cxml
    >>> from cxml.triage import Triage
    >>> data = cxml.make_webshop(300, seed=0)                                       # doctest: +SKIP
    >>> model = Triage(targets=("reason",), encoder="hash", features="tfidf").fit(data.tickets)  # doctest: +SKIP
    >>> Scorer(model)(data.tickets.head(2))[["id", "reason", "reason_action", "error"]]  # doctest: +SKIP
    """

    def __init__(self, model: Any, *, columns: Mapping[str, Any] | str | None = None, id_column: str = "id",
                 k_articles: int = 1, allow_pickle: bool = False) -> None:
        self.model = model
        self.columns = columns
        self.id_column = id_column
        self.k_articles = k_articles
        self.allow_pickle = allow_pickle
        if not isinstance(k_articles, (int, np.integer)) or isinstance(k_articles, bool) or k_articles < 0:
            raise ValueError(f"k_articles must be an integer >= 0, got {k_articles!r}")
        mapping = _normalise_columns(columns)
        id_source = mapping.pop("id", [id_column])
        if len(id_source) != 1:
            raise ValueError(f"columns['id'] must name one column, got {id_source!r}")
        self.id_source_: Hashable = id_source[0]
        self.mapping_ = mapping
        if isinstance(model, (str, os.PathLike)):
            from cxml.persistence import load

            path = Path(model)
            self.model_hash_: str | None = model_hash(path)
            self.model_ = load(path, allow_pickle=allow_pickle)
            self.model_dir_: Path | None = path.resolve()
        else:
            self.model_, self.model_dir_, self.model_hash_ = model, None, None
        self.triage_, self.knowledge_ = _components(self.model_)
        if self.triage_ is not None and not hasattr(self.triage_, "estimators_"):
            raise ValueError("the Triage is not fitted yet: call fit() first")
        if self.knowledge_ is not None and self.k_articles and not hasattr(self.knowledge_, "articles_"):
            raise ValueError("the knowledge base has no articles yet: add() some first")
        self.targets_: list[str] = list(self.triage_.estimators_) if self.triage_ is not None else []
        self.dtypes_ = self._dtypes()

    # ------------------------------------------------------------------ output shape
    def _label_dtype(self, target: str) -> Any:
        classes = np.asarray(self.triage_.estimators_[target].classes_)
        if classes.dtype.kind == "b":
            return pd.BooleanDtype()
        if classes.dtype.kind in "iu":
            return pd.Int64Dtype()
        if classes.dtype.kind == "f":
            return pd.Float64Dtype()
        return pd.StringDtype()

    def _article_columns(self) -> list[tuple[str, str]]:
        if self.knowledge_ is None or not self.k_articles:
            return []
        if self.k_articles == 1:
            return [("article_id", "article_score")]
        return [(f"article_id_{i}", f"article_score_{i}") for i in range(1, self.k_articles + 1)]

    def _dtypes(self) -> pd.Series:
        dtypes: dict[str, Any] = {}
        for t in self.targets_:
            dtypes[t] = self._label_dtype(t)
            dtypes[f"{t}_confidence"] = np.dtype("float64")
            dtypes[f"{t}_action"] = pd.StringDtype()
            dtypes[f"{t}_abstain_reason"] = pd.StringDtype()
        for id_col, score_col in self._article_columns():
            dtypes[id_col] = pd.StringDtype()
            dtypes[score_col] = np.dtype("float64")
        dtypes["error"] = pd.StringDtype()
        return pd.Series(dtypes, dtype=object)

    @property
    def output_columns(self) -> list[Hashable]:
        """Column names of the output, id first."""
        return [self.id_source_, *self.dtypes_.index]

    # ------------------------------------------------------------------ scoring
    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        """Score a batch of tickets.

        Parameters
        ----------
        batch : DataFrame
            Tickets with the text (``text`` or ``subject`` / ``body``, or as mapped by ``columns``), the id
            and any context columns the model uses. May be empty.

        Returns
        -------
        DataFrame
            One row per input row, same index and order: the id, per target ``<target>``,
            ``<target>_confidence``, ``<target>_action``, ``<target>_abstain_reason``, the article
            columns and ``error`` (see the module documentation). Same columns and dtypes for any batch.

        Raises
        ------
        ValidationError
            When the batch as a whole cannot be scored: no text column, a mapped column that does not exist.
        """
        if not isinstance(batch, pd.DataFrame):
            raise TypeError(f"Scorer expects a pandas DataFrame of tickets, got {type(batch).__name__}; "
                            "build one with pd.DataFrame(records)")
        n = len(batch)
        errors = _row_errors(batch, self._text_sources(batch))
        cols: dict[str, np.ndarray] = {}
        for t in self.targets_:
            cols[t] = np.full(n, None, dtype=object)
            cols[f"{t}_confidence"] = np.full(n, np.nan)
            cols[f"{t}_action"] = np.full(n, None, dtype=object)
            cols[f"{t}_abstain_reason"] = np.full(n, None, dtype=object)
        good = np.flatnonzero(np.array([e is None for e in errors], dtype=bool))
        results, failed = self._score_rows(batch, good) if len(good) else ([], {})
        for pos, message in failed.items():
            errors[pos] = message
        for rows, pred, _ in results:
            for t in self.targets_:
                for suffix in ("", "_confidence", "_action", "_abstain_reason"):
                    values = pred[f"{t}{suffix}"].to_numpy(dtype=float if suffix == "_confidence" else object)
                    cols[f"{t}{suffix}"][rows] = values
        good = np.flatnonzero(np.array([e is None for e in errors], dtype=bool))
        for (id_col, score_col), (ids, scores) in zip(self._article_columns(), self._articles(results, n),
                                                      strict=True):
            cols[id_col], cols[score_col] = ids, scores
        cols["error"] = np.asarray(errors, dtype=object)

        out = pd.DataFrame({self.id_source_: self._ids(batch)}, index=batch.index)
        for name, dtype in self.dtypes_.items():
            values = cols[name]
            if isinstance(dtype, pd.StringDtype):
                values = [None if v is None or is_missing(v) else str(v) for v in values]
            out[name] = pd.array(values, dtype=dtype)
        if len(good) < n:
            logger.debug("%d of %d rows not scored", n - len(good), n)
        return out

    def empty(self) -> pd.DataFrame:
        """The output for an empty batch: the columns and dtypes of every output (Dask's ``meta``)."""
        return self(pd.DataFrame({c: pd.Series([], dtype=object) for c in self._empty_input_columns()}))

    def _empty_input_columns(self) -> list[Hashable]:
        sources = self.mapping_.get("text") or list(_TEXT_PARTS)
        return [self.id_source_, *sources]

    def _ids(self, batch: pd.DataFrame) -> Any:
        if self.id_source_ in batch.columns:
            return batch[self.id_source_].array.copy()  # the input's values and dtype, not aligned on index
        if self.id_source_ != "id":
            raise ValidationError(
                f"the id column {self.id_source_!r} is not in the batch (columns: {list(batch.columns)[:25]}); "
                "pass id_column= (or columns={'id': ...}) naming the ticket id column", column=self.id_source_)
        return pd.array([str(i) for i in batch.index], dtype=pd.StringDtype())

    def _text_sources(self, batch: pd.DataFrame) -> list[Hashable]:
        """The columns the model's text is built from, as :func:`cxml.schema.as_tickets` builds it."""
        text_columns = getattr(self.triage_, "text_columns", None)
        if text_columns is not None:
            sources = [text_columns] if isinstance(text_columns, str) else list(text_columns)
        elif "text" in self.mapping_:
            sources = list(self.mapping_["text"])
        else:
            renamed = {s for k, v in self.mapping_.items() if k not in _TEXT_PARTS for s in v}
            sources = []
            for part in _TEXT_PARTS:
                if part in self.mapping_:
                    sources += self.mapping_[part]
                elif part in batch.columns and part not in renamed:
                    sources.append(part)
            if not sources and "text" in batch.columns:
                sources = ["text"]
        missing = [c for c in sources if c not in batch.columns]
        if not sources or missing:
            what = f"the text column(s) {missing!r} are" if missing else "no text column is"
            raise ValidationError(
                f"{what} not in the batch: it needs 'text', or 'subject' and/or 'body', or the columns "
                f"mapped with columns={{'text': [...]}}. Available columns: {list(batch.columns)[:25]}.",
                column=missing[0] if missing else "text")
        return sources

    def _model_input(self, batch: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """Rows for the model: positions as the index, without the id (ids need not be unique here)."""
        sub = batch.iloc[rows]
        drop = [c for c in (self.id_source_, "id") if c in sub.columns]
        return sub.drop(columns=drop).reset_index(drop=True)

    def _ticket_batch(self, batch: pd.DataFrame, rows: np.ndarray) -> TicketBatch:
        """The rows as one validated, scrubbed :class:`TicketBatch`: what every component of the model reads."""
        triage = self.triage_
        return ticket_batch(self._model_input(batch, rows), what="Scorer",
                            text_columns=getattr(triage, "text_columns", None), columns=self.mapping_ or None,
                            scrub_pii=getattr(triage, "scrub_pii", True))

    def _score_rows(self, batch: pd.DataFrame, rows: np.ndarray
                    ) -> tuple[list[tuple[np.ndarray, pd.DataFrame | None, TicketBatch]], dict[int, str]]:
        """Triage predictions and the ticket batch for ``rows`` (positions in ``batch``), setting aside rows that fail.

        Each surviving group of rows is validated and scrubbed once into a :class:`TicketBatch`, which the triage
        heads and then the knowledge base both read: each ticket is embedded once per encoder.
        """
        results: list[tuple[np.ndarray, pd.DataFrame | None, TicketBatch]] = []
        failed: dict[int, str] = {}
        todo = [rows]
        first_error: Exception | None = None
        while todo:
            alive = todo.pop()
            while len(alive):
                try:
                    tickets = self._ticket_batch(batch, alive)
                    pred = self.triage_.predict(tickets) if self.triage_ is not None else None
                    results.append((alive, pred, tickets))
                    break
                except ValidationError as exc:
                    bad = [r for r in exc.rows if 0 <= r < len(alive)]
                    if not bad:
                        raise  # about the whole batch, not some rows
                    for r in bad:
                        failed[int(alive[r])] = _invalid_value(batch, int(alive[r]), exc.column)
                    alive = np.delete(alive, bad)
                except Exception as exc:  # noqa: BLE001 - narrowed down to the rows, or re-raised below
                    first_error = first_error or exc
                    if len(alive) == 1:
                        failed[int(alive[0])] = f"could not be scored: {type(exc).__name__}: {exc}"
                    else:
                        half = len(alive) // 2
                        todo += [alive[half:], alive[:half]]
                    break
        if first_error is not None and not results and len(rows) > 1:
            raise first_error  # every row fails on its own: the model, not the data
        return results, failed

    def _articles(self, results: list[tuple[np.ndarray, pd.DataFrame | None, TicketBatch]],
                  n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per article rank: (ids, scores) over all ``n`` rows, from the same ticket batches triage read."""
        k = len(self._article_columns())
        if not k:
            return []
        ids = np.full((n, k), None, dtype=object)
        scores = np.full((n, k), np.nan)
        for rows, _, tickets in results:
            first: dict[str, int] = {}  # identical texts are suggested for once
            inverse = np.fromiter((first.setdefault(text, len(first)) for text in tickets.texts), np.int64,
                                  len(tickets))
            unique = tickets.take(np.fromiter(first.values(), np.int64, len(first)))
            unique.index = None  # results by position in ``unique``
            found = self.knowledge_.suggest_many(unique, k=k)
            u_ids = np.full((len(unique), k), None, dtype=object)
            u_scores = np.full((len(unique), k), np.nan)
            if len(found):
                q = found["query"].to_numpy(dtype=np.int64)
                r = found["rank"].to_numpy(dtype=np.int64) - 1
                keep = r < k
                u_ids[q[keep], r[keep]] = [str(a) for a in found["article_id"].to_numpy(dtype=object)[keep]]
                u_scores[q[keep], r[keep]] = found["score"].to_numpy(dtype=float)[keep]
            ids[rows] = u_ids[inverse]
            scores[rows] = u_scores[inverse]
        return [(ids[:, j], scores[:, j]) for j in range(k)]

    def __repr__(self) -> str:
        model = self.model_dir_ if self.model_dir_ is not None else type(self.model_).__name__
        return f"Scorer({str(model)!r}, targets={self.targets_}, k_articles={self.k_articles})"


def _normalise_columns(columns: Mapping[str, Any] | str | None) -> dict[str, list[Hashable]]:
    if columns is None:
        return {}
    if isinstance(columns, str):
        from cxml.io import parse_columns

        columns = parse_columns(columns) or {}
    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must be a dict such as {{'text': ['title', 'description']}}, got "
                        f"{type(columns).__name__}")
    return {str(k): ([v] if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) else list(v))
            for k, v in columns.items()}


def _row_errors(batch: pd.DataFrame, sources: list[Hashable]) -> list[str | None]:
    """Why each row cannot be scored (no text, blank text, a non-text value, bytes that are not UTF-8), or None.

    Only the verdict is kept: the text itself is built once, by :func:`cxml.schema.ticket_batch`.
    """
    n = len(batch)
    has_text = np.zeros(n, dtype=bool)
    present = np.zeros(n, dtype=bool)
    errors: list[str | None] = [None] * n
    for col in sources:
        for i, value in enumerate(batch[col].tolist()):
            if errors[i] is not None or is_missing(value):
                continue
            if isinstance(value, (bytes, bytearray)):
                try:
                    value = bytes(value).decode("utf-8")
                except UnicodeDecodeError:
                    errors[i] = (f"column {col!r} holds bytes that are not valid UTF-8; decode them with the "
                                 "encoding they were written in")
                    continue
            if not isinstance(value, str):
                errors[i] = (f"column {col!r} holds a non-text value {_short(value)} of type "
                             f"{type(value).__name__}; expected a string")
                continue
            present[i] = True
            has_text[i] |= bool(value.strip())
    for i in range(n):
        if errors[i] is None and not present[i]:
            errors[i] = f"missing text: no value in {_names(sources)}"
        elif errors[i] is None and not has_text[i]:
            errors[i] = f"empty text: {_names(sources)} {'is' if len(sources) == 1 else 'are'} blank"
    return errors


def _invalid_value(batch: pd.DataFrame, pos: int, column: Hashable | None) -> str:
    if column is not None and column in batch.columns:
        return f"invalid value in column {column!r}: {_short(batch[column].iloc[pos])}"
    return f"invalid value{f' in column {column!r}' if column is not None else ''}"
