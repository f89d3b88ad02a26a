"""Tickets and articles in one canonical shape, validated on the way in.

Every helpdesk exports tickets differently: ``title`` and ``description`` here, ``subject``, ``body`` and
``category`` there. :func:`as_tickets` maps the caller's columns onto the canonical fields below, builds the
``text`` the models read, checks types, parses timestamps and, by default, scrubs personal data out of every
free-text column (see :mod:`cxml.pii`). :func:`as_articles` does the same for knowledge-base articles,
:func:`check_labels` for the labels a classifier is fitted on and :func:`check_texts` for a plain list of texts.

Problems are reported as :class:`ValidationError` with the column, how many rows are affected, the first of them
(positions and index labels), what was expected and what to do about it.

Canonical ticket fields (:data:`TICKET_FIELDS`):

=====================  ==============  ==========================================================================
field                  type            meaning
=====================  ==============  ==========================================================================
id                     str or int      unique ticket id; made from the index (as strings) when absent
subject                str             subject line or title written by the customer
body                   str             the customer's message (first message or the whole thread)
text                   str             what the models read: subject and body joined by a newline
channel                category        email, chat, web_form, social, phone, ...
created_at             datetime64      when the ticket arrived
customer_id            str             customer identifier (pseudonymised)
segment                category        new, returning, key, business, ...
language               str             ISO 639-1 code: fi, en, sv, ...
url                    str             page the customer was on when writing in
page_title             str             title of that page
error_code             str             error code the customer saw, e.g. ``card_declined``
error_message          str             error message the customer saw
reason                 category        contact reason: orders, deliveries, returns, invoices, payments, ...
priority               category        low, normal, high, urgent, ...
team                   category        team that handled the ticket
agent                  str             agent that handled the ticket
first_response_at      datetime64      first reply by an agent
resolved_at            datetime64      when the ticket was resolved
csat                   float           satisfaction after resolution (e.g. 1-5 smileys)
ces                    float           customer effort score, 1-7
nps                    float           likelihood to recommend, 0-10
feedback               str             free-text feedback given with the CSAT score
resolving_article_id   str or int      id of the knowledge-base article that resolved the ticket
answer                 str             the agent's reply
macro                  str             canned reply (macro) the agent used
=====================  ==============  ==========================================================================

Canonical article fields (:data:`ARTICLE_FIELDS`): id, title, body, url, language, tags.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxml.checks import is_missing, reject_single_string
from cxml.exceptions import ValidationError
from cxml.pii import scrub_many

__all__ = [
    "ARTICLE_FIELDS",
    "TEXT_FIELDS",
    "TICKET_FIELDS",
    "TIMESTAMP_FIELDS",
    "Field",
    "TicketBatch",
    "ValidationError",
    "as_articles",
    "as_tickets",
    "check_labels",
    "check_texts",
    "normalize_text",
    "ticket_batch",
]


@dataclass(frozen=True)
class Field:
    """Type and meaning of a canonical column.

    Attributes
    ----------
    dtype : str
        Expected type: ``"str"``, ``"category"``, ``"datetime64"``, ``"float"``, ``"str or int"``, ``"list[str]"``.
    description : str
        What the column holds.
    """

    dtype: str
    description: str


#: Canonical ticket columns, in a sensible display order.
TICKET_FIELDS: dict[str, Field] = {
    "id": Field("str or int", "unique ticket id; made from the index (as strings) when absent"),
    "subject": Field("str", "subject line or title written by the customer"),
    "body": Field("str", "the customer's message (first message or the whole thread)"),
    "text": Field("str", "what the models read: subject and body joined by a newline"),
    "channel": Field("category", "email, chat, web_form, social, phone, ..."),
    "created_at": Field("datetime64", "when the ticket arrived"),
    "customer_id": Field("str", "customer identifier (pseudonymised)"),
    "segment": Field("category", "new, returning, key, business, ..."),
    "language": Field("str", "ISO 639-1 code: fi, en, sv, ..."),
    "url": Field("str", "page the customer was on when writing in"),
    "page_title": Field("str", "title of that page"),
    "error_code": Field("str", "error code the customer saw, e.g. card_declined"),
    "error_message": Field("str", "error message the customer saw"),
    "reason": Field("category", "contact reason: orders, deliveries, returns, invoices, payments, ..."),
    "priority": Field("category", "low, normal, high, urgent, ..."),
    "team": Field("category", "team that handled the ticket"),
    "agent": Field("str", "agent that handled the ticket"),
    "first_response_at": Field("datetime64", "first reply by an agent"),
    "resolved_at": Field("datetime64", "when the ticket was resolved"),
    "csat": Field("float", "satisfaction after resolution (e.g. 1-5 smileys)"),
    "ces": Field("float", "customer effort score, 1-7"),
    "nps": Field("float", "likelihood to recommend, 0-10"),
    "feedback": Field("str", "free-text feedback given with the CSAT score"),
    "resolving_article_id": Field("str or int", "id of the knowledge-base article that resolved the ticket"),
    "answer": Field("str", "the agent's reply"),
    "macro": Field("str", "canned reply (macro) the agent used"),
}

#: Canonical knowledge-base article columns.
ARTICLE_FIELDS: dict[str, Field] = {
    "id": Field("str or int", "unique article id"),
    "title": Field("str", "article title"),
    "body": Field("str", "article text"),
    "url": Field("str", "where the article is published"),
    "language": Field("str", "ISO 639-1 code: fi, en, sv, ..."),
    "tags": Field("list[str]", "keywords; a comma-separated string is split"),
}

#: Free-text ticket columns: validated as text and scrubbed of personal data. Several caller columns may be
#: joined into one of these.
TEXT_FIELDS: tuple[str, ...] = (
    "subject",
    "body",
    "text",
    "answer",
    "feedback",
    "error_message",
    "page_title",
)

#: Ticket columns parsed with :func:`pandas.to_datetime`.
TIMESTAMP_FIELDS: tuple[str, ...] = ("created_at", "first_response_at", "resolved_at")

_ARTICLE_TEXT_FIELDS: tuple[str, ...] = ("title", "body")
_MAX_ROWS_SHOWN = 5


# ---------------------------------------------------------------------------------------------------------------
# small helpers


def _plain(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def _where(positions: Sequence[int], index: pd.Index) -> str:
    """'rows 0, 4 (index labels 'a', 'e')', limited to the first few rows."""
    shown = list(positions[:_MAX_ROWS_SHOWN])
    more = f", ... ({len(positions) - len(shown)} more)" if len(positions) > len(shown) else ""
    pos = ", ".join(str(p) for p in shown)
    labels = ", ".join(repr(_plain(index[p])) for p in shown)
    word = "row" if len(positions) == 1 else "rows"
    label_word = "index label" if len(shown) == 1 else "index labels"
    return f"{word} {pos}{more} ({label_word} {labels})"


def _n(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun}es" if noun.endswith("s") else f"{count} {noun}s"


def _suggest(name: Any, choices: Iterable[Any]) -> str:
    if not isinstance(name, str):
        return ""
    options = [c for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in options}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f" Did you mean {close[0]!r}?" if close else ""


def _available(frame: pd.DataFrame) -> str:
    cols = [_plain(c) for c in frame.columns]
    if len(cols) > 30:
        return f"{cols[:30]!r} and {len(cols) - 30} more"
    return repr(cols)


def _describe_column(column: Hashable, canonical: str | None) -> str:
    if canonical is None or canonical == column:
        return f"column {column!r}"
    return f"column {column!r} (mapped to {canonical!r})"


_SPACES = re.compile(r"[^\S\n]+")  # whitespace but line breaks: tabs, no-break and other Unicode spaces
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u2060\ufeff\u00ad]")  # zero-width space, marks, BOM, soft hyphen


def normalize_text(text: str) -> str:
    """The one form of a text cxml fits and predicts on: Unicode NFC, plain spaces, ``\\n`` line breaks.

    The same ticket typed on a Mac (NFD: ``a`` + combining diaeresis) and on Windows (NFC: ``ä``) must get the same
    decision, so every free text is composed (NFC); runs of spaces, tabs and Unicode spaces become one space,
    ``\\r\\n`` and ``\\r`` become ``\\n``, zero-width characters are dropped, spaces around line breaks and more
    than one empty line are removed, and the text is stripped.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_text("Pa\u0308iva\u0308  on\r\nhyva\u0308 ") == "Päivä on\nhyvä"
    True
    """
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = re.sub(r" ?\n ?", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _text_values(values: pd.Series, column: Hashable, canonical: str | None = None) -> list[str | None]:
    """Validate a text column: str normalised (:func:`normalize_text`), valid UTF-8 bytes decoded, missing values as
    None."""
    out: list[str | None] = []
    non_text: list[int] = []
    bad_bytes: list[int] = []
    example: Any = None
    for pos, value in enumerate(values.tolist()):
        if isinstance(value, str):
            out.append(normalize_text(value))
        elif is_missing(value):
            out.append(None)
        elif isinstance(value, (bytes, bytearray)):
            try:
                out.append(normalize_text(bytes(value).decode("utf-8")))
            except UnicodeDecodeError:
                bad_bytes.append(pos)
                out.append(None)
        else:
            if not non_text:
                example = value
            non_text.append(pos)
            out.append(None)
    what = _describe_column(column, canonical)
    if non_text:
        raise ValidationError(
            f"{what} has {_n(len(non_text), 'non-text value')} at {_where(non_text, values.index)}, "
            f"e.g. {example!r} of type {type(example).__name__}. Expected str (NaN or None for a missing part). "
            f"If the values are meant as text convert them first, e.g. df[{column!r}] = "
            f"df[{column!r}].astype('string'); otherwise set them to None or drop those rows.",
            column=column,
            rows=non_text,
        )
    if bad_bytes:
        raise ValidationError(
            f"{what} has {_n(len(bad_bytes), 'bytes value')} that {'is' if len(bad_bytes) == 1 else 'are'} not valid "
            f"UTF-8 at "
            f"{_where(bad_bytes, values.index)}. Decode them with the encoding they were written in, e.g. "
            f"df[{column!r}] = df[{column!r}].str.decode('latin-1'), before passing the data.",
            column=column,
            rows=bad_bytes,
        )
    return out


def _scrub_values(values: list[str | None]) -> list[str | None]:
    present = [v for v in values if v is not None]
    if not present:
        return values
    cleaned = iter(scrub_many(present))
    return [None if v is None else next(cleaned) for v in values]


def _join(parts: Sequence[list[str | None]]) -> list[str]:
    if len(parts) == 1:
        return [v if v is not None else "" for v in parts[0]]
    return ["\n".join(p for p in row if p is not None and p.strip()) for row in zip(*parts, strict=True)]


# ---------------------------------------------------------------------------------------------------------------
# input shapes and column mapping


def _as_frame(data: Any, what: str, *, texts_allowed: bool) -> pd.DataFrame:
    """A private copy of ``data`` as a DataFrame; a list or Series of texts becomes a ``text`` column."""
    accepted = (
        "a DataFrame, a list of texts or a list of dicts"
        if texts_allowed
        else "a DataFrame or a list of dicts"
    )
    if data is None:
        raise ValidationError(f"expected {accepted} of {what}, got None.")
    reject_single_string(data, f"reading {what}", expected=accepted,
                         fix="wrap it in a list: [text]" if texts_allowed else "pass a DataFrame or a list of dicts")
    if isinstance(data, pd.DataFrame):
        dupes = data.columns[data.columns.duplicated()].unique().tolist()
        if dupes:
            raise ValidationError(
                f"the {what} DataFrame has duplicated column names {dupes!r}; rename them so that each column "
                "name is unique (e.g. df.columns = [...]) before passing it."
            )
        return data.copy()
    if isinstance(data, pd.Series):
        if not texts_allowed:
            raise ValidationError(f"expected {accepted} of {what}, got a Series; pass a DataFrame.")
        return pd.DataFrame({"text": data.astype(object)}, index=data.index)
    if isinstance(data, np.ndarray):
        if data.ndim != 1:
            raise ValidationError(
                f"expected a 1-D array of texts, got an array of shape {data.shape}; pass a DataFrame for "
                "several columns, or flatten the array."
            )
        data = data.tolist()
    if isinstance(data, Mapping):
        raise ValidationError(
            f"expected {accepted} of {what}, got a single dict; wrap one record in a list: [record], or "
            "build a DataFrame from a dict of columns: pd.DataFrame(data)."
        )
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            raise ValidationError(f"no {what}: the data is empty. Pass at least one record.")
        is_map = [isinstance(row, Mapping) for row in data]
        if all(is_map):
            return pd.DataFrame(list(data))
        if not texts_allowed or any(is_map):
            others = [i for i, m in enumerate(is_map) if not m]
            index = pd.RangeIndex(len(data))
            raise ValidationError(
                f"expected a list of dicts (one per record) but {_n(len(others), 'item')} "
                f"{'is not a dict' if len(others) == 1 else 'are not dicts'} at "
                f"{_where(others, index)}, e.g. {data[others[0]]!r}. Pass either a list of texts or a list of "
                "dicts, not a mix.",
                rows=others,
            )
        return pd.DataFrame({"text": pd.Series(list(data), dtype=object)})
    raise ValidationError(
        f"expected {accepted} of {what}, got {type(data).__name__}. Convert it first, e.g. list(data) or "
        "pd.DataFrame(data)."
    )


def _normalise_mapping(
    columns: Mapping[str, Any] | None,
    fields: Mapping[str, Field],
    joinable: Sequence[str],
    frame: pd.DataFrame,
    what: str,
) -> dict[str, list[Hashable]]:
    """Canonical name -> list of the caller's columns, checked against the fields and the data."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ValidationError(
            f"columns must map canonical names to your column names, e.g. {{'text': ['title', 'description'], "
            f"'reason': 'category'}}; got {type(columns).__name__}."
        )
    mapping: dict[str, list[Hashable]] = {}
    for key, value in columns.items():
        if key not in fields:
            hint = _suggest(key, fields)
            if not hint and key in frame.columns and isinstance(value, str) and value in fields:
                hint = f" The mapping goes from canonical name to your column: {{{value!r}: {key!r}}}."
            raise ValidationError(
                f"columns has an unknown {what} field {key!r}.{hint} Canonical {what} fields: {list(fields)}."
            )
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray, pd.Index)):
            sources = [value]
        else:
            sources = list(value)
        if not sources:
            raise ValidationError(f"columns[{key!r}] is empty; name at least one of your columns.")
        if len(sources) > 1 and key not in joinable:
            raise ValidationError(
                f"columns[{key!r}] names {len(sources)} columns {sources!r}, but only free-text fields "
                f"{list(joinable)} can join several columns; name one column for {key!r}."
            )
        if len(set(sources)) != len(sources):
            raise ValidationError(f"columns[{key!r}] names the same column twice: {sources!r}.")
        for source in sources:
            if source not in frame.columns:
                raise ValidationError(
                    f"columns maps {key!r} to {source!r}, but the data has no column {source!r}."
                    f"{_suggest(source, frame.columns)} Available columns: {_available(frame)}.",
                    column=source,
                )
        mapping[key] = sources
    return mapping


