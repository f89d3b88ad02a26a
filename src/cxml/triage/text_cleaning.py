"""Cleaning long, noisy tickets before they are embedded; chunking texts longer than the encoder's window.

Internal module of :mod:`cxml.triage`. Real tickets carry issue templates, quoted replies, e-mail
signatures, stack traces, code blocks and markdown; a sentence encoder sees only the first few
hundred tokens, often the template. :func:`clean_for_embedding` keeps what the customer wrote:

- fenced code blocks, stack-trace lines (``at ...``, ``File "..." line``, ``Traceback``) and
  HTML comments are dropped; an error or product code on such a line (``ERR-4012``,
  ``0x80070005``, ``E1234``) is kept as a word;
- a quoted reply (``> ...`` lines, ``On ... wrote:``, ``-----Original Message-----``,
  ``... kirjoitti:``) and everything below it are dropped;
- the signature and everything below it are dropped: cxml's one signature rule,
  :func:`cxml.pii.find_signature` (a closing followed by a name and a few short lines), used
  loosely here (a ``-- `` line, a closing such as "Best regards" / "Ystävällisin terveisin" on its
  own line, "Sent from my iPhone" end the text whatever follows);
- markdown is reduced to its text (headings, emphasis, links, images, table pipes, check boxes),
  whitespace collapsed.

Only the embedding sees the cleaned text: the TF-IDF features read the (PII-scrubbed) ticket as
written, so error codes and product codes stay available to them. :func:`chunks` splits a
cleaned text into windows of words that the encoder sees whole, so that a long ticket is embedded
as the mean of its chunks rather than truncated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cxml.pii import find_signature

__all__ = ["chunks", "clean_for_embedding", "clean_many"]

_FENCE = re.compile(r"```.*?(```|\Z)|~~~.*?(~~~|\Z)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_TRACE_LINE = re.compile(r"^\s*(at\s+[\w$.<>]+\(.*\)|File \".*\", line \d+.*|Traceback \(most recent call last\):"
                         r"|\.\.\. \d+ more|Caused by: .*|\w+(\.\w+)+(Exception|Error)(:.*)?)\s*$")
_CODE = re.compile(r"\b(?:0x[0-9A-Fa-f]{4,}|[A-Z]{1,6}[-_]?\d{2,6}|[A-Z][A-Za-z]+(?:Exception|Error))\b")
_QUOTE_START = re.compile(
    r"^\s*(>.*|On .{0,120} wrote:\s*|-{2,}\s*Original Message\s*-{2,}.*|-{2,}\s*Alkuperäinen viesti\s*-{2,}.*"
    r"|.{0,120}\bkirjoitti:\s*|From: .+|Lähettäjä: .+)$", re.I)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_CHECKBOX = re.compile(r"^\s*[-*+]\s*\[[ xX]\]\s*")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_SPACES = re.compile(r"[ \t\u00a0]+")


def _codes(text: str) -> list[str]:
    return _CODE.findall(text)


def _cut_at(lines: list[str], pattern: re.Pattern[str], *, min_keep: int) -> list[str]:
    """Lines before the first match of ``pattern`` at or after line ``min_keep`` (the text's opening
    lines are never cut: a ticket that starts with "Thanks," is not all signature)."""
    for i, line in enumerate(lines):
        if i >= min_keep and pattern.match(line):
            return lines[:i]
    return lines


def _without_signature(lines: list[str]) -> list[str]:
    """The lines before the signature (:func:`cxml.pii.find_signature`, loose); the first line is always kept."""
    text = "\n".join(lines)
    start = find_signature(text, len(lines[0]) if lines else 0, loose=True)
    return lines if start is None else text[:start].split("\n")


def _markdown_line(line: str) -> str:
    line = _MD_IMAGE.sub(r"\1", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _URL.sub(" ", line)
    line = _MD_CHECKBOX.sub("", line)
    line = _MD_HEADING.sub("", line)
    line = _MD_BULLET.sub("", line)
    line = _MD_EMPHASIS.sub(r"\2", line)
    if "|" in line and line.count("|") >= 2:
        line = " ".join(cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip())
    return _SPACES.sub(" ", line).strip()


def clean_for_embedding(text: str) -> str:
    """The part of a ticket a sentence encoder should read (see the module docstring).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        The cleaned text; the original text when cleaning would leave nothing.
    """
    if not text or not text.strip():
        return text
    kept_codes: list[str] = []

    def drop_block(m: re.Match[str]) -> str:
        kept_codes.extend(_codes(m.group(0)))
        return "\n"

    body = _HTML_COMMENT.sub("\n", _FENCE.sub(drop_block, text))
    lines = body.splitlines()
    lines = _cut_at(lines, _QUOTE_START, min_keep=1)
    lines = _without_signature(lines)
    out: list[str] = []
    for line in lines:
        if _TRACE_LINE.match(line):
            kept_codes.extend(_codes(line))
            continue
        if _TABLE_RULE.match(line):
            continue
        cleaned = _markdown_line(line)
        if cleaned:
            out.append(cleaned)
    seen = set(" ".join(out).split())
    out += [c for c in dict.fromkeys(kept_codes) if c not in seen]
    result = " ".join(out).strip()
    return result if result else " ".join(text.split())


def clean_many(texts: Sequence[str]) -> list[str]:
    """:func:`clean_for_embedding` of each text."""
    return [clean_for_embedding(t) for t in texts]


def chunks(text: str, max_words: int) -> list[str]:
    """``text`` as consecutive windows of at most ``max_words`` words (one window when it fits).

    Windows break at a sentence end where one lies in the window's last third, so that a
    sentence is rarely split between two chunks.
    """
    words = text.split()
    if len(words) <= max_words:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(words):
        end = min(start + max_words, len(words))
        if end < len(words):
            for j in range(end - 1, start + (2 * max_words) // 3, -1):
                if words[j].endswith((".", "!", "?")):
                    end = j + 1
                    break
        out.append(" ".join(words[start:end]))
        start = end
    return out
