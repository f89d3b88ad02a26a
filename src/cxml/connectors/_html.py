"""Helpdesk message HTML to plain text, with quoted replies and signatures stripped.

Messages arrive as HTML (Zendesk ``html_body``, Freshdesk ``description``, Intercom ``source.body``, Zammad
``text/html`` articles). :func:`html_to_text` runs them through the standard library's HTML parser (broken markup
is tolerated the way browsers tolerate it: unclosed tags close at the end, stray end tags are ignored), keeps
paragraph and line breaks, drops scripts, styles and the blocks mail clients use for quoted history
(``<blockquote>``, Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg``, Freshdesk's ``freshdesk_quote``,
Zendesk's ``zd-comment`` quotes). :func:`clean_message` then removes quoted lines (``> ...``), the history under
"On <date>, <name> wrote:" (also Finnish "kirjoitti:" and Outlook's "From: ... Sent:" header) and the signature
(``-- `` delimiter, "Sent from my iPhone", "Best regards," / "Ystävällisin terveisin," closings).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["clean_message", "html_to_text", "looks_like_html", "message_text"]

_BLOCK = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section",
    "article", "header", "footer", "hr", "dl", "dt", "dd", "address",
})
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_QUOTE_CLASSES = ("gmail_quote", "freshdesk_quote", "yahoo_quoted", "moz-cite-prefix", "zd-quote",
                  "OutlookMessageHeader", "protonmail_quote")
_QUOTE_IDS = ("divRplyFwdMsg", "appendonsend", "OLK_SRC_BODY_SECTION")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds HTML tags (a plain-text message is left as it is)."""
    return bool(_TAG.search(text))


class _TextExtractor(HTMLParser):
    def __init__(self, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, starts a dropped region)
        self._dropped = 0

    def _is_quote(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _SKIP:
            return True
        if not self.drop_quotes:
            return False
        if tag == "blockquote":
            return True
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        ident = values.get("id") or ""
        return any(c in classes for c in _QUOTE_CLASSES) or any(ident.startswith(i) for i in _QUOTE_IDS)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self._dropped:
            self.parts.append("\n")
        if tag == "li" and not self._dropped:
            self.parts.append("- ")
        if tag in _VOID:
            return
        drop = self._is_quote(tag, attrs)
        self._stack.append((tag, drop))
        self._dropped += drop

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self._dropped:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # close up to the matching start tag; a stray end tag (no match) is ignored
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _, drop in self._stack[i:]:
                    self._dropped -= drop
                del self._stack[i:]
                break
        else:
            return
        if tag in _BLOCK and not self._dropped:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropped:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = (" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def html_to_text(html: str, *, drop_quotes: bool = True) -> str:
    """Plain text of an HTML message.

    Parameters
    ----------
    html : str
        The message; plain text without tags passes through (whitespace tidied).
    drop_quotes : bool, default True
        Leave out quoted history blocks (``<blockquote>`` and the quote containers of common mail clients).

    Returns
    -------
    str
        Text with one line per paragraph, list item or ``<br>``; no blank lines.
    """
    if not html:
        return ""
    if not looks_like_html(html):
        return _tidy(html)
    parser = _TextExtractor(drop_quotes)
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


_WROTE = re.compile(
    r"^\s*(On\s.{4,200}\bwrote:|.{0,200}\bkirjoitti\s*:?|Le\s.{4,200}a écrit\s*:|Am\s.{4,200}schrieb.{0,80}:|"
    r"-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Alkuperäinen viesti\s*-{2,}|"
    r"_{10,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(From|Lähettäjä|Från)\s*:\s*.+$", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*(Sent|Date|Lähetetty|Päivämäärä|Skickat|To|Vastaanottaja)\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^\s*(--|—|"
    r"Sent from my [\w ]+|Sent from (Mail|Outlook) for \w+|Get Outlook for \w+|Lähetetty (iPhonesta|Android-laitteesta)"
    r"|Best regards,?|Kind regards,?|Regards,?|Best,|Thanks,|Thank you,|Cheers,|Sincerely,|BR,?"
    r"|Ystävällisin terveisin,?|Ystävällisesti,?|Terveisin,?|T:|Parhain terveisin,?|Kiitos,|Kiittäen,?"
    r"|Med vänliga hälsningar,?|Mvh,?)\s*$",
    re.IGNORECASE,
)


def clean_message(text: str) -> str:
    """Strip quoted replies and the signature from a plain-text message.

    Everything from the first quote header ("On ... wrote:", "... kirjoitti:", "-----Original Message-----",
    an Outlook "From: / Sent:" block) or signature line ("-- ", "Sent from my iPhone", a closing such as
    "Best regards," or "Ystävällisin terveisin,") is cut, and lines quoted with ``>`` are dropped. A message
    that would become empty (a customer who wrote only a closing) is returned tidied but uncut.
    """
    lines = text.splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i > 0 and (_WROTE.match(line) or _SIGNATURE.match(line)):
            break
        if _OUTLOOK_HEADER.match(line) and i + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[i + 1]) and i > 0:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    cleaned = _tidy("\n".join(kept))
    return cleaned if cleaned else _tidy(text)


def message_text(value: object) -> str:
    """A message as the models should read it: HTML or plain text in, quotes and signature out."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return clean_message(html_to_text(value))