def _apply_mapping(
    frame: pd.DataFrame,
    mapping: dict[str, list[Hashable]],
    fields: Mapping[str, Field],
    joinable: Sequence[str],
    what: str,
) -> tuple[pd.DataFrame, dict[Hashable, Hashable], dict[str, list[Hashable]]]:
    """Apply the mapping: rename single columns, copy canonical ones, and list the free-text joins to build.

    Returns the frame, new column name -> the caller's column it came from, and the free-text fields to build by
    joining (or copying) the caller's columns. A source column that is itself a canonical field (``{"text":
    "subject"}``) is copied rather than renamed, so the canonical column stays.
    """
    rename: dict[Hashable, str] = {}
    copies: dict[str, Hashable] = {}
    joins: dict[str, list[Hashable]] = {}
    for canonical, sources in mapping.items():
        source = sources[0]
        if len(sources) > 1 or (source != canonical and source in fields):
            if canonical in joinable:
                joins[canonical] = sources
            else:
                copies[canonical] = source
            continue
        if source in rename:
            raise ValidationError(
                f"columns maps both {rename[source]!r} and {canonical!r} to column {source!r}; a column can "
                f"be renamed to one field only. Copy it first, e.g. df[{canonical!r}] = df[{source!r}].",
                column=source,
            )
        rename[source] = canonical
    for source, canonical in [*rename.items(), *((s, c) for c, s in copies.items())]:
        if canonical != source and canonical in frame.columns and canonical not in rename:
            raise ValidationError(
                f"columns maps {canonical!r} to {source!r}, but the {what} data already has a column "
                f"{canonical!r}; drop or rename one of them first.",
                column=canonical,
            )
    out = frame.rename(columns=rename) if rename else frame
    origin: dict[Hashable, Hashable] = {c: c for c in frame.columns if c not in rename}
    origin.update({canonical: source for source, canonical in rename.items()})
    for canonical, source in copies.items():
        out[canonical] = frame[source]
        origin[canonical] = source
    return out, origin, joins


