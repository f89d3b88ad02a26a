"""Offline language identification (lingua, which ships its own models).

Used to choose the default encoder (``"auto"``), to record the language mix of a model's
training data, to flag tickets in languages a model was not trained on, and to put an
article in the ticket's own language first.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

__all__ = ["DEFAULT_LANGUAGES", "detect_language", "detect_languages", "language_mix", "is_english_only", "warm_up"]

#: ISO 639-1 codes recognised by default: the Nordic and Baltic neighbours of Finnish and
#: English, and the big European languages (the Bueck benchmark tickets are en/de/es/fr/pt).
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "fi", "sv", "et", "de", "fr", "es", "pt", "it", "nl",
                                      "da", "nb", "ru", "pl")

#: Texts shorter than this (in letters) are not assigned a language.
MIN_LETTERS = 3


def _languages(codes: Sequence[str]) -> list[Language]:
    langs = []
    for code in codes:
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except AttributeError:
            raise ValueError(f"unknown ISO 639-1 language code {code!r}") from None
    if len(langs) < 2:
        raise ValueError("language detection needs at least two candidate languages")
    return langs


@functools.lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...], min_distance: float):
    return LanguageDetectorBuilder.from_languages(*_languages(languages)).with_minimum_relative_distance(
        min_distance).build()


def detect_languages(texts: Iterable[str], languages: Sequence[str] = DEFAULT_LANGUAGES,
                     min_distance: float = 0.0) -> list[str | None]:
    """Detect the language of each text.

    Parameters
    ----------
    texts : iterable of str
    languages : sequence of str
        Candidate ISO 639-1 codes.
    min_distance : float, default=0.0
        lingua's minimum relative distance; higher values answer None more often
        instead of guessing on short or mixed texts.

    Returns
    -------
    list of (str or None)
        ISO 639-1 codes; None where the text is too short or the language is unclear.
    """
    items = list(texts)
    det = _detector(tuple(languages), float(min_distance))
    out: list[str | None] = [None] * len(items)
    idx = [i for i, t in enumerate(items) if isinstance(t, str) and sum(c.isalpha() for c in t) >= MIN_LETTERS]
    if len(idx) == 1:  # one text (a service's request): lingua's own call, without a hop to its thread pool
        found = [det.detect_language_of(items[idx[0]])]
    else:
        found = det.detect_languages_in_parallel_of([items[i] for i in idx]) if idx else []
    for i, lang in zip(idx, found, strict=True):
        out[i] = lang.iso_code_639_1.name.lower() if lang is not None else None
    return out


def warm_up(languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
    """Load lingua's language models now rather than in the first detection.

    The first detection of a process loads the n-gram models of every candidate language, one after the other:
    ~3.7 s here for the default languages. Preloaded by the builder they load in parallel (~2 s, ~80 MB more
    resident, as every n-gram order is loaded), and every detector of the process shares them. lingua holds the
    GIL while it loads, so a service calls this in its own turn: run beside the model's loading, in a thread, the
    two took longer together (8.0 s) than one after the other (7.1 s).
    """
    LanguageDetectorBuilder.from_languages(*_languages(languages)).with_preloaded_language_models().build()
    detect_languages(["Where is my parcel? It has not arrived yet."], languages)


def detect_language(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> str | None:
    """Detect the language of one text (ISO 639-1 code, or None)."""
    return detect_languages([text], languages)[0]


def language_mix(texts: Iterable[str], languages: Sequence[str] = DEFAULT_LANGUAGES) -> dict[str, float]:
    """Share of each detected language (``"unknown"`` for undetected texts), largest first."""
    langs = detect_languages(texts, languages)
    if not langs:
        return {}
    counts = Counter(lang or "unknown" for lang in langs)
    return {k: v / len(langs) for k, v in counts.most_common()}


def is_english_only(texts: Sequence[str], sample: int = 2000, tolerance: float = 0.02,
                    seed: int = 0) -> bool:
    """Whether the texts are (all but noise) English.

    Up to ``sample`` texts (an evenly spaced, deterministic sample) are examined; the data
    counts as English-only when at most ``tolerance`` of the texts with at least 20 letters
    are detected as another language (a guard against lingua's rare misreads of short
    English texts). One Finnish ticket in fifty is enough to choose a multilingual model.
    """
    items = [t for t in texts if isinstance(t, str) and sum(c.isalpha() for c in t) >= 20]
    if not items:
        return True
    if len(items) > sample:
        step = len(items) / sample
        items = [items[int(i * step)] for i in range(sample)]
    langs = detect_languages(items)
    other = sum(1 for lang in langs if lang is not None and lang != "en")
    return other <= tolerance * len(items)
