"""What cxml needs from a text encoder: the :class:`Encoder` protocol and the text checks every encoder runs."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from cxml.checks import reject_single_string

__all__ = ["Encoder", "Role"]

logger = logging.getLogger("cxml.encoders")

Role = Literal["query", "passage"]


@runtime_checkable
class Encoder(Protocol):
    """What cxml needs from a text encoder.

    Attributes
    ----------
    name : str
        Human-readable identity of the model actually loaded (backend included).
    spec : str
        The spec string it was resolved from (stored in artifacts).
    dim : int
        Embedding dimension.
    """

    name: str
    spec: str
    dim: int

    def encode(self, texts: Sequence[str], *, role: Role = "query",
               show_progress_bar: bool | None = None) -> np.ndarray:
        """Return an L2-normalised float32 array of shape ``(len(texts), dim)``."""
        ...


def check_texts(texts: Any) -> list[str]:
    reject_single_string(texts, "encode()")
    out = list(texts)
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"encode() expects str items; {len(bad)} item(s) are not str, first at positions {bad[:5]} "
            f"(types: {sorted({type(out[i]).__name__ for i in bad[:5]})}). Convert or drop them first."
        )
    return out


def show_progress(n: int, show: bool | None) -> bool:
    if show is not None:
        return show
    return n >= 2000 and (logger.getEffectiveLevel() <= logging.INFO or sys.stderr.isatty())