class _TextCache:
    """Validated (and optionally scrubbed) values of the caller's text columns, computed once each."""

    def __init__(self, frame: pd.DataFrame, scrub: bool) -> None:
        self.frame = frame
        self.scrub = scrub
        self._cache: dict[Hashable, list[str | None]] = {}

    def get(self, source: Hashable, canonical: str | None) -> list[str | None]:
        if source not in self._cache:
            values = _text_values(self.frame[source], source, canonical)
            self._cache[source] = _scrub_values(values) if self.scrub else values
        return self._cache[source]


def _set_text_column(
    out: pd.DataFrame, column: Hashable, original: pd.Series, values: list[str | None]
) -> None:
    """Write ``values`` back only where something changed (decoded bytes, scrubbed text)."""
    before = original.tolist()
    if any(v is not None and v is not b and v != b for v, b in zip(values, before, strict=True)):
        out[column] = pd.Series(
            [b if v is None else v for v, b in zip(values, before, strict=True)],
            index=out.index,
            dtype=object,
        )


_DAY_FIRST = re.compile(r"\s*[0-3]?[0-9]\.[01]?[0-9]\.[0-9]{4}")


def _parse_timestamps(out: pd.DataFrame, column: str) -> None:
    values = out[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return
    first = next((v for v in values.tolist() if isinstance(v, str)), None)
    # Finnish dates are day first (12.3.2025 is 12 March); pandas would otherwise guess month first.
    dayfirst = first is not None and _DAY_FIRST.match(first) is not None
    try:
        out[column] = pd.to_datetime(values, errors="raise", dayfirst=dayfirst)
        return
    except (ValueError, TypeError, OverflowError) as exc:
        error = exc
    try:
        coerced = pd.to_datetime(values, errors="coerce", dayfirst=dayfirst)
        bad = np.flatnonzero((values.notna() & coerced.isna()).to_numpy()).tolist()
    except (ValueError, TypeError, OverflowError):
        bad = []
    if not bad:
        bad = [
            i
            for i, v in enumerate(values.tolist())
            if not is_missing(v) and is_missing(pd.to_datetime(v, errors="coerce", dayfirst=dayfirst))
        ]
    reason = (
        " ".join(str(error).split("You might want to try")[0].split()).rstrip(".:") or type(error).__name__
    )
    if bad:
        examples = ", ".join(repr(_plain(values.iloc[i])) for i in bad[:3])
        found = f"{_n(len(bad), 'value')} could not be parsed at {_where(bad, values.index)}, e.g. {examples}"
    else:
        found = "the values mix formats or time zones"
    raise ValidationError(
        f"column {column!r} should hold timestamps (datetime64 or date strings), but {found} ({reason}). "
        f"Fix or blank those values, or convert the column yourself first, e.g. "
        f"df[{column!r}] = pd.to_datetime(df[{column!r}], format='mixed', dayfirst=True).",
        column=column,
        rows=bad,
    )


def _check_ids(out: pd.DataFrame, what: str) -> None:
    ids = out["id"]
    values = ids.tolist()
    missing = [i for i, v in enumerate(values) if is_missing(v)]
    if missing:
        raise ValidationError(
            f"column 'id' has {_n(len(missing), 'missing value')} at {_where(missing, out.index)}. Every "
            f"{what} needs an id: fill them, drop those rows, or drop the column to number {what}s by the index.",
            column="id",
            rows=missing,
        )
    try:
        dup_mask = ids.duplicated(keep=False).to_numpy()
    except TypeError:  # unhashable ids
        raise ValidationError(
            f"column 'id' holds unhashable values such as {values[0]!r}; ids must be strings or integers.",
            column="id",
        ) from None
    if dup_mask.any():
        dups = np.flatnonzero(dup_mask).tolist()
        examples = list(dict.fromkeys(_plain(values[i]) for i in dups))[:_MAX_ROWS_SHOWN]
        raise ValidationError(
            f"column 'id' has {_n(len(dups), 'row')} with duplicated ids at {_where(dups, out.index)}, "
            f"e.g. {examples!r}. {what.capitalize()} ids must be unique: drop the duplicates "
            f"(df.drop_duplicates('id')) or map a unique column with columns={{'id': ...}}.",
            column="id",
            rows=dups,
        )


def _require(
    out: pd.DataFrame,
    require: Sequence[str],
    fields: Mapping[str, Field],
    what: str,
    skip: Sequence[str] = (),
) -> None:
    if isinstance(require, str):
        require = [require]
    for name in require:
        if name not in fields:
            raise ValidationError(
                f"require names an unknown {what} field {name!r}.{_suggest(name, fields)} Choose from {list(fields)}."
            )
        if name not in out.columns and name not in skip:
            raise ValidationError(
                f"required field {name!r} is missing: the data has no {name!r} column and columns= does not "
                f"map one. Map it, e.g. columns={{{name!r}: '<your column>'}}.{_suggest(name, out.columns)} "
                f"Available columns: {_available(out)}.",
                column=name,
            )


# ---------------------------------------------------------------------------------------------------------------
# public API


def as_tickets(
    data: Any,
    columns: Mapping[str, str | Sequence[str]] | None = None,
    *,
    require: Sequence[str] = ("text",),
    allow_empty_text: bool = False,
    scrub_pii: bool = True,
) -> pd.DataFrame:
    """Validate tickets and bring them into the canonical shape.

    Parameters
    ----------
    data : DataFrame, Series, list of str, ndarray of str or list of dict
        The tickets. A Series, list or 1-D array holds one text per ticket. A bare string is refused: wrap it in
        a list.
    columns : mapping, optional
        Canonical field name -> your column name, or a list of column names for a free-text field
        (:data:`TEXT_FIELDS`), joined by newlines: ``{"text": ["title", "description"], "reason": "category",
        "id": "ticket_no"}``. Mapped columns are renamed; other columns are kept as they are.
    require : sequence of str, default ("text",)
        Canonical fields that must be present, e.g. ``("text", "reason")`` for training. Without
        ``"text"``, data with no text columns gets an empty ``text`` and empty texts are not an
        error (reports need no free text).
    allow_empty_text : bool, default False
        Keep tickets whose text is empty or whitespace, marking them in a boolean ``empty_text`` column
        (prediction). By default they are an error.
    scrub_pii : bool, default True
        Replace personal data in the free-text columns (:data:`TEXT_FIELDS` and the columns joined into one)
        with placeholders, see :func:`cxml.pii.scrub`. Turning it off is the caller's explicit choice.

    Returns
    -------
    DataFrame
        A new frame with the caller's index, canonical column names and always a ``text`` column. ``text`` is
        built from the mapped text columns, else from ``subject`` and ``body`` where present, else from an
        existing ``text`` column; missing parts are skipped. ``id`` is kept when present, else made from the
        index as strings. Timestamp columns (:data:`TIMESTAMP_FIELDS`) are parsed; strings like ``12.3.2025``
        are read day first.

    Raises
    ------
    ValidationError
        With the column, the number and first of the offending rows, and what to do, when: ``data`` has the
        wrong type or is empty; a mapped column does not exist; a required field is missing; a text column holds
        non-text values or bytes that are not UTF-8; a text is empty (unless ``allow_empty_text``); ids are
        missing or duplicated; timestamps do not parse.

    Notes
    -----
    An empty DataFrame or Series gives an empty frame (a batch may be empty), while None or an empty list is an
    error.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"title": ["Missing parcel", "Refund"],
    ...                    "description": ["Order #100234 has not arrived", "Call me: 040 123 4567"],
    ...                    "category": ["deliveries", "returns"]})
    >>> tickets = as_tickets(df, {"text": ["title", "description"], "reason": "category"})
    >>> tickets["text"].tolist()
    ['Missing parcel\\nOrder #100234 has not arrived', 'Refund\\nCall me: [PHONE]']
    >>> tickets["id"].tolist(), tickets["reason"].tolist()
    (['0', '1'], ['deliveries', 'returns'])
    """
    frame = _as_frame(data, "tickets", texts_allowed=True)
    mapping = _normalise_mapping(columns, TICKET_FIELDS, TEXT_FIELDS, frame, "ticket")
    out, origin, joins = _apply_mapping(frame, mapping, TICKET_FIELDS, TEXT_FIELDS, "ticket")
    texts = _TextCache(frame, scrub_pii)
    _require(out, require, TICKET_FIELDS, "ticket", skip=("text",))  # text is built below
    built = _ticket_free_texts(out, mapping, origin, joins, texts)
    text_from = _ticket_text(out, mapping, origin, joins, texts, built, require)
    _flag_empty_texts(out, text_from, require=require, allow_empty_text=allow_empty_text)
    _ticket_ids(out)
    for column in TIMESTAMP_FIELDS:
        if column in out.columns:
            _parse_timestamps(out, column)
    for column in LABEL_FIELDS:
        if column in out.columns:
            _clean_labels(out, column)
    return out


def _ticket_free_texts(out: pd.DataFrame, mapping: dict[str, list[Hashable]], origin: dict[Hashable, Hashable],
                       joins: dict[str, list[Hashable]], texts: _TextCache) -> dict[str, list[str | None]]:
    """Free-text columns validated, decoded and scrubbed in place; joined ones built. Returns the joined ones."""
    joined_sources = {s for sources in joins.values() for s in sources}
    text_rebuilt = "text" in joins or ("text" not in mapping and ("subject" in out or "body" in out))
    for column in list(out.columns):
        canonical = column if column in TEXT_FIELDS else None
        source = origin.get(column, column)
        if (canonical is None and source not in joined_sources) or (column == "text" and text_rebuilt):
            continue  # not free text, or a stale text column about to be replaced
        _set_text_column(out, column, out[column], texts.get(source, canonical))
    built: dict[str, list[str | None]] = {}
    for canonical, sources in joins.items():
        built[canonical] = list(_join([texts.get(s, canonical) for s in sources]))
        out[canonical] = pd.Series(built[canonical], index=out.index, dtype=object)
    return built


def _ticket_text(out: pd.DataFrame, mapping: dict[str, list[Hashable]], origin: dict[Hashable, Hashable],
                 joins: dict[str, list[Hashable]], texts: _TextCache, built: dict[str, list[str | None]],
                 require: Sequence[str]) -> list[Hashable]:
    """The ``text`` the models read, set in place; returns the columns it was built from."""
    text_from: list[Hashable]
    if "text" in joins or "text" in mapping:
        text_from = mapping["text"]
    elif "subject" in out.columns or "body" in out.columns:
        present = [c for c in ("subject", "body") if c in out.columns]
        parts = [built[c] if c in built else texts.get(origin[c], c) for c in present]
        text_from = list(present)
        out["text"] = pd.Series(_join(parts), index=out.index, dtype=object)
    elif "text" in out.columns:
        text_from = ["text"]
        out["text"] = pd.Series(_join([texts.get(origin["text"], "text")]), index=out.index, dtype=object)
    elif "text" not in require:  # e.g. reporting on an export without free text
        text_from = []
        out["text"] = pd.Series("", index=out.index, dtype=object)
    else:
        raise ValidationError(
            "no text to read: the data has none of the columns 'text', 'subject' or 'body'. Map your text "
            "columns, e.g. columns={'text': ['title', 'description']}. Available columns: "
            f"{_available(out)}."
        )
    if "text" in mapping and "text" not in joins:  # a single renamed column: missing values become ""
        out["text"] = pd.Series(_join([texts.get(mapping["text"][0], "text")]), index=out.index, dtype=object)
    return text_from


def _flag_empty_texts(out: pd.DataFrame, text_from: list[Hashable], *, require: Sequence[str],
                      allow_empty_text: bool) -> None:
    """Empty texts marked in ``empty_text`` (prediction) or refused, naming the rows (training)."""
    empty = [i for i, t in enumerate(out["text"].tolist()) if not t.strip()]
    if allow_empty_text:
        out["empty_text"] = pd.Series(False, index=out.index, dtype=bool)
        if empty:
            out.iloc[empty, out.columns.get_loc("empty_text")] = True
    elif empty and "text" in require:
        raise ValidationError(
            f"{_n(len(empty), 'ticket')} {'has' if len(empty) == 1 else 'have'} empty text (built from "
            f"{[_plain(c) for c in text_from]!r}) at {_where(empty, out.index)}. Drop them before fitting, or pass "
            "allow_empty_text=True to keep them, marked in an 'empty_text' column (for prediction).",
            column="text",
            rows=empty,
        )


def _ticket_ids(out: pd.DataFrame) -> None:
    """Ids checked (present, unique), or made from a unique index as strings."""
    if "id" in out.columns:
        _check_ids(out, "ticket")
        return
    if out.index.has_duplicates:
        dups = np.flatnonzero(out.index.duplicated(keep=False)).tolist()
        raise ValidationError(
            f"the data has no 'id' column and its index, used for ids, has duplicated labels at "
            f"{_where(dups, out.index)}. Reset the index (df.reset_index(drop=True)) or map a unique id "
            "column with columns={'id': ...}.",
            column="id",
            rows=dups,
        )
    out.insert(0, "id", pd.Series([str(_plain(i)) for i in out.index], index=out.index, dtype=object))


#: Ticket columns a model learns to predict: stripped, one type, "nan" read as missing (see :func:`check_labels`).
LABEL_FIELDS: tuple[str, ...] = ("reason", "priority", "team")


def _clean_labels(out: pd.DataFrame, column: str) -> None:
    """Labels of one column: text stripped and composed, "nan"-like text missing, one type (rows named if not)."""
    values = out[column].tolist()
    present = [i for i, v in enumerate(values) if not is_missing(v) and not _missing_label_text(v)]
    _check_one_label_type([values[i] for i in present], out.index[present], column)
    keep = set(present)
    cleaned = [None if i not in keep else unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else v
               for i, v in enumerate(values)]
    if any(a is not b and a != b for a, b in zip(values, cleaned, strict=True) if not is_missing(a)):
        out[column] = pd.Series(cleaned, index=out.index, dtype=object)


def _tags(value: Any, pos: int, index: pd.Index) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in re.split(r"[,;|]", value) if t.strip()]
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        tags = []
        for item in items:
            if is_missing(item):
                continue
            if not isinstance(item, (str, int, np.integer)) or isinstance(item, bool):
                raise ValidationError(
                    f"column 'tags' has a non-text tag {item!r} at {_where([pos], index)}; tags must be strings.",
                    column="tags",
                    rows=[pos],
                )
            if str(item).strip():
                tags.append(str(item).strip())
        return tags
    if is_missing(value):
        return []
    raise ValidationError(
        f"column 'tags' holds {value!r} of type {type(value).__name__} at {_where([pos], index)}; expected a list "
        "of strings, a comma-separated string, or a missing value.",
        column="tags",
        rows=[pos],
    )


