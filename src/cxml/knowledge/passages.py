"""Passages: an article split along its Markdown headings and paragraphs, the title kept as context."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Passage", "split_passages", "HEADING"]

#: A Markdown heading line (``## Title``); group 2 is the heading text.
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"'(])")


@dataclass(frozen=True)
class Passage:
    """One retrievable piece of an article.

    Attributes
    ----------
    heading : str
        The Markdown heading the passage sits under ("" before the first heading).
    chunk : str
        The passage text itself (shown as the snippet).
    text : str
        What is embedded and indexed: title, heading and chunk.
    """

    heading: str
    chunk: str
    text: str


def _words(text: str) -> int:
    return len(text.split())


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Split a paragraph longer than ``max_words`` at sentence ends, then at word counts."""
    if _words(paragraph) <= max_words:
        return [paragraph]
    out: list[str] = []
    cur: list[str] = []
    n = 0
    for sentence in _SENTENCE.split(paragraph):
        words = sentence.split()
        while len(words) > max_words:  # one giant sentence
            if cur:
                out.append(" ".join(cur))
                cur, n = [], 0
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if n + len(words) > max_words and cur:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(" ".join(words))
        n += len(words)
    if cur:
        out.append(" ".join(cur))
    return [p for p in out if p.strip()]


def split_passages(title: str, body: str, max_words: int = 200) -> list[Passage]:
    """Split an article into passages along Markdown headings and paragraphs.

    Paragraphs under one heading are packed together up to ``max_words`` words; longer
    paragraphs are split at sentence ends. The title (and the section heading) is prepended
    to each passage's indexed text, so a passage keeps its context.

    Parameters
    ----------
    title : str
    body : str
        Markdown (or plain text).
    max_words : int, default=200

    Returns
    -------
    list of Passage
        At least one passage (the title alone for an empty body).
    """
    title = (title or "").strip()
    sections: list[tuple[str, list[str]]] = [("", [])]
    para: list[str] = []

    def flush() -> None:
        if para:
            sections[-1][1].append(" ".join(s.strip() for s in para).strip())
            para.clear()

    for line in (body or "").splitlines():
        m = HEADING.match(line)
        if m:
            flush()
            sections.append((m.group(2).strip(), []))
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()

    passages: list[Passage] = []
    for heading, paragraphs in sections:
        pieces = [p for par in paragraphs if par for p in _split_long(par, max_words)]
        packed: list[str] = []
        cur: list[str] = []
        n = 0
        for piece in pieces:
            w = _words(piece)
            if cur and n + w > max_words:
                packed.append("\n".join(cur))
                cur, n = [], 0
            cur.append(piece)
            n += w
        if cur:
            packed.append("\n".join(cur))
        for chunk in packed:
            context = title if not heading or heading == title else f"{title} — {heading}"
            passages.append(Passage(heading, chunk, f"{context}\n{chunk}" if context else chunk))
    if not passages:
        passages.append(Passage("", title, title))
    return passages


