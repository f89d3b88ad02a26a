"""The small input checks every part of cxml shares: one missing-value rule, one single-string check.

A module of its own, below :mod:`cxml.schema` and :mod:`cxml.pii` (which both use it), so that there is exactly
one definition of what "missing" means and one wording for "you passed a string where a list was expected".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxml.exceptions import InputTypeError

__all__ = ["is_missing", "reject_single_string"]


def is_missing(value: Any) -> bool:
    """Whether a single value counts as missing.

    ``None``, ``pd.NA``, ``pd.NaT``, float NaN and ``numpy.datetime64('NaT')`` are missing; containers (lists,
    arrays, dicts) never are, whatever they hold.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def reject_single_string(value: Any, what: str, *, expected: str = "a list of texts",
                         fix: str = "wrap it in a list: [text]") -> None:
    """Refuse a bare string (or bytes) where a sequence was expected.

    Iterating over a string would silently treat each character as an item, so every public entry point that
    takes a list calls this first.

    Parameters
    ----------
    value : object
        What the caller passed.
    what : str
        The function or parameter, e.g. ``"suggest_many()"``, named in the message.
    expected : str, default="a list of texts"
        What was expected instead.
    fix : str, default="wrap it in a list: [text]"
        What to do about it.

    Raises
    ------
    InputTypeError
        A :class:`cxml.exceptions.ValidationError` that is also a ``TypeError``.
    """
    if isinstance(value, (str, bytes, bytearray)):
        raise InputTypeError(f"{what} expects {expected}, got a single string; {fix}")