def as_articles(
    data: Any,
    columns: Mapping[str, str | Sequence[str]] | None = None,
    *,
    scrub_pii: bool = False,
) -> pd.DataFrame:
    """Validate knowledge-base articles and bring them into the canonical shape.

    Parameters
    ----------
    data : DataFrame or list of dict
        The articles.
    columns : mapping, optional
        Canonical field name -> your column name (a list of columns for ``title`` or ``body``, joined by
        newlines), e.g. ``{"id": "article_id", "body": ["summary", "content"]}``.
    scrub_pii : bool, default False
        Scrub personal data from ``title`` and ``body``. Published articles rarely hold any; turn this on for
        articles mined from past e-mail answers.

    Returns
    -------
    DataFrame
        A new frame with the caller's index and the columns ``id``, ``title``, ``body`` (missing bodies become
        ``""``), plus ``url``, ``language`` and ``tags`` (always a list of str) when present, and any other
        columns as they are.

    Raises
    ------
    ValidationError
        When ``data`` has the wrong type or is empty, ``id``, ``title`` or ``body`` is missing, a title is empty,
        ids are missing or duplicated, or a text or tag is not a string.

    Examples
    --------
    >>> articles = as_articles([{"id": "kb-1", "title": "Returns", "body": "Return within 14 days.",
    ...                          "tags": "returns, refunds"}])
    >>> articles.loc[0, "tags"]
    ['returns', 'refunds']
    """
    frame = _as_frame(data, "articles", texts_allowed=False)
    mapping = _normalise_mapping(columns, ARTICLE_FIELDS, _ARTICLE_TEXT_FIELDS, frame, "article")
    out, origin, joins = _apply_mapping(frame, mapping, ARTICLE_FIELDS, _ARTICLE_TEXT_FIELDS, "article")
    texts = _TextCache(frame, scrub_pii)
    _require(out, [f for f in ("id", "title", "body") if f not in joins], ARTICLE_FIELDS, "article")

    for field in _ARTICLE_TEXT_FIELDS:
        sources = joins.get(field) or [origin[field]]
        values = _join([texts.get(s, field) for s in sources])
        out[field] = pd.Series(values, index=out.index, dtype=object)
    empty = [i for i, t in enumerate(out["title"].tolist()) if not t.strip()]
    if empty:
        raise ValidationError(
            f"{_n(len(empty), 'article')} {'has' if len(empty) == 1 else 'have'} an empty title at "
            f"{_where(empty, out.index)}. Give every article a title, or drop those rows.",
            column="title",
            rows=empty,
        )
    _check_ids(out, "article")
    if "tags" in out.columns:
        out["tags"] = pd.Series(
            [_tags(v, i, out.index) for i, v in enumerate(out["tags"].tolist())],
            index=out.index,
            dtype=object,
        )
    return out


