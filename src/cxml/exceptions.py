"""Every error cxml raises, in one place.

All of them derive from :class:`CxmlError`, so ``except cxml.CxmlError`` catches anything cxml raises on purpose.
Each also derives from the built-in exception a caller would expect (``ValueError`` for bad input,
``FileNotFoundError`` for a missing data set, ``RuntimeError`` for a missing optional engine), so existing
``except ValueError`` code keeps working. ``NotFittedError`` is scikit-learn's, subclassed, so
``sklearn.exceptions.NotFittedError`` catches cxml's too.

Messages name the field, the record and the expected type where there is one, and say what to do next.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "ArtifactError",
    "ArtifactLoadError",
    "ChecksumError",
    "ConnectorError",
    "CxmlError",
    "DatasetNotFoundError",
    "DimensionMismatchError",
    "EncoderNotAvailableError",
    "FineTuneError",
    "FormatVersionError",
    "InputTypeError",
    "ManifestError",
    "MissingExtraError",
    "NotFittedError",
    "OutputExistsError",
    "OutputNotWritableError",
    "ResumeError",
    "RoutingConfigError",
    "SLAConfigError",
    "ServiceError",
    "SignatureError",
    "UnlistedFileError",
    "UnsafeArtifactError",
    "ValidationError",
    "clip_text",
    "missing_extra",
]


class CxmlError(Exception):
    """Base class of every error cxml raises on purpose."""


class ValidationError(CxmlError, ValueError):
    """Input data does not have the expected shape or content.

    The message names the column, how many rows are affected, the first of them (positions and index labels),
    what was expected and what to do next.

    Attributes
    ----------
    column : str or None
        The column at fault, when there is one.
    rows : list of int
        Positions (0-based) of the offending rows, when known; all of them, not only those in the message.
    """

    def __init__(self, message: str, *, column: Hashable | None = None, rows: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.column = column
        self.rows = list(rows)


class InputTypeError(ValidationError, TypeError):
    """Input of the wrong type altogether (a single string where a list was expected, a dict for a table)."""


class NotFittedError(CxmlError, _SklearnNotFittedError):
    """An estimator, knowledge base or helper is used before it was fitted (or before it holds data)."""


class ArtifactError(CxmlError):
    """A model directory cannot be saved or loaded."""


class FormatVersionError(ArtifactError):
    """The artifact was written by a newer cxml."""


class ChecksumError(ArtifactError):
    """A file of the artifact is missing or was modified after saving."""


class DimensionMismatchError(ArtifactError):
    """Encoder, classifier head and index disagree on the embedding dimension."""


class UnsafeArtifactError(ArtifactError):
    """Loading would execute untrusted code (a pickle, or an unlisted type)."""


class ManifestError(ArtifactError):
    """``manifest.json`` is damaged: its digest does not match, a key is missing or has the wrong type, or it
    names a file outside the artifact directory."""


class UnlistedFileError(ChecksumError):
    """The artifact directory holds a file its manifest does not list (and so does not checksum)."""


class ArtifactLoadError(ArtifactError):
    """A file of the artifact passed its checksum but cannot be read as what the manifest says it is."""


class OutputExistsError(CxmlError, FileExistsError):
    """An output path exists and writing would destroy it: not a cxml artifact, or ``overwrite`` not given."""


class OutputNotWritableError(CxmlError, PermissionError):
    """An output location cannot be written (read-only folder, a file where a folder should be, ...)."""


class EncoderNotAvailableError(CxmlError, RuntimeError):
    """An encoder spec could not be resolved to a loadable model."""


class FineTuneError(CxmlError, ValueError):
    """Fine-tuning the encoder was asked for and cannot be done (an encoder without a PyTorch model, no pairs)."""


class MissingExtraError(CxmlError, ImportError):
    """An optional dependency is not installed; the message names the ``pip install "cxml[extra]"`` to run."""


class ResumeError(CxmlError, ValueError):
    """A run cannot start or resume: parts of another run exist, or they belong to other settings."""


class RoutingConfigError(CxmlError, ValueError):
    """A routing configuration is invalid; the message names the rule and the problem."""


class SLAConfigError(CxmlError, ValueError):
    """An SLA policy (or its JSON form) is invalid; the message names the bad field."""


class DatasetNotFoundError(CxmlError, FileNotFoundError):
    """A public data set (or its folder) is not where :func:`cxml.datasets.data_dir` looks."""


class ConnectorError(CxmlError, ValueError):
    """A helpdesk payload cannot be read: the message names the vendor, the record and the field."""


class SignatureError(ConnectorError):
    """A webhook's signature is missing, wrong or outside the replay window."""


class ServiceError(CxmlError):
    """An HTTP request ``cxml serve`` refuses, answered as JSON ``{"error": {"type", "message", "field"}}``.

    Attributes
    ----------
    status : int
        The HTTP status (4xx for the caller's mistakes, 503 while the model loads).
    type : str
        A stable, machine-readable name of the problem, e.g. ``"unknown_vendor"``.
    message : str
    field : str or None
        The request field at fault, when there is one.
    """

    def __init__(self, status: int, type_: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.field = status, type_, message, field


def missing_extra(package: str, extra: str, feature: str) -> MissingExtraError:
    """The one way cxml says that an optional dependency is missing.

    Parameters
    ----------
    package : str
        The import name that failed, e.g. ``"dask"``.
    extra : str
        The cxml extra that installs it, e.g. ``"dask"``.
    feature : str
        What needed it, e.g. ``"engine='dask'"``.

    Returns
    -------
    MissingExtraError
        To be raised by the caller (``raise missing_extra(...) from exc``).
    """
    return MissingExtraError(
        f"{feature} needs the optional package {package!r}, which is not installed: "
        f'run pip install "cxml[{extra}]"'
    )


_OPEN_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]?|u[0-9a-fA-F]{0,3}|U[0-9a-fA-F]{0,7}|N\{[^}]*)?\Z")


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters for a message, ending in "…" when cut.

    The cut never splits a character from its combining marks (``a`` + U+0308 in NFD text), a surrogate
    pair, or a backslash escape of a ``repr`` (``\\xe4``), so the message stays valid, readable UTF-8.
    """
    if len(text) <= limit:
        return text
    cut = max(limit - 1, 0)
    while cut > 0 and (unicodedata.combining(text[cut]) or "\udc00" <= text[cut] <= "\udfff"
                       or text[cut] in "\u200d\ufe0f"):
        cut -= 1
    head = text[:cut]
    escape = _OPEN_ESCAPE.search(head)
    if escape is not None:
        head = head[: escape.start()]
    return head + "…"
