"""Cross-lingual retrieval: a query moved into another language's region of the embedding space.

Multilingual encoders (e5) place a text near others *of its language*: a Finnish ticket finds a Finnish
article of the wrong topic before the English article of the right one. With the query's language known,
each other article language gets its own version of the query:

- ``"shift"``: the query moves by the difference of the two languages' mean query embeddings (the titles
  of the base, encoded as queries) -- no aligned data needed;
- ``"linear"``: the shift plus a ridge-regularised linear map learned from the articles that exist in both
  languages (their titles, as queries, paired by ``group_id``), shrunk towards the identity (few pairs
  only bend the directions they span).

Maps are derived from the articles alone (recomputed after every change and on load: nothing to store).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["LANGUAGE_MAPS", "fit_language_maps", "map_queries"]

#: The values of ``KnowledgeBase(language_map=...)``.
LANGUAGE_MAPS = ("none", "shift", "linear")


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def fit_language_maps(vectors: np.ndarray, languages: Sequence[str | None], groups: Sequence[Any], kind: str,
                      ridge: float = 1.0, min_pairs: int = 3) -> dict[tuple[str, str], dict[str, Any]]:
    """Maps from each language's queries to each other's.

    Parameters
    ----------
    vectors : ndarray of shape (n_articles, dim)
        One query-role embedding per article (its title).
    languages, groups : sequences
        Each article's language and translation group.
    kind : {"none", "shift", "linear"}
    ridge : float, default=1.0
        Shrinkage of the linear map towards the identity.
    min_pairs : int, default=3
        Aligned pairs below which ``"linear"`` falls back to the shift.

    Returns
    -------
    dict
        ``(from_language, to_language)`` -> ``{"from_mean", "to_mean", "matrix" (or None), "pairs"}``.
    """
    if kind not in LANGUAGE_MAPS:
        raise ValueError(f"language_map must be one of {', '.join(map(repr, LANGUAGE_MAPS))}, got {kind!r}")
    langs = np.asarray([lang or "" for lang in languages], dtype=object)
    known = sorted({lang for lang in langs.tolist() if lang})
    if kind == "none" or len(known) < 2:
        return {}
    x = np.asarray(vectors, np.float64)
    means = {lang: x[langs == lang].mean(axis=0) for lang in known}
    maps: dict[tuple[str, str], dict[str, Any]] = {}
    for a in known:
        for b in known:
            if a == b:
                continue
            src, dst = _pairs(x, langs, groups, a, b)
            matrix = None
            if kind == "linear" and len(src) >= min_pairs:
                xs, ys = src - means[a], dst - means[b]
                gram = xs.T @ xs + float(ridge) * np.eye(x.shape[1])
                matrix = np.eye(x.shape[1]) + np.linalg.solve(gram, xs.T @ (ys - xs))
            maps[(a, b)] = {"from_mean": means[a], "to_mean": means[b], "matrix": matrix, "pairs": len(src)}
    return maps


def _pairs(x: np.ndarray, langs: np.ndarray, groups: Sequence[Any], a: str,
           b: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows of language ``a`` and ``b`` sharing a group (the first of each group and language)."""
    first_a: dict[Any, int] = {}
    first_b: dict[Any, int] = {}
    for i, (lang, g) in enumerate(zip(langs.tolist(), groups, strict=True)):
        if lang == a:
            first_a.setdefault(g, i)
        elif lang == b:
            first_b.setdefault(g, i)
    both = [g for g in first_a if g in first_b]
    return x[[first_a[g] for g in both]], x[[first_b[g] for g in both]]


def map_queries(qv: np.ndarray, m: Mapping[str, Any]) -> np.ndarray:
    """Query vectors moved into the target language (unit norm), by one map of :func:`fit_language_maps`."""
    centred = np.asarray(qv, np.float64) - m["from_mean"]
    if m["matrix"] is not None:
        centred = centred @ m["matrix"]
    return _unit(centred + m["to_mean"]).astype(np.float32)