def _label_str(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 from an integer column that once held NaN
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


#: Label texts that mean "no label": pandas and spreadsheets write a missing value so.
_MISSING_LABEL_TEXTS = frozenset({"nan", "<na>", "none", "null", "nat"})


def _missing_label_text(value: Any) -> bool:
    return isinstance(value, str) and (not value.strip() or value.strip().lower() in _MISSING_LABEL_TEXTS)


def _label_kind(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, (str, bytes, bytearray)):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _check_one_label_type(values: list[Any], index: pd.Index, name: str) -> None:
    """Refuse labels of mixed types (``1`` and ``"refund"``): naming the rows of the rarer types."""
    kinds = [_label_kind(v) for v in values]
    counts = Counter(kinds)
    if len(counts) < 2:
        return
    main = counts.most_common(1)[0][0]
    odd = [i for i, k in enumerate(kinds) if k != main]
    example = values[odd[0]]
    raise ValidationError(
        f"{name!r} mixes label types: {dict(counts)}; the {_n(len(odd), 'label')} that {'is' if len(odd) == 1 else 'are'}"
        f" not {main} at {_where(odd, index)}, e.g. {example!r} of type {type(example).__name__}. Give every label "
        f"one type, e.g. df[{name!r}] = df[{name!r}].astype(str), after checking those rows.",
        column=name,
        rows=odd,
    )


def check_labels(y: Any, *, name: str = "reason", min_per_class: int = 2) -> pd.Series:
    """Validate the labels a classifier is fitted on.

    Parameters
    ----------
    y : Series, list or 1-D ndarray
        One label per ticket, aligned with the tickets.
    name : str, default "reason"
        What the labels are, for messages and the name of the returned Series.
    min_per_class : int, default 2
        Fewest examples a class may have.

    Returns
    -------
    Series
        The labels as strings (``3.0`` from a float column becomes ``"3"``; stripped), with ``y``'s index when it
        is a Series.

    Raises
    ------
    ValidationError
        When a label is missing or empty (NaN, None, or text such as ``"nan"``: count and first rows are named,
        drop those tickets), labels mix types (``1`` and ``"refund"``), there is a single class, or classes have
        fewer than ``min_per_class`` examples (they are listed with their counts).

    Notes
    -----
    Labels are stripped and composed (Unicode NFC), with a warning naming the rows where that changed one, so
    ``"refund "`` and ``"refund"`` are one class.

    Examples
    --------
    >>> check_labels(["orders", "returns", "orders", "returns"]).tolist()
    ['orders', 'returns', 'orders', 'returns']
    """
    if (
        not isinstance(min_per_class, (int, np.integer))
        or isinstance(min_per_class, bool)
        or min_per_class < 1
    ):
        raise ValueError(f"min_per_class must be a positive integer, got {min_per_class!r}.")
    if y is None:
        raise ValidationError(f"expected one {name} label per ticket, got None.")
    reject_single_string(y, f"the {name} labels", expected="one label per ticket",
                         fix="pass a list or Series of labels")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValidationError(
                f"expected one {name} label per ticket, got a DataFrame with {y.shape[1]} columns; pass one "
                f"column, e.g. df[{name!r}]."
            )
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        series = y
    elif isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise ValidationError(f"expected a 1-D array of {name} labels, got shape {y.shape}; flatten it.")
        series = pd.Series(y.tolist(), dtype=object)
    elif isinstance(y, (list, tuple)):
        series = pd.Series(list(y), dtype=object)
    else:
        raise ValidationError(
            f"expected a Series, list or 1-D array of {name} labels, got {type(y).__name__}; convert it with list()."
        )
    if len(series) == 0:
        raise ValidationError(f"no {name} labels: y is empty.")
    values = series.tolist()
    missing = [i for i, v in enumerate(values) if is_missing(v) or _missing_label_text(v)]
    if missing:
        raise ValidationError(
            f"{name!r} has {_n(len(missing), 'missing or empty label')} at {_where(missing, series.index)}. "
            f"Drop those tickets before fitting, e.g. df = df[df[{name!r}].notna()], or give them a label such as "
            "'other'.",
            column=name,
            rows=missing,
        )
    _check_one_label_type(values, series.index, name)
    raw = [_label_str(v) for v in values]
    labels = [unicodedata.normalize("NFC", v).strip() for v in raw]
    changed = [i for i, (a, b) in enumerate(zip(raw, labels, strict=True)) if a != b]
    if changed:
        warnings.warn(
            f"{name!r}: {_n(len(changed), 'label')} had surrounding spaces or decomposed Unicode at "
            f"{_where(changed, series.index)}, e.g. {raw[changed[0]]!r}; they were normalised "
            f"({labels[changed[0]]!r}), so labels that differ only so are one class.",
            UserWarning,
            stacklevel=2,
        )
    counts = Counter(labels)
    if len(counts) == 1:
        [(only, n)] = counts.items()
        raise ValidationError(
            f"{name!r} has a single class {only!r} ({_n(n, 'ticket')}); a classifier cannot learn from one class "
            "(it needs at least 2 classes). Add tickets of other classes.",
            column=name,
        )
    rare = sorted(((c, n) for c, n in counts.items() if n < min_per_class), key=lambda cn: (cn[1], cn[0]))
    if rare:
        listed = ", ".join(f"{c!r} ({n})" for c, n in rare[:20])
        more = f" and {len(rare) - 20} more" if len(rare) > 20 else ""
        raise ValidationError(
            f"{_n(len(rare), 'class')} of {name!r} {'has' if len(rare) == 1 else 'have'} fewer than "
            f"min_per_class={min_per_class} examples: {listed}{more}. Merge them into a broader class (e.g. "
            "'other'), drop those tickets, or lower min_per_class.",
            column=name,
        )
    return pd.Series(labels, index=series.index, name=name, dtype=object)


def check_texts(X: Any, *, name: str = "X") -> list[str]:
    """Validate a list of texts handed to an estimator.

    Parameters
    ----------
    X : list of str, Series, 1-D ndarray or DataFrame with a ``text`` column
        One text per item. A bare string is refused: wrap it in a list.
    name : str, default "X"
        Name used in messages.

    Returns
    -------
    list of str
        May be empty; empty strings are allowed.

    Raises
    ------
    ValidationError
        When ``X`` is a single string, None, or of another type, or holds values that are not strings (the count,
        first rows and an example are named).

    Examples
    --------
    >>> check_texts(["Missing parcel", "Refund please"])
    ['Missing parcel', 'Refund please']
    """
    if X is None:
        raise ValidationError(f"{name} should be a list of texts, got None.")
    reject_single_string(X, name)
    if isinstance(X, pd.DataFrame):
        if "text" not in X.columns:
            raise ValidationError(
                f"{name} is a DataFrame without a 'text' column; pass one column, e.g. df['description'], or "
                f"prepare it with cxml.schema.as_tickets(df). Available columns: {_available(X)}."
            )
        X = X["text"]
    if isinstance(X, pd.Series):
        values, index = X.tolist(), X.index
    elif isinstance(X, np.ndarray):
        if X.ndim != 1:
            raise ValidationError(f"{name} should be a 1-D list of texts, got an array of shape {X.shape}.")
        values = X.tolist()
        index = pd.RangeIndex(len(values))
    elif isinstance(X, Iterable) and not isinstance(X, Mapping):
        values = list(X)
        index = pd.RangeIndex(len(values))
    else:
        raise ValidationError(f"{name} should be a list of texts, got {type(X).__name__}.")
    bad = [i for i, v in enumerate(values) if not isinstance(v, str)]
    if bad:
        example = values[bad[0]]
        raise ValidationError(
            f"{name} has {_n(len(bad), 'value')} that {'is' if len(bad) == 1 else 'are'} not a string at "
            f"{_where(bad, index)}, e.g. {example!r} of type {type(example).__name__}. Pass one str per text: "
            "replace missing texts with '' or drop them, and convert other values with str().",
            rows=bad,
        )
    return [normalize_text(str(v)) for v in values]


# ---------------------------------------------------------------------------------------------------------------
# the batch every model reads


@dataclass
class TicketBatch:
    """Tickets made ready for featurizing.

    Attributes
    ----------
    texts : list of str
        The (PII-scrubbed) texts; ``""`` where a ticket has none.
    empty : ndarray of bool
        Tickets whose text is empty or blank.
    frame : DataFrame or None
        Canonical ticket table (context columns), index reset to positions.
    index : pandas Index or None
        The caller's index when the input was a pandas object.
    matrix : ndarray or None
        Precomputed embeddings (``encoder="precomputed"``).
    languages : list of str or None
        Language of each ticket, once detected.
    vectors : dict
        Embeddings already computed for this batch, by ``(encoder name, role)``: see :meth:`embed`.
    """

    texts: list[str]
    empty: np.ndarray
    frame: pd.DataFrame | None = None
    index: pd.Index | None = None
    matrix: np.ndarray | None = None
    languages: list[str | None] | None = dataclasses.field(default=None, repr=False)

    vectors: dict[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.texts) if self.matrix is None else int(self.matrix.shape[0])

    @property
    def column_names(self) -> list[str]:
        """The canonical columns of :attr:`frame` (empty without one)."""
        return [] if self.frame is None else list(self.frame.columns)

    def column(self, name: str) -> list[Any] | None:
        """The values of one canonical column, as a list (None when the batch has no such column).

        How the models read context columns at prediction: a batch of a few service records answers without
        building its :attr:`frame` at all.
        """
        if self.frame is None or name not in self.frame.columns:
            return None
        return self.frame[name].tolist()

    def take(self, rows: np.ndarray) -> TicketBatch:
        """The sub-batch of the given row positions."""
        return TicketBatch(
            texts=[self.texts[i] for i in rows] if self.matrix is None else [],
            empty=self.empty[rows],
            frame=None if self.frame is None else self.frame.iloc[rows].reset_index(drop=True),
            index=None if self.index is None else self.index[rows],
            matrix=None if self.matrix is None else self.matrix[rows],
            languages=None if self.languages is None else [self.languages[i] for i in rows],
            vectors={key: v[rows] for key, v in self.vectors.items()},
        )

    def embed(self, encoder: Any, role: str = "query") -> np.ndarray:
        """The texts' embeddings by ``encoder``, computed on first use and then reused.

        This is how every model that reads the same batch (each triage head, the knowledge base) shares one
        encoder pass: the vectors live with the batch, not in a process-wide cache.

        Parameters
        ----------
        encoder : cxml.encoders.Encoder
            Anything with ``name`` and ``encode(texts, role=...)``.
        role : {"query", "passage"}, default="query"

        Returns
        -------
        ndarray of float32, shape (n_tickets, dim)
        """
        key = (str(encoder.name), role)
        if key not in self.vectors:
            self.vectors[key] = np.asarray(encoder.encode(self.texts, role=role), dtype=np.float32)
        return self.vectors[key]


def _text_list(values: Sequence[Any], what: str) -> list[str]:
    out: list[str] = []
    bad: list[int] = []
    for i, v in enumerate(values):
        if is_missing(v):
            out.append("")
        elif isinstance(v, str):
            out.append(normalize_text(v))
        else:
            bad.append(i)
            out.append("")
    if bad:
        raise TypeError(
            f"{what} expects texts (str); {len(bad)} item(s) are not str, first at positions {bad[:5]} "
            f"(types: {sorted({type(values[i]).__name__ for i in bad[:5]})}). Convert or drop them first.")
    return out


def _has_error(frame: pd.DataFrame) -> pd.Series | None:
    cols = [c for c in ("error_code", "error_message") if c in frame.columns]
    if not cols:
        return None
    flag = np.zeros(len(frame), dtype=bool)
    for c in cols:
        s = frame[c]
        flag |= (s.notna() & (s.astype("string").fillna("").str.strip() != "")).to_numpy(dtype=bool)
    return pd.Series(np.where(flag, "yes", "no"), index=frame.index)


#: Most rows :func:`_few_plain_tickets` takes (a service's requests); larger tables go through :func:`as_tickets`.
FEW_TICKETS = 16
#: Columns :func:`_few_plain_tickets` takes: free texts it normalises (and scrubs), and plain context strings.
_PLAIN_TEXTS = ("subject", "body", "error_message", "page_title")
_PLAIN_CONTEXT = ("language", "channel", "segment", "error_code", "url")


def _plain_fields(cols: list[Any]) -> bool:
    """Whether ``cols`` are fields the lean path models: distinct plain names, a subject or a body among them."""
    return (len(set(cols)) == len(cols) and any(c in cols for c in ("subject", "body"))
            and all(isinstance(c, str) and c in _PLAIN_TEXTS + _PLAIN_CONTEXT for c in cols))


def _plain_frame_columns(X: pd.DataFrame) -> dict[str, list[Any]] | None:
    """A few rows of plain fields of object dtype as lists by column (None for anything else)."""
    cols = list(X.columns)
    if not 0 < len(X) <= FEW_TICKETS or not isinstance(X.index, pd.RangeIndex) or not _plain_fields(cols) \
            or any(X[c].dtype != object for c in cols):
        return None
    return {c: X[c].tolist() for c in cols}


def _plain_record_columns(records: list[Any]) -> dict[str, list[Any]] | None:
    """A few records (dicts) with the same plain fields as lists by column (None for anything else)."""
    if not 0 < len(records) <= FEW_TICKETS or not all(isinstance(r, dict) for r in records):
        return None
    cols = list(records[0])
    if not _plain_fields(cols) or any(len(r) != len(cols) or any(c not in r for c in cols) for r in records[1:]):
        return None
    return {c: [r[c] for r in records] for c in cols}


def _few_plain_tickets(X: pd.DataFrame | list[Any], scrub_pii: bool) -> TicketBatch | None:
    """The batch :func:`ticket_batch` builds through :func:`as_tickets`, for a few tickets of plain string fields
    (a service's request records, as a DataFrame of object columns or as dicts), without pandas' column-by-column
    work: the same texts, the same frame (columns, order, dtypes; built only when something reads it), a
    millisecond less per call. None for anything else (the general path then validates it, and names what is
    wrong)."""
    values = _plain_frame_columns(X) if isinstance(X, pd.DataFrame) else _plain_record_columns(X)
    if values is None or any(not isinstance(v, str) for column in values.values() for v in column):
        return None
    n = len(X)
    for c in list(values):
        if c in _PLAIN_TEXTS:
            values[c] = [normalize_text(v) for v in values[c]]
            if scrub_pii:
                values[c] = scrub_many(values[c])
    texts = _join([values[c] for c in ("subject", "body") if c in values])
    empty = np.array([not t.strip() for t in texts], dtype=bool)
    columns: dict[str, list[Any]] = {"id": [str(i) for i in range(n)], **values, "text": texts,
                                     "empty_text": empty.tolist()}
    errors = [values[c] for c in ("error_code", "error_message") if c in values]
    if errors:  # what _has_error finds, on plain strings: a field that is not blank
        columns["has_error"] = ["yes" if any(column[i].strip() for column in errors) else "no" for i in range(n)]
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(n)
    return _RecordBatch(columns, texts=_text_list(texts, "tickets"), empty=empty, index=index)


class _RecordBatch(TicketBatch):
    """The batch :func:`_few_plain_tickets` makes: its columns kept as lists, its :attr:`frame` built on first
    use (prediction reads columns through :meth:`column`, so a service's request never builds one: half a
    millisecond of pandas a call)."""

    def __init__(self, columns: dict[str, list[Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # (dataclasses.replace() gives no columns but the frame it read: that then)
        if columns is not None:
            self._columns: dict[str, list[Any]] | None = columns

    @property  # type: ignore[override]
    def frame(self) -> pd.DataFrame | None:
        if self._built is None and self._columns is not None:
            self._built = _lean_frame(self._columns, len(self.texts))
        return self._built

    @frame.setter
    def frame(self, value: pd.DataFrame | None) -> None:
        self._built = value
        self._columns = None  # a frame set from outside is the truth from now on

    @property
    def column_names(self) -> list[str]:
        return list(self._columns) if self._columns is not None else super().column_names

    def column(self, name: str) -> list[Any] | None:
        if self._columns is None:
            return super().column(name)
        values = self._columns.get(name)
        return None if values is None else list(values)


def _lean_frame(columns: dict[str, list[Any]], n: int) -> pd.DataFrame:
    """The frame :func:`as_tickets` makes of plain records' columns: object columns of strings, ``empty_text``
    boolean, ``has_error`` of pandas' string dtype."""
    index = pd.RangeIndex(n)
    strings = {c: _objects(v) for c, v in columns.items() if c not in ("empty_text", "has_error")}
    frame = pd.DataFrame(strings, columns=pd.Index(list(strings), dtype=object), index=index, dtype=object,
                         copy=False)
    frame["empty_text"] = np.array(columns["empty_text"], dtype=bool)
    if "has_error" in columns:
        frame["has_error"] = pd.Series(np.array(columns["has_error"]), index=index)
    return frame


def records_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Ticket records (dicts, as JSON brings them) as a DataFrame of object columns, the values as given.

    Columns are the records' fields in the order first seen; a field a record lacks is None there. Object
    columns, with an object column index, keep the values as they came: pandas would otherwise build Arrow
    strings for them and convert them back at each step of the validation.
    """
    keys = list(dict.fromkeys(k for r in records for k in r))
    return pd.DataFrame([[r.get(k) for k in keys] for r in records], columns=pd.Index(keys, dtype=object),
                        dtype=object, index=pd.RangeIndex(len(records)))


def _objects(values: list[str]) -> np.ndarray:
    """``values`` as a 1-D object array (kept as object columns by pandas, as :func:`as_tickets` leaves them)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def ticket_batch(X: Any, *, what: str = "TicketClassifier", text_columns: Sequence[str] | None = None,
                   columns: dict[str, Any] | None = None, scrub_pii: bool = True,
                   require: Sequence[str] = ("text",)) -> TicketBatch:
    """The one way into cxml's models: texts, ticket records or a ticket DataFrame as a :class:`TicketBatch`.

    Ticket records (a list of dicts, as JSON brings them) are read as the DataFrame :func:`records_frame` makes
    of them. DataFrames go through :func:`as_tickets` (canonical columns, text joined, PII scrubbed, context columns,
    ``has_error``); texts are scrubbed with :func:`cxml.pii.scrub_many`. A :class:`TicketBatch` passes through
    unchanged, so a caller can build the batch once and hand it to every model (each encoder then embeds each
    ticket once, see :meth:`TicketBatch.embed`).

    Parameters
    ----------
    X : TicketBatch, DataFrame, Series, array, sequence of str or sequence of dict
    what : str, default="TicketClassifier"
        Who is asking, named in error messages.
    text_columns : str or sequence of str, optional
        Columns joined into the text (DataFrames only).
    columns : dict, optional
        Column mapping for :func:`as_tickets` (DataFrames only).
    scrub_pii : bool, default=True
    require : sequence of str, default=("text",)
        Canonical columns that must be present.

    Returns
    -------
    TicketBatch
    """
    if isinstance(X, TicketBatch):
        return X
    reject_single_string(X, what, expected="a list of texts or a ticket DataFrame")
    records = isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(r, Mapping) for r in X)
    if (isinstance(X, pd.DataFrame) or records) and columns is None and text_columns is None \
            and tuple(require) == ("text",):
        lean = _few_plain_tickets(list(X) if records else X, scrub_pii)
        if lean is not None:
            return lean
    if records:
        X = records_frame(X)
    if isinstance(X, pd.DataFrame):
        mapping = dict(columns or {})
        if text_columns is not None:
            cols = [text_columns] if isinstance(text_columns, str) else list(text_columns)
            missing = [c for c in cols if c not in X.columns]
            if missing:
                raise ValueError(f"{what}: text_columns {missing} are not in the DataFrame "
                                 f"(columns: {list(X.columns)[:20]})")
            mapping["text"] = cols
            data = X.drop(columns=["text"]) if ("text" in X.columns and cols != ["text"]) else X
        else:
            data = X
        frame = as_tickets(data, mapping or None, require=tuple(require), allow_empty_text=True,
                           scrub_pii=scrub_pii)
        texts = _text_list(frame["text"].tolist(), what)
        frame = frame.copy()
        if "has_error" not in frame.columns:
            he = _has_error(frame)
            if he is not None:
                frame["has_error"] = he
        index = X.index if len(X) == len(frame) else frame.index
        frame = frame.reset_index(drop=True)
        empty = np.array([not t.strip() for t in texts], dtype=bool)
        return TicketBatch(texts=texts, empty=empty, frame=frame, index=index)
    index = None
    if isinstance(X, pd.Series):
        index = X.index
        values = X.tolist()
    elif isinstance(X, np.ndarray):
        if X.ndim != 1:
            raise ValueError(f"{what} expects a 1-D sequence of texts or a ticket DataFrame, got an array of "
                             f"shape {X.shape}. For embedding matrices use encoder='precomputed'.")
        values = X.tolist()
    elif isinstance(X, Mapping):
        raise ValidationError(f"{what} expects a list of texts or a ticket DataFrame, got a dict (its keys would be "
                              "read as texts); pass [text] for one text, or pd.DataFrame([record]) for one ticket.")
    else:
        try:
            values = list(X)
        except TypeError:
            raise TypeError(f"{what} expects a list of texts or a ticket DataFrame, got "
                            f"{type(X).__name__}") from None
        if not values:
            raise ValidationError(f"{what}: no tickets, the list is empty. Pass at least one text (an empty "
                                  "DataFrame or Series gives an empty result).")
    texts = _text_list(values, what)
    if scrub_pii and texts:
        texts = scrub_many(texts)
    empty = np.array([not t.strip() for t in texts], dtype=bool)
    return TicketBatch(texts=texts, empty=empty, index=index)
