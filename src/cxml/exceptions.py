"""Every error cxml raises, in one place.

All of them derive from :class:`CxmlError`, so ``except cxml.CxmlError`` catches anything cxml raises on purpose.
Each also derives from the built-in exception a caller would expect (``ValueError`` for bad input,
``FileNotFoundError`` for a missing data set, ``RuntimeError`` for a missing optional engine), so existing
``except ValueError`` code keeps working. ``NotFittedError`` is scikit-learn's, subclassed, so
``sklearn.exceptions.NotFittedError`` catches cxml's too.

Messages name the field, the record and the expected type where there is one, and say what to do next.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "ArtifactError",
    "ChecksumError",
    "ConnectorError",
    "CxmlError",
    "DatasetNotFoundError",
    "DimensionMismatchError",
    "EncoderNotAvailableError",
    "FormatVersionError",
    "InputTypeError",
    "MissingExtraError",
    "NotFittedError",
    "ResumeError",
    "RoutingConfigError",
    "SLAConfigError",
    "SignatureError",
    "UnsafeArtifactError",
    "ValidationError",
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


class EncoderNotAvailableError(CxmlError, RuntimeError):
    """An encoder spec could not be resolved to a loadable model."""


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
