"""Remove personal data from ticket text before anything is fitted or stored.

Customer-service text is full of personal data: e-mail addresses, phone numbers, payment card numbers, bank
accounts, Finnish personal identity codes and street addresses. None of it helps a classifier decide that a
ticket is about a late delivery, and all of it would end up in trained models, knowledge-base indexes and
reports if it were kept. :func:`scrub` replaces each match with a placeholder word:

==========  ===============  ==============================================================================
kind        placeholder      what is recognised
==========  ===============  ==============================================================================
email       ``[EMAIL]``      ``matti.meikalainen@example.fi``
iban        ``[IBAN]``       any country, with or without spaces, length and mod-97 checked
                             (``FI21 1234 5600 0007 85``)
hetu        ``[HETU]``       Finnish personal identity code ``DDMMYYCNNNX`` with a valid check character and
                             any century sign of the 2023 reform (``+ - A B C D E F U V W X Y``)
card        ``[CARD]``       13-19 digit payment card numbers, contiguous or grouped by spaces or dashes,
                             Luhn-valid only
phone       ``[PHONE]``      ``+358 40 123 4567``, ``+358401234567``, ``040-1234567``, ``09 1234 567``,
                             ``(09) 123 4567``, ``+44 20 7946 0958``
address     ``[ADDRESS]``    Finnish streets (``Mannerheimintie 12 A 5``, ``Hämeenkatu 3 b 14``), postal
                             code and town (``00100 Helsinki``), English streets (``221B Baker Street``)
cvv         ``[CVV]``        a card security code after its name (``cvv 123``, ``CVC: 1234``, ``turvakoodi 123``)
signature   (removed)        a closing and the name after it at the end of a text (``Terveisin, Ilmari
                             Kyyrönen``, ``t. Matti``, ``Best regards,\\nJohn Smith``), and a greeting with a
                             name (``Hei Ilmari,``, ``Dear Mr Smith,``)
==========  ===============  ==============================================================================

Obfuscated and unusual forms are recognised too: ``ilmari(at)kyyronen.fi``, ``matti @ example.fi``,
``matti [at] example [dot] fi``, dotted phones (``040.765.4321``), an identity code with spaces around the century
sign (``240575 -777X``) and fullwidth or other non-ASCII digits (``０４０ ７６５ ４３２１``). Card (Luhn), IBAN
(mod 97) and identity-code checks are computed with ``python-stdnum``.

What it cannot remove: names, and other personal details, written in free text outside a greeting or a signature
("my neighbour Ilmari Kyyrönen took the parcel") -- they look like any other words.

The patterns are deliberately conservative: order numbers (``#100234``), tracking codes
(``JJFI12345678901234567``), amounts (``49,90 €``), dates, times, error codes and product codes are left alone,
because classifiers need them. Checksums (Luhn, mod-97, the identity-code check character) are computed only
for candidates that already look right, so a hundred thousand short tickets are scrubbed in a few seconds.

Examples
--------
>>> from cxml.pii import scrub
>>> scrub("Hei, tilaus #100234 ei ole tullut. Soita 040 123 4567 tai matti@example.fi")
'Hei, tilaus #100234 ei ole tullut. Soita [PHONE] tai [EMAIL]'
>>> scrub("Kortti 4111 1111 1111 1111 hylättiin (code 05)")
'Kortti [CARD] hylättiin (code 05)'
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from stdnum import luhn as _luhn
from stdnum import numdb
from stdnum.fi import hetu as _hetu
from stdnum.iso7064 import mod_97_10 as _mod97

from cxml.checks import reject_single_string

__all__ = [
    "PII_KINDS",
    "PLACEHOLDERS",
    "PIIMatch",
    "PIIScrubber",
    "find_signature",
    "is_valid_hetu",
    "is_valid_iban",
    "luhn_valid",
    "scrub",
    "scrub_many",
]

#: Kinds of personal data recognised, in the order they win ties between overlapping matches of equal length.
PII_KINDS: tuple[str, ...] = ("signature", "email", "iban", "hetu", "card", "phone", "address", "cvv")

#: The word each kind is replaced with.
PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "hetu": "[HETU]",
    "card": "[CARD]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "cvv": "[CVV]",
    "signature": "",  # removed, not replaced
}

_PRIORITY = {kind: i for i, kind in enumerate(PII_KINDS)}


@dataclass(frozen=True)
class PIIMatch:
    """One piece of personal data found in a text.

    Attributes
    ----------
    kind : str
        One of :data:`PII_KINDS`.
    start, end : int
        Character offsets of the match, ``text[start:end] == value``.
    value : str
        The matched text.
    """

    kind: str
    start: int
    end: int
    value: str


# ---------------------------------------------------------------------------------------------------------------
# checksums


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check used by payment cards.

    Parameters
    ----------
    digits : str
        ASCII digits only (no spaces).

    Returns
    -------
    bool

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return bool(_luhn.is_valid(digits))


def _registered_iban_lengths() -> dict[str, int]:
    """Each country's IBAN length, from python-stdnum's copy of the SWIFT IBAN registry (``stdnum.iban``).

    The registry gives the BBAN structure (``"3!n11!n"`` for Finland); the IBAN adds the country code and two check
    digits. Countries not listed are accepted with any length 15-34.
    """
    registry = numdb.get("iban")
    lengths: dict[str, int] = {}
    for country in (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase):
        bban = registry.info(country)[0][1].get("bban")
        if bban:
            lengths[country] = 4 + sum(int(n) for n in re.findall(r"(\d+)!", bban))
    return lengths


_IBAN_LENGTHS: dict[str, int] = _registered_iban_lengths()


def _iban_mod97(compact: str) -> bool:
    return bool(_mod97.is_valid(compact[4:] + compact[:4]))


def is_valid_iban(value: str) -> bool:
    """Whether ``value`` is a valid IBAN (spaces allowed, case ignored).

    The country's registered length is checked where known, and the mod-97 check digits always.

    Parameters
    ----------
    value : str

    Returns
    -------
    bool

    Examples
    --------
    >>> is_valid_iban("FI21 1234 5600 0007 85"), is_valid_iban("FI21 1234 5600 0007 86")
    (True, False)
    """
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    return _iban_mod97(compact)




def is_valid_hetu(value: str) -> bool:
    """Whether ``value`` is a Finnish personal identity code (henkilötunnus) with a valid check character.

    Parameters
    ----------
    value : str
        ``DDMMYYCNNNX``, where ``C`` is a century sign (``+``, ``-``, ``A``-``F``, ``U``-``Y``).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_valid_hetu("131052-308T"), is_valid_hetu("131052-308U")
    (True, False)
    """
    if len(value) != 11 or not value.isascii():
        return False
    # temporary numbers (900-999) are personal data too
    return bool(_hetu.is_valid(value.upper(), allow_temporary=True))


# ---------------------------------------------------------------------------------------------------------------
# patterns
#
# Every kind but e-mail needs ASCII digits, so the text is split into digit runs once and each finder tries its
# precompiled pattern only at the runs where it could start (``pattern.match(text, pos)``). Checksums run only on
# candidates that already have the right shape. This keeps a short ticket at a few microseconds.

_Span = tuple[int, int]
_Finder = Callable[[str, list[_Span]], Iterator[_Span]]

_DIGITS = re.compile(r"[0-9]+")
# every kind but signature needs a digit, an @ or an "(at)" written out
_MAYBE_PII = re.compile(r"[0-9@]|[(\[{<] ?(?:at|ät|a)\b", re.IGNORECASE)

_LOCAL_CHARS = r"\w!#$%&'*+/=?^`{|}~.\-"
_EMAIL = re.compile(rf"(?<![{_LOCAL_CHARS}])[{_LOCAL_CHARS}]+@[\w\-]+(?:\.[\w\-]+)+")
# obfuscated: "ilmari(at)kyyronen.fi", "matti @ example.fi", "matti [at] example [dot] fi"
_AT = r"(?: *[(\[{<] *(?:at|ät|a) *[)\]}>] *| +@ *| *@ +)"
_DOT = r"(?: *[(\[{<] *(?:dot|piste|pt) *[)\]}>] *|\.)"
_EMAIL_OBFUSCATED = re.compile(
    rf"(?<![{_LOCAL_CHARS}])[\w.+\-]*\w{_AT}[\w\-]+(?:{_DOT}[\w\-]+)+", re.IGNORECASE)

_IBAN = re.compile(r"(?<!\w)[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}")

# the century sign may have a space on either side: "240575 -777X"
_HETU = re.compile(r"(?<![\w+\-])[0-3][0-9][01][0-9][0-9]{2} ?[-+A-FU-Ya-fu-y] ?[0-9]{3}[0-9A-Ya-y](?!\w)")

# A run of digit groups separated by single spaces or dashes, at least 13 characters long. Card numbers are
# looked for inside the run so that "tilaus 12 4111 1111 1111 1111" still finds the card.
_DIGIT_RUN = re.compile(r"(?<![\w.,#+])(?=[0-9][0-9 \-]{12})[0-9]+(?:[ \-][0-9]+)*")

# Luhn-valid numbers that follow these words are product, parcel or payment reference codes, not cards:
# "EAN 6412345678903", "viitenumero 1234561234567".
_NOT_CARD_CONTEXT = re.compile(
    r"(?:ean|gtin|upc|sscc|track|seuranta|lähetys|paketti|parcel|shipment|viite|reference)\w*(?:[^\w\n]+\w+)?"
    r"[^\w\n]*\Z",
    re.IGNORECASE,
)

_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|00(?=358))[1-9][0-9]{0,3}(?:[ \-]?\(0\))?(?:[ \-]?\(?[0-9]{1,5}\)?){1,5}(?![0-9])"
)
# Not right after another digit group: "RF18 5390 0754 7034" is a payment reference, not a phone.
_PHONE_FI = re.compile(
    r"(?<![\w+#./,:\-])(?<![0-9] )(?:\(0[1-9][0-9]{0,2}\)|0[1-9][0-9]{0,2})(?:[ \-]?[0-9]{2,4}){1,4}(?![0-9]|[.,:/\-][0-9])"
)
# dotted: "040.765.4321" (groups of 3-4 digits, so dates and times such as 01.02.2025 or 08.00 are not phones)
_PHONE_DOTTED = re.compile(r"(?<![\w+#./,:\-])0[1-9][0-9]{0,2}(?:\.[0-9]{3,4}){1,3}(?![0-9]|[.,:/\-][0-9])")
_DATE_LIKE = re.compile(r"[0-3]?[0-9][\-/ ][01]?[0-9][\-/ ](?:19|20)[0-9]{2}")

# a card security code after its name: "cvv 123", "CVC2: 1234", "turvakoodi on 123"
_CVV = re.compile(
    r"(?<!\w)(?:cvv2?|cvc2?|cav2|cid|csc|turvakoodi|turvanumero|tarkistusnumero|tarkistenumero|"
    r"security code|card verification (?:code|value))(?:[^\w\n]{0,3}(?:on|is|oli|was))?[^\w\n]{0,3}"
    r"([0-9]{3,4})(?![0-9])",
    re.IGNORECASE,
)

# Signatures: a closing at the start of a line or after a sentence, then a name (capitalised words or initials)
# and at most a few short lines (title, company, phone) to the end of the text. Greetings with a name at the start
# of a line: "Hei Ilmari," "Dear Mr Smith,".
_CLOSINGS = (
    r"ystävällisin terveisin|parhain terveisin|hyvää päivänjatkoa|terveisin|terveiset|yst\. ?terv\.?|terv\.?|"
    r"ystävällisesti|kiittäen|kiitos(?: paljon| etukäteen)?|kiitoksia|t\.|"
    r"(?:best|kind|warm|warmest) regards|regards|br|thanks(?: a lot| in advance| and regards)?|thank you|many thanks|"
    r"cheers|sincerely|yours sincerely|yours truly|best wishes|all the best|best|"
    r"med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|--"
)
_CLOSING_START = re.compile(rf"(?:^|(?<=\n)|(?<=[.!?]) )[ \t]*(?i:{_CLOSINGS})(?![\w-])")
_NAME_WORD = r"(?:[A-ZÅÄÖÉÜ][\w'’\-]*\.?)"
_NAME_LINE = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|[a-zåäö]{{1,3}})){{0,4}}"  # "Ilmari Kyyrönen", "Jan van der Berg"
    r"[^\w\n]*(?:[\w.+\-]+@[\w.\-]+[^\w\n]*)?"  # nothing but punctuation or an e-mail address after it
)
_CLOSING_PUNCT = re.compile(r"[ \t]*[,.!:;–—]*[ \t]*")
# loose signatures (text cleaning): a line holding only a closing, or a mobile mail footer, whatever follows it
_CLOSING_LINE = re.compile(rf"(?m)^[ \t]*(?i:{_CLOSINGS})(?![\w-]){_CLOSING_PUNCT.pattern}$")
_MOBILE_FOOTER = re.compile(r"(?im)^[ \t]*(?:sent from my|lähetetty) \w+.*$")
_GREETING = re.compile(
    r"(?m)^[ \t]*(?i:hei(?: vaan| taas)?|moi|moikka|terve|hyvä|hello|hi|hey|dear|hej|"
    r"good (?:morning|afternoon|evening))[ \t]+(?:(?i:mr|mrs|ms|miss|dr)\.?[ \t]+)?"
    rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}[ \t]*(?:[,!:]|$)[ \t]*"
)
_TAIL_LINES = 4  # lines after the name line a signature may have (title, company, phone, ...)
_TAIL_WORDS = 8  # words on each of them

# Fullwidth forms (U+FF01-FF5E) and non-ASCII decimal digits are looked for as their ASCII twins, one character
# for one, so that offsets stay the same: "０４０ ７６５ ４３２１" is a phone number.


class _Fold(dict[int, int]):
    def __missing__(self, code: int) -> int:
        ch = chr(code)
        if 0xFF01 <= code <= 0xFF5E:
            folded = code - 0xFEE0
        elif ch.isdecimal():
            folded = 48 + unicodedata.decimal(ch)
        else:
            folded = code
        self[code] = folded
        return folded


_FOLD = _Fold()


def _fold(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLD)

_UP = "A-ZÅÄÖ"
_LO = "a-zåäöéü"
_FI_SUFFIXES = (
    "tie|katu|kuja|polku|(?<![iotk])tori|väylä|rinne|kaari|kaarre|puistikko|ranta|aukio|kulma|raitti|tanhua|"
    "esplanadi|bulevardi|mäki|gatan|vägen|gränd|stigen|torget|kajen"
)
_FI_SUFFIXES_LOWER = "tie|katu|kuja|gatan|vägen"
_FI_STREET = re.compile(
    rf"(?<![\w\-])(?:[{_UP}][{_UP}{_LO}\-]*?(?:{_FI_SUFFIXES})|[{_LO}][{_LO}\-]*?(?:{_FI_SUFFIXES_LOWER}))"
    r" +[0-9]{1,4}(?![0-9])(?:[\-–][0-9]{1,4})?"  # house number, or a range 12-14
    r"(?: ?[A-Ka-k](?![^\W\d_])(?: ?[0-9]{1,3}(?![0-9]))?)?"  # staircase letter and flat: A 5, b 14, B5
    r"(?:,? +(?:as\.?|asunto|lh\.?|bst\.?) ?[0-9]{1,3}(?![0-9]))?"  # "as. 5"
)
_POSTAL_CITY = re.compile(
    rf"(?<![\w#.,\-])(?:FI-)?[0-9]{{5}} +(?:[{_UP}][{_LO}]{{2,}}(?:-[{_UP}]?[{_LO}]+)?|[{_UP}]{{4,}}(?:-[{_UP}]+)?)(?!\w)"
)
_NOT_A_TOWN = frozenset("euro euroa eur sek usd kpl pcs items tuotetta kappaletta kiitos thanks".split())
_EN_STREET = re.compile(
    r"(?<![\w#.,\-])[0-9]{1,5}[A-Za-z]? +(?:[A-Z][a-z]+ +){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Square|Sq|Way|"
    r"Terrace|Crescent|Close|Gardens|Parkway)(?![A-Za-z])"
)


def _find_email(text: str, runs: list[_Span]) -> Iterator[_Span]:
    yield from _find_obfuscated_email(text)
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        start, end = m.span()
        at = text.index("@", start, end)
        # leave quotes and stray punctuation before the address in place when letters follow them
        while start < at - 1 and text[start] in "'`{|}~.-":
            start += 1
        while end > at and text[end - 1] == "-":  # a domain does not end with a hyphen
            end -= 1
        tld = text[at:end].rsplit(".", 1)[-1]
        if any(ch.isalpha() for ch in tld):
            yield start, end


def _find_obfuscated_email(text: str) -> Iterator[_Span]:
    for m in _EMAIL_OBFUSCATED.finditer(text):
        start, end = m.span()
        if text.count("@", start, end) == 1 and not re.search(r"\s", m.group()):
            continue  # a plain address: _EMAIL finds it
        while end > start and text[end - 1] in "-.":
            end -= 1
        tld = re.split(r"[.)\]}>]", text[start:end])[-1].strip()
        if tld.isalpha():
            yield start, end


def _find_cvv(text: str, runs: list[_Span]) -> Iterator[_Span]:
    for s, e in runs:
        if 3 <= e - s <= 4 and s > 2:
            m = _CVV.search(text, max(0, s - 40), e)
            while m is not None and m.end(1) < e:
                m = _CVV.search(text, m.end(1), e)
            if m is not None and m.span(1) == (s, e):
                yield s, e


def _find_signature(text: str, runs: list[_Span]) -> Iterator[_Span]:
    for m in _GREETING.finditer(text):
        yield m.span()
    start = find_signature(text)
    if start is not None:
        yield start, len(text)


def _signed_off(text: str, closing_end: int) -> bool:
    """Whether only a name and a few short lines follow a closing that ends at ``closing_end``."""
    rest = _CLOSING_PUNCT.match(text, closing_end).end()  # type: ignore[union-attr]
    lines = [line.strip() for line in text[rest:].split("\n")]
    if lines and not lines[0]:
        lines = lines[1:]
    lines = [line for line in lines if line]
    if lines and not _NAME_LINE.fullmatch(lines[0]):
        return False
    return len(lines) <= 1 + _TAIL_LINES and all(len(line.split()) <= _TAIL_WORDS for line in lines[1:])


def find_signature(text: str, pos: int = 0, *, loose: bool = False) -> int | None:
    """Where the signature that ends ``text`` starts: the one signature rule of cxml.

    A signature is a closing ("Best regards", "Terveisin", "t.", "Kiitos", "--", ...) at the start of a line or
    after a sentence, followed by nothing but a name and at most four short lines (title, company, phone) to
    the end of the text. :func:`scrub` removes it; text cleaning before embedding
    (:mod:`cxml.triage.text_cleaning`) cuts it off with ``loose=True``.

    Parameters
    ----------
    text : str
    pos : int, default=0
        Look for the signature's start at or after this offset only (text cleaning never cuts a ticket's first
        line: a ticket that opens with "Thanks," is not all signature).
    loose : bool, default=False
        Also start a signature at a line that holds only a closing, or a mobile mail footer ("Sent from my
        iPhone", "Lähetetty iPhonesta"), whatever follows it. Right for an encoder's input, too greedy for
        removing personal data.

    Returns
    -------
    int or None
        The offset where the signature starts, whitespace before it included; None when there is none.

    Examples
    --------
    >>> text = "Where is my order?\\n\\nBest regards,\\nJohn Smith"
    >>> text[: find_signature(text)]
    'Where is my order?'
    >>> find_signature("Thanks,\\nthe parcel came but the lid is broken and the manual is missing") is None
    True
    >>> find_signature("Hi\\nThanks,\\nthe parcel came but the lid is broken and the manual is missing", loose=True)
    2
    """
    _require_str(text, "find_signature")
    found = [next((m for m in _CLOSING_START.finditer(text, pos) if _signed_off(text, m.end())), None)]
    if loose:
        found += [_CLOSING_LINE.search(text, pos), _MOBILE_FOOTER.search(text, pos)]
    starts = [m.start() for m in found if m is not None]
    if not starts:
        return None
    start = min(starts)
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return start


def _find_iban(text: str, runs: list[_Span]) -> Iterator[_Span]:
    for s, _ in runs:
        if s < 2 or not text[s - 2 : s].isalpha():
            continue
        m = _IBAN.match(text, s - 2)
        if m is None:
            continue
        start, raw = m.start(), m.group()
        known = _IBAN_LENGTHS.get(raw[:2].upper())
        if known is None and not (raw[:2].isascii() and raw[:2].isupper()) or raw[:2].upper() == "RF":
            continue  # RF: a creditor payment reference (ISO 11649) uses the same check, but is no account
        ends = [i + 1 for i, ch in enumerate(raw) if ch != " "]  # ends[k - 1]: where k compact chars end
        compact = raw.replace(" ", "").upper()
        lengths = [known] if known is not None else range(min(len(compact), 34), 14, -1)
        for length in lengths:
            if length > len(compact):
                continue
            end = start + ends[length - 1]
            after = text[end : end + 1]
            if after and (after.isalnum() or after == "_"):
                continue  # it would end inside a word
            if _iban_mod97(compact[:length]):
                yield start, end
                break


def _find_hetu(text: str, runs: list[_Span]) -> Iterator[_Span]:
    for s, e in runs:
        if e - s == 6:
            m = _HETU.match(text, s)
            if m is not None and is_valid_hetu(m.group().replace(" ", "")):
                yield m.span()


def _card_shape(groups: list[int]) -> bool:
    if not 13 <= sum(groups) <= 19:
        return False
    if len(groups) == 1:
        return True
    if groups in ([4, 6, 5], [4, 6, 4]):  # American Express, Diners Club
        return True
    return len(groups) >= 4 and groups[0] == 4 and all(g == 4 for g in groups[1:-1]) and 1 <= groups[-1] <= 4


def _scan_runs(text: str, runs: list[_Span], min_digits: int,
               match: Callable[[str, int, int], tuple[int, list[_Span]] | None]) -> Iterator[_Span]:
    """The spans ``match(text, start, end)`` finds at the digit runs, left to right, when the runs hold at least
    ``min_digits`` digits; ``match`` returns where its match ends (runs before that are not tried again) and the
    spans, or None."""
    if sum(e - s for s, e in runs) < min_digits:
        return
    done = 0
    for s, e in runs:
        if s >= done:
            found = match(text, s, e)
            if found is not None:
                done, spans = found
                yield from spans


def _cards_at(text: str, s: int, e: int) -> tuple[int, list[_Span]] | None:
    m = _DIGIT_RUN.match(text, s)
    if m is None:
        return None
    done = m.end()
    groups = [g.span() for g in _DIGITS.finditer(text, m.start(), m.end())]
    nxt = text[done : done + 1]
    if nxt and (nxt.isalpha() or nxt == "_" or (nxt in ".," and text[done + 1 : done + 2].isdigit())):
        groups.pop()  # the last group is glued to a word, or is the integer part of a decimal
    cards: list[_Span] = []
    i = 0
    while i < len(groups):
        j = _card_window(text, groups, i)
        if j:
            cards.append((groups[i][0], groups[j - 1][1]))
            i = j
        else:
            i += 1
    return done, cards


def _find_card(text: str, runs: list[_Span]) -> Iterator[_Span]:
    return _scan_runs(text, runs, 13, _cards_at)


def _card_window(text: str, groups: list[_Span], i: int) -> int:
    """End (exclusive group index) of the longest Luhn-valid card starting at group ``i``, or 0."""
    for j in range(min(len(groups), i + 19), i, -1):
        window = groups[i:j]
        lengths = [e - s for s, e in window]
        if not _card_shape(lengths):
            continue
        if len({text[e] for _, e in window[:-1]}) > 1:
            continue  # mixed separators
        digits = "".join(text[s:e] for s, e in window)
        if (
            digits[0] != "0"
            and luhn_valid(digits)
            and not _NOT_CARD_CONTEXT.search(text, max(0, window[0][0] - 40), window[0][0])
        ):
            return j
    return 0


def _phone_span(m: re.Match[str] | None, low: int, high: int) -> _Span | None:
    """Span of ``m`` with ``low``-``high`` digits, dropping trailing groups that belong to the next number."""
    if m is None:
        return None
    value = m.group()
    while True:
        digits = sum(ch.isdigit() for ch in value.replace("(0)", ""))
        if digits <= high:
            return (m.start(), m.start() + len(value)) if digits >= low else None
        cut = max(value.rfind(" "), value.rfind("-"))
        if cut <= 0:
            return None
        value = value[:cut]


def _phone_at(text: str, s: int, e: int) -> tuple[int, list[_Span]] | None:
    span = None
    if s > 0 and text[s - 1] == "+" or text.startswith("00358", s):
        # E.164 allows 15 digits; Finnish numbers have at most 13 with the country code
        high = 13 if text.startswith("358", s) else 15  # "00358 ..." counts the two zeros
        span = _phone_span(_PHONE_INTL.match(text, s - 1 if text[s - 1 : s] == "+" else s), 8, high)
    elif text[s] == "0" and e - s >= 2:
        m = _PHONE_FI.match(text, s - 1) if text[s - 1 : s] == "(" else None  # (09) 123 4567
        span = _phone_span(m or _PHONE_FI.match(text, s), 8, 12)
        if span is not None and _DATE_LIKE.fullmatch(text, *span):
            span = None
        if span is None:
            span = _phone_span(_PHONE_DOTTED.match(text, s), 8, 12)
    return None if span is None else (span[1], [span])


def _find_phone(text: str, runs: list[_Span]) -> Iterator[_Span]:
    return _scan_runs(text, runs, 8, _phone_at)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzåäöéüABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ-")


def _find_address(text: str, runs: list[_Span]) -> Iterator[_Span]:
    for s, e in runs:
        n = e - s
        if n > 5:
            continue
        # Finnish street: a word ending in a street suffix, spaces, the house number
        k = s
        while k > 0 and text[k - 1] == " ":
            k -= 1
        if n <= 4 and k < s and k > 0 and text[k - 1] in _NAME_CHARS:
            ws = k
            while ws > 0 and text[ws - 1] in _NAME_CHARS:
                ws -= 1
            m = _FI_STREET.match(text, ws)
            if m is not None:
                yield m.span()
                continue
        m = _EN_STREET.match(text, s)
        if m is not None:
            yield m.span()
            continue
        if n == 5:
            m = _POSTAL_CITY.match(text, s - 3 if text[s - 3 : s] == "FI-" else s)
            if m is not None and m.group().rsplit(" ", 1)[-1].lower() not in _NOT_A_TOWN:
                yield m.span()


_FINDERS: dict[str, _Finder] = {
    "email": _find_email,
    "iban": _find_iban,
    "hetu": _find_hetu,
    "card": _find_card,
    "phone": _find_phone,
    "address": _find_address,
    "cvv": _find_cvv,
    "signature": _find_signature,
}


# ---------------------------------------------------------------------------------------------------------------
# the scrubber


class PIIScrubber:
    """Find personal data in text and replace it with placeholder words.

    Parameters
    ----------
    kinds : sequence of str, optional
        Which kinds to look for, a subset of :data:`PII_KINDS`. Default: all of them.

    Notes
    -----
    Overlapping candidates are resolved longest first (ties by the order of :data:`PII_KINDS`). A placeholder is
    padded with a space on each side unless whitespace or the end of the text is already there, so tokenisers
    see it as a word of its own. Scrubbing is idempotent: ``scrub(scrub(x)) == scrub(x)``.

    Examples
    --------
    >>> PIIScrubber(kinds=["email"]).scrub("mail matti@example.fi or call 040 123 4567")
    'mail [EMAIL] or call 040 123 4567'
    >>> PIIScrubber().find("IBAN FI21 1234 5600 0007 85")
    [PIIMatch(kind='iban', start=5, end=27, value='FI21 1234 5600 0007 85')]
    """

    def __init__(self, kinds: Sequence[str] | None = None) -> None:
        if kinds is None:
            kinds = PII_KINDS
        elif isinstance(kinds, str):
            raise TypeError(
                f"kinds must be a list of kind names, got the string {kinds!r}; wrap it: [{kinds!r}]"
            )
        unknown = [k for k in kinds if k not in _FINDERS]
        if unknown:
            raise ValueError(f"unknown PII kind(s) {unknown}; choose from {list(PII_KINDS)}")
        self.kinds: tuple[str, ...] = tuple(k for k in PII_KINDS if k in set(kinds))
        self._finders = [(kind, _FINDERS[kind]) for kind in self.kinds]
        self._text_finders = [(kind, finder) for kind, finder in self._finders if kind == "signature"]

    def __repr__(self) -> str:
        return f"PIIScrubber(kinds={list(self.kinds)!r})"

    def find(self, text: str) -> list[PIIMatch]:
        """Find the personal data in ``text``.

        Parameters
        ----------
        text : str

        Returns
        -------
        list of PIIMatch
            Non-overlapping matches, in order of position.
        """
        _require_str(text, "find")
        probe = _fold(text)  # same length as text: fullwidth and other digits as ASCII
        finders = self._finders if _MAYBE_PII.search(probe) else self._text_finders
        if not finders:
            return []
        runs = [m.span() for m in _DIGITS.finditer(probe)]
        candidates = [(s, e, kind) for kind, finder in finders for s, e in finder(probe, runs) if e > s]
        if not candidates:
            return []
        candidates.sort(key=lambda c: (c[0] - c[1], _PRIORITY[c[2]], c[0]))
        chosen: list[tuple[int, int, str]] = []
        for s, e, kind in candidates:
            if all(e <= cs or s >= ce for cs, ce, _ in chosen):
                chosen.append((s, e, kind))
        chosen.sort()
        return [PIIMatch(kind, s, e, text[s:e]) for s, e, kind in chosen]

    def _scrub_once(self, text: str) -> str:
        matches = self.find(text)
        if not matches:
            return text
        parts: list[str] = []
        pos = 0
        n = len(text)
        for m in matches:
            parts.append(text[pos : m.start])
            pos = m.end
            if not PLACEHOLDERS[m.kind]:  # removed
                continue
            if m.start > 0 and not text[m.start - 1].isspace():
                parts.append(" ")
            parts.append(PLACEHOLDERS[m.kind])
            if m.end < n and not text[m.end].isspace():
                parts.append(" ")
            pos = m.end
        parts.append(text[pos:])
        return "".join(parts)

    def scrub(self, text: str) -> str:
        """Replace personal data in ``text`` with placeholders.

        Parameters
        ----------
        text : str

        Returns
        -------
        str
            The text with each match replaced by its placeholder (see :data:`PLACEHOLDERS`).
        """
        _require_str(text, "scrub")
        out = self._scrub_once(text)
        # Replacing one match can expose a neighbour that was glued to it, so repeat until nothing changes. Each
        # round that changes something removes digits, @ signs or a signature, which no placeholder has: this
        # terminates.
        while out is not text:
            text, out = out, self._scrub_once(out)
        return out

    def scrub_many(self, texts: Iterable[str]) -> list[str]:
        """Scrub each text of ``texts``.

        Parameters
        ----------
        texts : iterable of str

        Returns
        -------
        list of str
        """
        reject_single_string(texts, "scrub_many()", fix="use scrub(text) or wrap it in a list: [text]")
        return [self.scrub(t) for t in texts]


def _require_str(text: object, method: str) -> None:
    if not isinstance(text, str):
        raise TypeError(
            f"{method} expects a str, got {type(text).__name__}; convert the value with str() or drop it "
            "(cxml.schema.as_tickets validates whole columns)"
        )


_DEFAULT = PIIScrubber()


def scrub(text: str) -> str:
    """Replace e-mail addresses, phones, cards, IBANs, identity codes and addresses in ``text``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    See Also
    --------
    PIIScrubber : choose which kinds to replace, or list the matches.

    Examples
    --------
    >>> scrub("HETU 131052-308T, IBAN FI2112345600000785")
    'HETU [HETU] , IBAN [IBAN]'
    """
    return _DEFAULT.scrub(text)


def scrub_many(texts: Iterable[str]) -> list[str]:
    """Apply :func:`scrub` to each text.

    Parameters
    ----------
    texts : iterable of str

    Returns
    -------
    list of str
    """
    return _DEFAULT.scrub_many(texts)
