"""The synthetic bilingual web-shop helpdesk behind ``cxml demo``, the tests and the benchmarks.

:func:`make_webshop` generates a **synthetic** ticket history, help centre and web-session log of an invented
Finnish web shop (tickets in Finnish and English). It is built from templates and random slot fillers: it
contains no real customer data, and the personal data planted in it (e-mail addresses, phone numbers, card
numbers, IBANs, personal identity codes, street addresses) is fake, although valid in format, so that the PII
scrubber has something to find.

"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxml.datasets.webshop import _phrases as phrases
from cxml.datasets.webshop import _tickets as ticket_text
from cxml.datasets.webshop._articles import FACTS, build_articles
from cxml.datasets.webshop._templates import (
    AGENTS,
    CITIES,
    COURIER_WEIGHTS,
    COURIERS,
    DEVICES,
    EMAIL_DOMAINS,
    ERROR_MESSAGES,
    FIRST_NAMES,
    GARMENTS,
    LAST_NAMES,
    NEIGHBOURS,
    PAGES,
    PICKUP_POINTS,
    PRODUCTS,
    QUERY_STRINGS,
    SHOP,
    STREETS,
    TOPICS,
    Topic,
)
from cxml.datasets.webshop._templates import REASONS as _REASON_SPEC
from cxml.datasets.webshop._templates import TEAMS as _TEAMS

__all__ = [
    "WebshopData",
    "make_webshop",
    "REASONS",
    "REASON_TEAMS",
    "TEAMS",
    "PRIORITIES",
    "CHANNELS",
    "SEGMENTS",
]

#: Contact reasons of the synthetic shop, most frequent first (``gdpr_request`` is a rare class, ~1 %).
REASONS: tuple[str, ...] = tuple(sorted(_REASON_SPEC, key=lambda r: -_REASON_SPEC[r][0]))
#: The team that owns each reason (key accounts may go to ``"key_accounts"`` instead).
REASON_TEAMS: dict[str, str] = {r: spec[1] for r, spec in _REASON_SPEC.items()}
#: Teams of the synthetic shop.
TEAMS: tuple[str, ...] = _TEAMS
#: Priority levels, lowest first (the ``priority`` column is an ordered categorical with these levels).
PRIORITIES: tuple[str, ...] = ("low", "medium", "high", "urgent")
#: Contact channels of the synthetic shop.
CHANNELS: tuple[str, ...] = ("email", "chat", "web_form", "social")
#: Customer segments of the synthetic shop.
SEGMENTS: tuple[str, ...] = ("new", "returning", "key_account")

_CHANNEL_P = np.array([0.42, 0.31, 0.18, 0.09])
_END = pd.Timestamp("2026-10-31 23:59:59")
_START = pd.Timestamp("2025-11-01")
_N_DAYS = (_END.normalize() - _START).days + 1
# Monday .. Sunday
_WEEKDAY_W = np.array([1.45, 1.25, 1.12, 1.05, 0.95, 0.52, 0.45])
_HOUR_W_OFFICE = np.array(
    [0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.35, 0.9, 1.7, 2.5, 2.7, 2.4, 1.6, 2.3, 2.4, 2.1, 1.5, 1.1, 0.9,
     0.95, 0.85, 0.7, 0.5, 0.3]
)  # fmt: skip
_HOUR_W_CHAT = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 1.0, 2.2, 2.5, 2.3, 1.7, 2.2, 2.3, 2.0, 1.6, 1.5, 1.5, 1.4, 1.2, 0.7, 0, 0]
)  # fmt: skip
_HOUR_W_WEB = np.array(
    [0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.7, 1.9, 1.9, 1.8, 1.9, 1.9, 1.8, 1.6, 1.6, 1.8,
     2.0, 2.1, 1.9, 1.3, 0.7]
)  # fmt: skip

_SIZES = ("XS", "S", "M", "L", "XL", "36", "38", "40", "42", "44")
_COUPONS = ("KEVAT20", "BLACK25", "TERVETULOA10", "SUMMER15", "BONUS5", "VIP30", "ALE-40", "SYNTTARIT15")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class WebshopData:
    """A synthetic web shop's helpdesk history, help centre and web sessions.

    Attributes
    ----------
    tickets : pandas.DataFrame
        One row per ticket (see :func:`make_webshop` for the columns).
    articles : pandas.DataFrame
        The help centre's knowledge-base articles, the same for every seed.
    sessions : pandas.DataFrame
        Web sessions with page context, errors and the article that resolved them.
    """

    tickets: pd.DataFrame
    articles: pd.DataFrame
    sessions: pd.DataFrame


class _Stream:
    """Uniform random numbers from a numpy Generator, handed out one at a time (fast in Python loops)."""

    def __init__(self, rng: np.random.Generator, chunk: int = 1 << 16) -> None:
        def chunks() -> Iterator[list[float]]:
            while True:
                yield rng.random(chunk).tolist()

        self.u: Callable[[], float] = itertools.chain.from_iterable(chunks()).__next__

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.u() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.u() < p

    def randint(self, lo: int, hi: int) -> int:
        """Integer in [lo, hi] inclusive."""
        return lo + int(self.u() * (hi - lo + 1))

    def weighted(self, seq: Sequence[Any], cum: Sequence[float]) -> Any:
        x = self.u() * cum[-1]
        for item, c in zip(seq, cum, strict=True):
            if x < c:
                return item
        return seq[-1]


def _cum(weights: Sequence[float]) -> list[float]:
    return np.cumsum(np.asarray(weights, dtype=float)).tolist()


_REASON_NAMES = tuple(_REASON_SPEC)
_REASON_CUM = _cum([_REASON_SPEC[r][0] for r in _REASON_NAMES])
_TOPICS_BY_REASON: dict[str, tuple[Topic, ...]] = {
    r: tuple(t for t in TOPICS if t.reason == r) for r in _REASON_NAMES
}
_TOPIC_CUM: dict[str, list[float]] = {r: _cum([t.weight for t in ts]) for r, ts in _TOPICS_BY_REASON.items()}
_COURIER_CUM = _cum(COURIER_WEIGHTS)


# ----------------------------------------------------------------------------------------------- fake PII
_HETU_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A", "'": ""})


def _luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _fake_card(s: _Stream) -> str:
    prefix = s.pick(("4", "5", "4", "2"))
    body = f"{prefix}{s.randint(0, 10**14 - 1):014d}"
    number = body + _luhn_check_digit(body)
    sep = s.pick((" ", " ", "", "-"))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def _fake_iban(s: _Stream) -> str:
    bban = f"{s.randint(0, 10**14 - 1):014d}"
    check = 98 - int(bban + "151800") % 97  # "FI00" moved to the end, F=15, I=18
    iban = f"FI{check:02d}{bban}"
    if s.chance(0.6):
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _fake_hetu(s: _Stream) -> str:
    day, month = s.randint(1, 28), s.randint(1, 12)
    year = s.randint(1940, 2006)
    sign = "-" if year < 2000 else "A"
    num = s.randint(2, 899)
    base = f"{day:02d}{month:02d}{year % 100:02d}"
    check = _HETU_CHARS[int(f"{base}{num:03d}") % 31]
    return f"{base}{sign}{num:03d}{check}"


def _fake_phone(s: _Stream) -> str:
    op = s.pick(("40", "50", "44", "45", "41"))
    a, b = s.randint(100, 999), s.randint(1000, 9999)
    form = s.randint(0, 3)
    if form == 0:
        return f"+358 {op} {a} {b}"
    if form == 1:
        return f"0{op}-{a}{b}"
    if form == 2:
        return f"0{op} {a} {b}"
    return f"+358{op}{a}{b}"


def _fake_email(s: _Stream, first: str, last: str) -> str:
    user = s.pick((f"{first}.{last}", f"{first}{s.randint(1, 99)}", f"{first[0]}{last}", f"{last}.{first}"))
    return f"{user.lower().translate(_ASCII)}@{s.pick(EMAIL_DOMAINS)}"


def _fake_address(s: _Stream) -> str:
    zip_code, city = s.pick(CITIES)
    street = f"{s.pick(STREETS)} {s.randint(1, 60)}"
    if s.chance(0.6):
        street += f" {s.pick('ABCDEF')} {s.randint(1, 40)}"
    return f"{street}, {zip_code} {city}"


# ----------------------------------------------------------------------------------------------- slots
def _tracking(s: _Stream, courier: str) -> str:
    digits = f"{s.randint(0, 10**12 - 1):012d}"
    if courier == "Posti":
        return f"JJFI6{digits}{s.randint(1000, 9999)}"
    if courier == "Matkahuolto":
        return f"MH{digits}"
    if courier == "DHL":
        return f"JVGL{digits[:11]}"
    if courier == "Budbee":
        return "BUD" + "".join(s.pick("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    return f"0037{digits}{s.randint(10, 99)}"


def _amount(s: _Stream, lang: str) -> str:
    euros = int(math.exp(2.3 + 2.4 * s.u()))
    cents = s.pick(("90", "00", "95", "50", "99"))
    return f"{euros},{cents} €" if lang == "fi" else f"€{euros}.{cents}"


def _date_str(day: dt.datetime, lang: str, s: _Stream) -> str:
    if lang == "fi":
        return f"{day.day}.{day.month}." if s.chance(0.7) else f"{day.day}.{day.month}.{day.year}"
    month = _MONTHS_EN[day.month - 1]
    return f"{day.day} {month}" if s.chance(0.5) else f"{month} {day.day}"


_COURIER_CASES: dict[str, tuple[str, str, str]] = {
    "Posti": ("Postin", "Postilla", "Postille"),
    "Matkahuolto": ("Matkahuollon", "Matkahuollolla", "Matkahuollolle"),
    "DHL": ("DHL:n", "DHL:llä", "DHL:lle"),
    "Budbee": ("Budbeen", "Budbeella", "Budbeelle"),
    "PostNord": ("PostNordin", "PostNordilla", "PostNordille"),
}


def _with_article(noun: str) -> str:
    if noun.endswith("s"):  # shoes, jeans, headphones, trousers, boots
        return noun
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _slots(s: _Stream, lang: str, created: dt.datetime) -> dict[str, str]:
    product = s.pick(PRODUCTS)
    garment = s.pick(GARMENTS)
    device = s.pick(DEVICES)
    courier = s.weighted(COURIERS, _COURIER_CUM)
    size = s.pick(_SIZES)
    size2 = s.pick(_SIZES)
    if size2 == size:
        size2 = _SIZES[(_SIZES.index(size) + 1) % len(_SIZES)]
    offset = s.randint(-12, 6)
    return {
        "order": f"#{s.randint(100000, 999999)}",
        "product": product[0],
        "p_gen": product[1],
        "p_part": product[2],
        "p_ela": product[3],
        "p_acc": product[4],
        "p_olla": product[5],
        "p_en": product[6],
        "garment": garment[0],
        "g_gen": garment[1],
        "g_part": garment[2],
        "g_ela": garment[3],
        "g_acc": garment[4],
        "g_olla": garment[5],
        "g_en": garment[6],
        "g_pl": garment[7],
        "device": device[0],
        "d_en": device[1],
        "courier": courier,
        "courier_gen": _COURIER_CASES[courier][0],
        "courier_ade": _COURIER_CASES[courier][1],
        "courier_all": _COURIER_CASES[courier][2],
        "p_en_a": _with_article(product[6]),
        "g_small": "pienet" if garment[5] == "ovat" else "pieni",
        "g_is": "are" if garment[6].endswith("s") else "is",
        "tracking": _tracking(s, courier),
        "amount": _amount(s, lang),
        "date": _date_str(created + dt.timedelta(days=offset), lang, s),
        "days": str(s.randint(3, 21)),
        "coupon": s.pick(_COUPONS),
        "pp": s.pick(PICKUP_POINTS),
        "inv": f"{s.randint(2026000, 2026999)}{s.randint(10, 99)}",
        "size": size,
        "size2": size2,
    }


class _Slots(dict[str, str]):
    """A slot mapping that leaves unknown ``{names}`` in place instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(template: str, slots: dict[str, str]) -> str:
    """Fill the ``{slots}`` of a template; a sentence that starts with a slot gets a capital letter."""
    if "{" not in template:
        return template
    text = template.format_map(_Slots(slots))
    if ".." in text:  # a Finnish date ("1.3.") at the end of a sentence
        text = _DOUBLE_DOT.sub(".", text)
    return text[0].upper() + text[1:] if template[0] == "{" else text


_DOUBLE_DOT = re.compile(r"(?<!\.)\.\.(?!\.)")


# ----------------------------------------------------------------------------------------------- noise
_KEYBOARD_NEAR = {"a": "s", "s": "a", "e": "r", "r": "e", "i": "o", "o": "i", "t": "y", "n": "m",
                  "m": "n", "k": "l", "l": "k", "u": "i", "ä": "a", "ö": "o", "y": "t", "h": "j",
                  "p": "o"}  # fmt: skip


def _typos(text: str, s: _Stream) -> str:
    """Apply one to three keyboard slips (swap, drop, double, neighbour key) inside words."""
    chars = list(text)
    n = len(chars)
    for _ in range(s.randint(1, 3)):
        if n < 4:
            break
        i = s.randint(1, n - 3)
        if not (chars[i].isalpha() and chars[i + 1].isalpha()):
            continue
        op = s.randint(0, 3)
        if op == 0:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == 1:
            chars[i] = ""
        elif op == 2:
            chars[i] = chars[i] * 2
        else:
            chars[i] = _KEYBOARD_NEAR.get(chars[i], chars[i])
    return "".join(chars)


def _code_switch(text: str, s: _Stream) -> str:
    """Swap some Finnish words for the English ones bilingual customers use."""
    for word in _SWITCH_RE.findall(text):
        if s.chance(0.7):
            text = re.sub(rf"\b{word}\b", phrases.CODE_SWITCH[word], text, count=1)
    return text


_SWITCH_RE = re.compile(r"\b(?:" + "|".join(sorted(phrases.CODE_SWITCH, key=len, reverse=True)) + r")\b")


# ----------------------------------------------------------------------------------------------- ticket text
_STYLE = {"email": "formal", "web_form": "formal", "chat": "casual", "social": "casual"}
_URGENCY_P = {"payment_failure": 0.14, "complaint": 0.14, "delivery": 0.1, "refund": 0.1,
              "cancellation": 0.12, "account_login": 0.09, "order_status": 0.08}  # fmt: skip
_LEGAL_P = {"complaint": 0.1, "refund": 0.07, "delivery": 0.02, "payment_failure": 0.02}


@dataclass
class _Text:
    subject: str
    body: str
    urgency: float
    legal: bool
    pii: bool
    name: str


@dataclass(frozen=True)
class _Draft:
    """What one ticket's text is written from."""

    topic: Topic
    lang: str
    mixed: bool  # code-switched between Finnish and English
    channel: str
    slots: dict[str, str]
    follow_channel: str | None  # the channel of the earlier contact a follow-up refers to
    created: dt.datetime
    person: tuple[str, str]


def _topic_title(topic: Topic, lang: str) -> str:
    return topic.title_fi if lang == "fi" else topic.title_en


def _sentences(s: _Stream, d: _Draft, style: str) -> tuple[list[str], str, float, bool]:
    """The customer's sentences, the core template (chat subjects quote it), urgency and a legal threat."""
    topic, lang, reason = d.topic, d.lang, d.topic.reason
    sentences: list[str] = []
    templates: list[str] = []

    def add(template: str) -> None:
        # one mention of the order number (or tracking code) is enough
        for slot in ("{order}", "{tracking}"):
            if slot in template and any(slot in t for t in templates):
                return
        templates.append(template)
        sentences.append(_fmt(template, d.slots))

    if d.follow_channel is not None:
        names = phrases.CHANNEL_NAMES[d.follow_channel]
        sentences.append(s.pick(phrases.FOLLOW_UP[lang]).format(channel_fi=names[0], channel_en=names[1]))
    vague = ticket_text.VAGUE.get(reason, {}).get(lang)
    if vague and s.chance(0.12):
        core = s.pick(vague)
    else:
        core = s.pick(ticket_text.CORE.get(topic.group_id, {}).get(lang) or [_topic_title(topic, lang)])
    add(core)
    if s.chance(0.08):  # a second issue from a related reason; the first one decides the label
        second = s.pick(_TOPICS_BY_REASON[s.pick(NEIGHBOURS[reason])])
        options = ticket_text.CORE.get(second.group_id, {}).get(lang)
        if options:
            add(s.pick(options))
    details = ticket_text.DETAILS.get(reason, {}).get(lang)
    if details and s.chance(0.45 if style == "formal" else 0.25):
        add(s.pick(details))
    if s.chance(0.12):  # a sentence about a related reason: reasons overlap in real messages
        nd = ticket_text.DETAILS.get(s.pick(NEIGHBOURS[reason]), {}).get(lang)
        if nd:
            add(s.pick(nd))
    urgency = 0.0
    if s.chance(_URGENCY_P.get(reason, 0.05)):
        text, urgency = s.pick(phrases.URGENCY[lang])
        sentences.append(text)
    legal = s.chance(_LEGAL_P.get(reason, 0.0))
    if legal:
        sentences.append(s.pick(phrases.LEGAL[lang]))
    return sentences, core, urgency, legal


def _planted_pii(s: _Stream, reason: str, lang: str, person: tuple[str, str]) -> tuple[str | None, str]:
    """Fake personal data (valid format): a sentence for the body, or a phone or e-mail to sign with."""
    kind = s.u()
    if reason in ("payment_failure", "invoice") and kind < 0.6:
        card = _fake_card(s)
        return (f"Kortin numero on {card}." if lang == "fi" else f"My card number is {card}."), ""
    if reason in ("refund", "cancellation", "return") and kind < 0.6:
        iban = _fake_iban(s)
        return (f"Tilinumeroni on {iban}." if lang == "fi" else f"My account number is {iban}."), ""
    if reason in ("gdpr_request", "account_login", "invoice") and kind < 0.6:
        hetu = _fake_hetu(s)
        return (
            f"Henkilötunnukseni on {hetu}." if lang == "fi" else f"My personal identity code is {hetu}."
        ), ""
    if reason in ("delivery", "order_status") and kind < 0.6:
        addr = _fake_address(s)
        return (f"Osoitteeni on {addr}." if lang == "fi" else f"My address is {addr}."), ""
    if kind < 0.8:
        return None, _fake_phone(s)
    return None, _fake_email(s, *person)


def _formal_body(s: _Stream, sentences: list[str], greet: str, close: str, name: str, extra: str) -> str:
    """An e-mail or web form: greeting, paragraph, closing and a signature (with ``extra`` when given)."""
    body = " ".join(sentences)
    head = f"{greet}\n\n" if greet else ""
    tail = ""
    if close:
        tail = f"\n\n{close}"
        if s.chance(0.75) or extra:
            tail += f"\n{name}"
    elif extra or s.chance(0.3):
        tail = f"\n\n{name}"
    if extra:
        tail += f"\n{extra}"
    return head + body + tail


def _casual_body(s: _Stream, sentences: list[str], greet: str, close: str, extra: str) -> str:
    """A chat or social message: one line, often lower-case, often without the final full stop."""
    body = " ".join(sentences)
    if greet:
        body = f"{greet} {body}"
    if close:
        body = f"{body} {close}"
    if extra:
        body = f"{body} {extra}"
    if s.chance(0.35):
        body = body.lower()
    if s.chance(0.3):
        body = body.rstrip(".!")
    return body


def _body(s: _Stream, sentences: list[str], d: _Draft, style: str, extra: str) -> str:
    """The message around the sentences: greeting, closing, signature, code-switching and typos."""
    lang, (first, last) = d.lang, d.person
    greet = s.pick(phrases.GREETINGS[style][lang])
    close = s.pick(phrases.CLOSINGS[style][lang]) if s.chance(0.8 if style == "formal" else 0.4) else ""
    if d.mixed:
        if lang == "fi":
            sentences = [_code_switch(x, s) for x in sentences]
            sentences.append(s.pick(phrases.MIXED_TAIL["fi"]))
        else:
            greet = s.pick(phrases.GREETINGS["casual"]["fi"]) or "Moi,"
            close = s.pick(phrases.MIXED_TAIL["en"])
    name = f"{first} {last}" if s.chance(0.7) else first
    if style == "formal":
        body = _formal_body(s, sentences, greet, close, name, extra)
    else:
        body = _casual_body(s, sentences, greet, close, extra)
    if s.chance(0.10):
        body = _typos(body, s)
    return body


def _subject(s: _Stream, d: _Draft, core: str) -> str:
    """The subject line: the topic's, a generic one, a chat transcript's or a social network's."""
    topic, lang, channel, slots = d.topic, d.lang, d.channel, d.slots
    other = "en" if lang == "fi" else "fi"
    subj_lang = lang if not (d.mixed and s.chance(0.3)) else other
    topic_subjects = ticket_text.SUBJECTS.get(topic.group_id, {}).get(subj_lang)
    if channel == "chat" and s.chance(0.5):
        words = core.split()[:5]
        subject = s.pick(phrases.CHAT_SUBJECTS[lang]).format(
            first=_fmt(" ".join(words), slots), time=d.created.strftime("%d.%m. %H:%M")
        )
    elif channel == "social" and s.chance(0.5):
        subject = s.pick(
            ("Facebook-viesti", "Instagram-viesti", "Viesti Facebookista")
            if lang == "fi"
            else ("Facebook Messenger", "Instagram DM", "Message from Facebook")
        )
    elif topic_subjects and not s.chance(0.18):
        subject = _fmt(s.pick(topic_subjects), slots)
    elif topic_subjects is None and s.chance(0.5):
        subject = _topic_title(topic, subj_lang)
    else:
        subject = _fmt(s.pick(phrases.GENERIC_SUBJECTS[subj_lang]), slots)
    if d.follow_channel is not None and s.chance(0.5):
        subject = ("Re: " if s.chance(0.5) else "Fwd: ") + subject
    return subject


def _compose(s: _Stream, d: _Draft) -> _Text:
    """One ticket's text, step by step (the steps draw from ``s`` in a fixed order)."""
    style = _STYLE[d.channel]
    sentences, core, urgency, legal = _sentences(s, d, style)
    pii = s.chance(0.05)
    extra = ""  # a phone number or e-mail address in the signature
    if pii:
        planted, extra = _planted_pii(s, d.topic.reason, d.lang, d.person)
        if planted is not None:
            sentences.append(planted)
    body = _body(s, sentences, d, style, extra)
    subject = _subject(s, d, core)
    return _Text(subject, body, urgency, legal, pii, d.person[0])


# ----------------------------------------------------------------------------------------------- pages
def _page(
    s: _Stream, page_key: str, lang: str, slots: dict[str, str], sid: str
) -> tuple[str, str]:
    """A URL (with ids, locale prefix and maybe a query string) and the page's title."""
    options = [o for o in PAGES[page_key] if not o[0].startswith(("/fi/", "/en/")) or o[0][1:3] == lang]
    path, title_fi, title_en = s.pick(options)
    product = slots["product"] if lang == "fi" else slots["p_en"]
    ids = {
        "order": slots["order"].lstrip("#"),
        "sku": f"{s.randint(10000, 99999)}-{slots['p_en'].replace(' ', '-').replace(chr(39), '')}",
        "inv": slots["inv"],
        "code": slots["tracking"],
        "product": product[0].upper() + product[1:],
    }
    url = SHOP + path.format(**ids)
    if s.chance(0.3):
        url += s.pick(QUERY_STRINGS).format(sid=sid)
    title = (title_fi if lang == "fi" else title_en).format(**ids)
    return url, f"{title} | Example Shop"


def _error_message(s: _Stream, code: str, slots: dict[str, str], sid: str) -> str:
    return ERROR_MESSAGES[code].format(
        pid=s.randint(10000, 99999),
        zip=s.pick(CITIES)[0],
        pp=slots["pp"],
        code=slots["tracking"],
        order=slots["order"].lstrip("#"),
        date=f"2026-{s.randint(1, 10):02d}-{s.randint(1, 28):02d}",
        n=s.randint(3, 5),
        sid=sid,
        cid=f"C{s.randint(100000, 999999)}",
        sku=s.randint(10000, 99999),
        coupon=slots["coupon"],
    )


def _article_for(s: _Stream, topic: Topic, lang: str) -> str:
    """Id of the article version a ticket or session in ``lang`` about ``topic`` is resolved with."""
    if s.chance(0.08):  # a sibling article of the same reason
        siblings = _TOPICS_BY_REASON[topic.reason]
        topic = s.pick(siblings)
    if lang not in topic.languages:
        return f"{topic.group_id}-{topic.languages[0]}"
    if len(topic.languages) > 1 and s.chance(0.04):  # the agent linked the other language version
        return f"{topic.group_id}-{'en' if lang == 'fi' else 'fi'}"
    return f"{topic.group_id}-{lang}"


# ----------------------------------------------------------------------------------------------- time
def _day_weights() -> np.ndarray:
    days = pd.date_range(_START, periods=_N_DAYS, freq="D")
    w = _WEEKDAY_W[days.day_of_week].copy()
    month, dom = days.month.to_numpy(), days.day.to_numpy()
    season = np.ones(_N_DAYS)
    season[month == 11] = 1.15
    season[(month == 11) & (dom >= 24)] = 1.75  # Black Friday and Cyber Monday
    season[(month == 12) & (dom <= 20)] = 1.4
    season[(month == 12) & (dom > 20)] = 0.8
    season[month == 1] = 1.3  # returns after Christmas
    season[np.isin(month, (6, 7))] = 0.8
    for m, d, f in ((12, 24, 0.3), (12, 25, 0.3), (12, 26, 0.5), (1, 1, 0.4), (12, 6, 0.5), (6, 19, 0.4),
                    (6, 20, 0.4)):  # fmt: skip
        season[(month == m) & (dom == d)] = f
    w = w * season
    return w / w.sum()


def _timestamps(rng: np.random.Generator, n: int, hour_w: np.ndarray) -> np.ndarray:
    day = rng.choice(_N_DAYS, size=n, p=_day_weights())
    hour = rng.choice(24, size=n, p=hour_w / hour_w.sum())
    sec = rng.integers(0, 3600, size=n)
    return (
        np.datetime64(_START.to_datetime64(), "s")
        + (day * 86400 + hour * 3600 + sec).astype("timedelta64[s]")
    )


# ----------------------------------------------------------------------------------------------- tickets
def _customers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customer ids, segments, preferred language and selection weights."""
    n_cust = max(3, int(n * 0.6))
    ids = rng.choice(900_000, size=n_cust, replace=False) + 100_000
    seg = rng.choice(3, size=n_cust, p=[0.47, 0.51, 0.02])
    seg[0] = 2  # at least one key account
    lang_fi = rng.random(n_cust) < 0.575
    weight = np.array([1.0, 1.7, 5.0])[seg]
    return ids, seg, lang_fi, weight / weight.sum()


def _person(customer: int) -> tuple[str, str]:
    """The (invented) first and last name of a customer: always the same for the same customer."""
    return FIRST_NAMES[customer % len(FIRST_NAMES)], LAST_NAMES[(customer // 7) % len(LAST_NAMES)]


@dataclass
class _Skeleton:
    """Who wrote each ticket, when, on which channel and about which reason (sorted by creation time)."""

    cust_ids: np.ndarray  # customer number of each customer
    cust: np.ndarray  # the customer of each ticket (index into ``cust_ids``)
    channel: np.ndarray
    created: pd.DatetimeIndex
    segment: np.ndarray
    language: np.ndarray
    reason: np.ndarray
    mixed: np.ndarray
    parent: np.ndarray  # the earlier ticket a follow-up repeats, else -1


@dataclass
class _TicketTexts:
    """The customer-written part of each ticket, one list entry per ticket."""

    subject: list[str]
    body: list[str]
    url: list[str]
    page_title: list[str]
    error_code: list[str]
    error_message: list[str]
    urgency: list[float]
    legal: list[bool]
    name: list[str]
    topics: list[Topic]


@dataclass
class _Service:
    """When agents answered and resolved each ticket."""

    first_min: np.ndarray  # minutes to the first response (before office hours)
    res_min: np.ndarray  # minutes from the first response to resolution
    first_at: pd.DatetimeIndex
    resolved_at: pd.DatetimeIndex
    unresolved: np.ndarray


@dataclass
class _Replies:
    """The agents' side of each ticket."""

    resolving: list[str | None]
    answers: list[str]
    macros: list[str | None]
    feedback: list[str]


def _follow_ups(
    rng: np.random.Generator, channel: np.ndarray, created: np.ndarray, n_base: int, n_follow: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat contacts: the earlier ticket each repeats, its channel and its creation time."""
    par = rng.integers(0, n_base, size=n_follow)
    f_channel = (channel[par] + rng.integers(1, 4, size=n_follow)) % 4
    delay = (rng.gamma(1.3, 22.0, size=n_follow) * 3600 + 1800).astype("timedelta64[s]")
    f_created = created[par] + delay
    # chat is open 8-21: a chat follow-up written at night waits for the morning
    hour = (f_created - f_created.astype("datetime64[D]")).astype("timedelta64[h]").astype(int)
    night = (f_channel == 1) & ((hour < 8) | (hour > 21))
    morning = f_created.astype("datetime64[D]") + np.where(hour > 21, 1, 0).astype("timedelta64[D]")
    minutes = rng.integers(0, 120, size=n_follow).astype("timedelta64[m]")
    f_created = np.where(night, morning + np.timedelta64(8, "h") + minutes, f_created)
    f_created = np.minimum(f_created, np.datetime64(_END.to_datetime64(), "s")).astype("datetime64[s]")
    return par, f_channel, f_created


def _ticket_skeleton(rng: np.random.Generator, n: int) -> _Skeleton:
    """Customers, channels, times, reasons and repeat contacts of ``n`` tickets, oldest first."""
    n_follow = int(round(n * 0.07)) if n >= 30 else 0
    n_base = n - n_follow
    cust_ids, cust_seg, cust_fi, cust_w = _customers(rng, n)

    cust = rng.choice(len(cust_ids), size=n_base, p=cust_w)
    channel = rng.choice(4, size=n_base, p=_CHANNEL_P)
    created = np.empty(n_base, dtype="datetime64[s]")
    for c in range(4):
        mask = channel == c
        created[mask] = _timestamps(rng, int(mask.sum()), _HOUR_W_CHAT if c == 1 else _HOUR_W_OFFICE)
    reason_p = np.array([_REASON_SPEC[r][0] for r in _REASON_NAMES])
    reason = rng.choice(len(_REASON_NAMES), size=n_base, p=reason_p / reason_p.sum())
    mixed = rng.random(n_base) < 0.05
    parent = np.full(n_base, -1)

    if n_follow:
        par, f_channel, f_created = _follow_ups(rng, channel, created, n_base, n_follow)
        cust = np.concatenate([cust, cust[par]])
        channel = np.concatenate([channel, f_channel])
        created = np.concatenate([created, f_created])
        reason = np.concatenate([reason, reason[par]])
        mixed = np.concatenate([mixed, mixed[par]])
        parent = np.concatenate([parent, par])

    order = np.argsort(created, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(n)
    cust, channel, created = cust[order], channel[order], created[order]
    reason, mixed, parent = reason[order], mixed[order], parent[order]
    parent = np.where(parent >= 0, rank[np.maximum(parent, 0)], -1)
    return _Skeleton(
        cust_ids=cust_ids,
        cust=cust,
        channel=channel,
        created=pd.DatetimeIndex(created.astype("datetime64[ns]")),
        segment=cust_seg[cust],
        language=np.where(cust_fi[cust], "fi", "en"),
        reason=reason,
        mixed=mixed,
        parent=parent,
    )


def _ticket_context(s: _Stream, topic: Topic, lang: str, ch: str, slots: dict[str, str]) -> tuple[str, ...]:
    """The page a ticket was sent from and the error shown there: url, title, error code and message."""
    empty_p = {"email": 0.65, "chat": 0.08, "web_form": 0.05, "social": 0.85}[ch]
    url = title = code = message = ""
    if not s.chance(empty_p):
        page_key = s.pick(topic.pages) if topic.pages and s.chance(0.85) else s.pick(("help", "home"))
        sid = f"{s.randint(0, 16**8 - 1):08x}"
        url, title = _page(s, page_key, lang, slots, sid)
        if topic.errors and page_key in topic.pages and s.chance(0.6):
            code = s.pick(topic.errors)
            message = _error_message(s, code, slots, sid)
    return url, title, code, message


def _ticket_texts(s: _Stream, sk: _Skeleton) -> _TicketTexts:
    """Topic, subject, body and page context of every ticket; a follow-up keeps its parent's topic."""
    n = len(sk.channel)
    out = _TicketTexts([], [], [], [], [], [], [], [], [], [TOPICS[0]] * n)
    topics = out.topics
    created_py = sk.created.to_pydatetime()
    lang_l, parent_l, channel_l = sk.language.tolist(), sk.parent.tolist(), sk.channel.tolist()
    mixed_l, cust_l, cust_ids_l = sk.mixed.tolist(), sk.cust.tolist(), sk.cust_ids.tolist()
    for i in range(n):
        lang = lang_l[i]
        if parent_l[i] >= 0:
            topic = topics[parent_l[i]]
            follow = CHANNELS[channel_l[parent_l[i]]]
        else:
            r = _REASON_NAMES[int(sk.reason[i])]
            topic = s.weighted(_TOPICS_BY_REASON[r], _TOPIC_CUM[r])
            follow = None
        topics[i] = topic
        ch = CHANNELS[channel_l[i]]
        slots = _slots(s, lang, created_py[i])
        person = _person(cust_ids_l[cust_l[i]])
        text = _compose(s, _Draft(topic, lang, mixed_l[i], ch, slots, follow, created_py[i], person))
        url, title, code, message = _ticket_context(s, topic, lang, ch, slots)
        out.subject.append(text.subject)
        out.body.append(text.body)
        out.url.append(url)
        out.page_title.append(title)
        out.error_code.append(code)
        out.error_message.append(message)
        out.urgency.append(text.urgency)
        out.legal.append(text.legal)
        out.name.append(text.name)
    return out


def _noisy_labels(rng: np.random.Generator, s: _Stream, texts: _TicketTexts) -> list[str]:
    """The reason agents recorded: a neighbouring reason now and then."""
    label = [t.reason for t in texts.topics]
    noisy = rng.random(len(label)) < 0.03
    for i in np.flatnonzero(noisy).tolist():
        label[i] = s.pick(NEIGHBOURS[label[i]])
    return label


def _priorities(rng: np.random.Generator, sk: _Skeleton, texts: _TicketTexts, label: list[str]) -> np.ndarray:
    """Priority codes (index into :data:`PRIORITIES`): reason, channel, segment, urgency, legal threats."""
    base = np.array([_REASON_SPEC[r][2] for r in label])
    score = (
        base
        + np.array([0.0, 0.25, 0.0, 0.35])[sk.channel]
        + np.array([0.0, 0.1, 0.9])[sk.segment]
        + np.asarray(texts.urgency)
        + 2.0 * np.asarray(texts.legal, dtype=float)
        + 0.8 * np.array([t.group_id == "KB029" for t in texts.topics], dtype=float)
        + 0.2 * np.array([bool(c) for c in texts.error_code], dtype=float)
        + rng.normal(0.0, 0.45, size=len(label))
    )
    return np.digitize(score, [0.8, 1.85, 2.75])


def _routing(
    rng: np.random.Generator, s: _Stream, sk: _Skeleton, label: list[str]
) -> tuple[list[str], list[str]]:
    """Team and agent of each ticket: the reason's team, or key accounts for some key-account customers."""
    teams = [REASON_TEAMS[r] for r in label]
    key_route = (sk.segment == 2) & (rng.random(len(label)) < 0.4)
    teams = ["key_accounts" if k else t for k, t in zip(key_route, teams, strict=True)]
    agents = [s.pick(AGENTS[t]) for t in teams]
    return teams, agents


def _service_times(rng: np.random.Generator, sk: _Skeleton, prio: np.ndarray) -> _Service:
    """First response (office hours outside chat) and resolution times; some tickets stay open."""
    n, channel, created_ts = len(prio), sk.channel, sk.created
    first_med = np.array([360.0, 1.5, 420.0, 90.0])[channel]  # minutes
    first_sigma = np.array([0.9, 0.8, 0.9, 1.0])[channel]
    speed = np.array([1.4, 1.0, 0.6, 0.35])[prio] * np.where(sk.segment == 2, 0.6, 1.0)
    first_min = first_med * speed * np.exp(rng.normal(0.0, 1.0, size=n) * first_sigma)
    first_min = np.maximum(first_min, 0.2)
    chat_long = rng.random(n) < 0.2
    res_med = np.where(channel == 1, np.where(chat_long, 600.0, 12.0), 1200.0)
    res_min = res_med * np.exp(rng.normal(0.0, 1.0, size=n) * np.where(channel == 1, 0.8, 1.1))
    first_at = created_ts + pd.to_timedelta(np.round(first_min * 60), unit="s")
    # agents answer e-mail, forms and social messages during office hours (8-20)
    hour = first_at.hour.to_numpy()
    off = (channel != 1) & ((hour < 8) | (hour >= 20))
    next_day = pd.to_timedelta(np.where(hour >= 20, 1, 0), unit="D")
    next_open = first_at.normalize() + next_day + pd.Timedelta(hours=8)
    jitter = pd.to_timedelta(rng.integers(0, 90 * 60, size=n), unit="s")
    first_at = pd.DatetimeIndex(np.where(off, next_open + jitter, first_at))
    resolved_at = first_at + pd.to_timedelta(np.round(res_min * 60), unit="s")
    age_days = (_END - created_ts).total_seconds().to_numpy() / 86400
    unresolved = (rng.random(n) < 0.035) | ((age_days < 3) & (rng.random(n) < 0.5))
    unresolved |= np.asarray(resolved_at > _END)
    resolved_at = resolved_at.where(~unresolved, pd.NaT)
    return _Service(first_min, res_min, first_at, resolved_at, unresolved)


def _satisfaction(
    rng: np.random.Generator, label: list[str], service: _Service
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSAT, CES and NPS answers (NaN where not asked or not answered)."""
    n, unresolved = len(label), service.unresolved
    res_hours = np.where(unresolved, 72.0, (service.res_min + service.first_min) / 60)
    mood = (
        4.3
        - 0.35 * np.log1p(res_hours)
        - 0.6 * np.isin(label, ["complaint", "refund"]).astype(float)
        - 0.8 * unresolved
        + rng.normal(0.0, 0.9, size=n)
    )
    csat = np.clip(np.round(mood), 1, 5)
    ces = np.clip(np.round(csat * 1.3 + 0.3 + rng.normal(0.0, 0.9, size=n)), 1, 7)
    nps = np.clip(np.round(csat * 2.1 - 0.8 + rng.normal(0.0, 1.3, size=n)), 0, 10)
    asked = ~unresolved & (rng.random(n) < 0.45)
    csat_v = np.where(asked & (rng.random(n) < 0.8), csat, np.nan)
    ces_v = np.where(asked & (rng.random(n) < 0.55), ces, np.nan)
    nps_v = np.where(asked & (rng.random(n) < 0.22), nps, np.nan)
    return csat_v, ces_v, nps_v


def _answer(s: _Stream, topic: Topic, lang: str, name: str, agent: str, art: str | None) -> str:
    """The agent's reply: greeting, the topic's answer, a link to the resolving article, signature."""
    opening, closing = s.pick(phrases.ANSWER_FRAME[lang])
    parts = [opening.format(name=name), str(FACTS[topic.group_id][lang]["answer"])]
    if art is not None:
        art_topic = _TOPIC_BY_ID[art.split("-")[0]]
        art_lang = art.split("-")[1]
        parts.append(
            s.pick(phrases.ANSWER_LINK[lang]).format(
                title=_topic_title(art_topic, art_lang), url=_ARTICLE_URL[art]
            )
        )
    parts.append(closing.format(agent=agent))
    return " ".join(parts)


def _feedback_comment(s: _Stream, csat: float, lang: str, agent: str) -> str:
    """A free-text comment beside a CSAT answer (empty for most), its theme following the score."""
    if math.isnan(csat) or not s.chance(0.4):
        return ""
    if csat >= 4:
        theme = s.pick(("helpful_agent", "helpful_agent", "helpful_agent", "delivery"))
    elif csat <= 2:
        theme = s.pick(("slow_response", "unresolved", "website_bug", "price", "delivery"))
    else:
        theme = s.pick(("slow_response", "delivery", "price", "website_bug", "helpful_agent"))
    return s.pick(phrases.FEEDBACK[theme][lang]).format(agent=agent)


def _answers_and_feedback(
    s: _Stream, sk: _Skeleton, texts: _TicketTexts, agents: list[str], service: _Service, csat: np.ndarray
) -> _Replies:
    """Resolving article, answer, macro and feedback comment of every ticket."""
    out = _Replies([], [], [], [])
    lang_l, unresolved_l, csat_l = sk.language.tolist(), service.unresolved.tolist(), csat.tolist()
    for i, topic in enumerate(texts.topics):
        lang = lang_l[i]
        art: str | None = None
        if not unresolved_l[i] and s.chance(0.72):
            art = _article_for(s, topic, lang)
        out.resolving.append(art)
        out.answers.append(_answer(s, topic, lang, texts.name[i], agents[i], art))
        macro_name = _topic_title(topic, lang if lang in topic.languages else topic.languages[0])
        out.macros.append(f"{lang.upper()} – {macro_name}" if s.chance(0.7) else None)
        out.feedback.append(_feedback_comment(s, csat_l[i], lang, agents[i]))
    return out


def _make_tickets(rng: np.random.Generator, s: _Stream, n: int) -> pd.DataFrame:
    """``n`` tickets, step by step.

    Each step draws from ``rng`` and ``s`` in a fixed order: reordering the steps changes every data set.
    """
    sk = _ticket_skeleton(rng, n)
    texts = _ticket_texts(s, sk)
    label = _noisy_labels(rng, s, texts)
    prio = _priorities(rng, sk, texts, label)
    teams, agents = _routing(rng, s, sk, label)
    service = _service_times(rng, sk, prio)
    csat_v, ces_v, nps_v = _satisfaction(rng, label, service)
    replies = _answers_and_feedback(s, sk, texts, agents, service, csat_v)
    return pd.DataFrame(
        {
            "id": [f"T{i + 1:06d}" for i in range(n)],
            "subject": texts.subject,
            "body": texts.body,
            "channel": pd.Categorical.from_codes(sk.channel, categories=list(CHANNELS)),
            "created_at": sk.created,
            "customer_id": [f"C{c}" for c in sk.cust_ids[sk.cust]],
            "segment": pd.Categorical.from_codes(sk.segment, categories=list(SEGMENTS)),
            "language": sk.language.astype(object),
            "url": texts.url,
            "page_title": texts.page_title,
            "error_code": texts.error_code,
            "error_message": texts.error_message,
            "reason": label,
            "priority": pd.Categorical.from_codes(prio, categories=list(PRIORITIES), ordered=True),
            "team": pd.Categorical(teams, categories=list(TEAMS)),
            "agent": agents,
            "first_response_at": service.first_at,
            "resolved_at": service.resolved_at,
            "csat": csat_v,
            "ces": ces_v,
            "nps": nps_v,
            "feedback": replies.feedback,
            "resolving_article_id": pd.Series(replies.resolving, dtype=object),
            "answer": replies.answers,
            "macro": pd.Series(replies.macros, dtype=object),
        }
    )


# ----------------------------------------------------------------------------------------------- sessions
_SESSION_REASON_W = {
    "order_status": 1.0, "delivery": 1.0, "return": 1.2, "refund": 0.5, "complaint": 0.3, "invoice": 0.8,
    "payment_failure": 2.5, "account_login": 2.0, "product_question": 1.5, "cancellation": 0.6,
    "discount_code": 2.0, "gdpr_request": 0.2,
}  # fmt: skip
_SESSION_TOPIC_CUM = _cum([t.weight * _SESSION_REASON_W[t.reason] for t in TOPICS])
_EVENTS: dict[str, tuple[str, ...]] = {
    "payment": ("view_cart", "begin_checkout", "select_delivery", "select_payment", "click_pay"),
    "delivery_step": ("view_cart", "begin_checkout", "select_delivery"),
    "cart": ("view_product", "add_to_cart", "view_cart", "apply_coupon"),
    "order": ("login", "view_orders", "view_order"),
    "orders": ("login", "view_orders"),
    "tracking": ("view_order", "click_tracking"),
    "return_form": ("login", "view_order", "start_return"),
    "invoice": ("login", "view_invoices", "view_invoice"),
    "login": ("view_login", "submit_login"),
    "password": ("view_login", "click_forgot_password", "submit_reset"),
    "account": ("login", "view_account", "edit_settings"),
    "product": ("search", "view_product", "select_size"),
    "privacy": ("login", "view_account", "view_privacy"),
    "help": ("view_home", "view_help"),
    "home": ("view_home",),
}


def _raw_code(s: _Stream, code: str) -> str:
    """An error code as some front end or log spells it."""
    form = s.randint(0, 6)
    if form == 0:
        return code.upper()
    if form == 1:
        return code.replace("_", "-")
    if form == 2:
        return " ".join(w.capitalize() for w in code.split("_"))
    if form == 3:
        return "ERR_" + code.upper()
    if form == 4:
        return code.upper().replace("_", "-") + " "
    return code


def _make_sessions(rng: np.random.Generator, s: _Stream, n: int) -> pd.DataFrame:
    started = np.sort(_timestamps(rng, n, _HOUR_W_WEB))
    started_ts = pd.DatetimeIndex(started.astype("datetime64[ns]"))
    seg = rng.choice(3, size=n, p=[0.55, 0.43, 0.02])
    cols: dict[str, list[Any]] = {k: [] for k in (
        "url", "page_title", "error_code", "error_message", "events", "language", "article_id",
        "contacted_support")}  # fmt: skip
    started_py = started_ts.to_pydatetime()
    for i in range(n):
        topic = s.weighted(TOPICS, _SESSION_TOPIC_CUM)
        lang = "fi" if s.chance(0.6) else "en"
        slots = _slots(s, lang, started_py[i])
        sid = f"{s.randint(0, 16**8 - 1):08x}"
        page_key = s.pick(topic.pages) if topic.pages and s.chance(0.9) else s.pick(("help", "home"))
        url, title = _page(s, page_key, lang, slots, sid)
        events = list(_EVENTS[page_key][: s.randint(1, len(_EVENTS[page_key]))])
        code = message = ""
        if topic.errors and page_key in topic.pages and s.chance(0.75):
            canonical = s.pick(topic.errors)
            code = _raw_code(s, canonical)
            message = _error_message(s, canonical, slots, sid)
            events.append("error")
            if s.chance(0.4):
                events.append(s.pick(("retry", "click_pay", "reload", "back")))
        elif s.chance(0.03):  # an unrelated, rare error
            canonical = s.pick(tuple(ERROR_MESSAGES))
            code = _raw_code(s, canonical)
            message = _error_message(s, canonical, slots, sid)
            events.append("error")
        u = s.u()
        if u < 0.82:
            article: str | None = _article_for(s, topic, lang)
        elif u < 0.9:
            article = _article_for(s, s.pick(TOPICS), lang)
        else:
            article = None
        p_contact = 0.22 + (0.18 if code else 0.0) + (0.35 if article is None else 0.0)
        contacted = s.chance(p_contact)
        if article is not None and not contacted:
            events.extend(("search_help", "view_article") if s.chance(0.5) else ("view_article",))
        if contacted:
            events.append(s.pick(("open_chat", "open_chat", "contact_form", "click_email")))
        cols["url"].append(url)
        cols["page_title"].append(title)
        cols["error_code"].append(code)
        cols["error_message"].append(message)
        cols["events"].append(events)
        cols["language"].append(lang)
        cols["article_id"].append(article)
        cols["contacted_support"].append(contacted)
    return pd.DataFrame(
        {
            "session_id": [f"S{i + 1:07d}" for i in range(n)],
            "started_at": started_ts,
            "url": cols["url"],
            "page_title": cols["page_title"],
            "error_code": cols["error_code"],
            "error_message": cols["error_message"],
            "events": pd.Series(cols["events"], dtype=object),
            "language": cols["language"],
            "segment": pd.Categorical.from_codes(seg, categories=list(SEGMENTS)),
            "article_id": pd.Series(cols["article_id"], dtype=object),
            "contacted_support": np.asarray(cols["contacted_support"], dtype=bool),
        }
    )


# ----------------------------------------------------------------------------------------------- articles
_TOPIC_BY_ID: dict[str, Topic] = {t.group_id: t for t in TOPICS}
_ARTICLE_URL: dict[str, str] = {
    f"{t.group_id}-{lang}": f"{SHOP}/ohje/{t.slug_fi}" if lang == "fi" else f"{SHOP}/help/{t.slug_en}"
    for t in TOPICS
    for lang in t.languages
}


@functools.lru_cache(maxsize=1)
def _article_records() -> tuple[dict[str, Any], ...]:
    return tuple(build_articles(REASON_TEAMS))


def _articles() -> pd.DataFrame:
    """A fresh frame of the help centre (the records are cached, the frame and its tag lists are new)."""
    return pd.DataFrame([{**r, "tags": list(r["tags"])} for r in _article_records()])


# ----------------------------------------------------------------------------------------------- public
def make_webshop(n_tickets: int = 2000, seed: int = 0, n_sessions: int | None = None) -> WebshopData:
    """Generate a SYNTHETIC bilingual (Finnish/English) web-shop helpdesk data set.

    Everything is generated from templates and random slot fillers for an invented shop
    (``https://shop.example.fi``): it is **not real customer data**. About 5 % of the tickets carry fake
    personal data (e-mail addresses, Finnish phone numbers, Luhn-valid card numbers, Finnish IBANs with a
    valid checksum, personal identity codes with a valid check character, street addresses) so that PII
    scrubbing can be exercised.

    Parameters
    ----------
    n_tickets : int, default 2000
        Number of tickets.
    seed : int, default 0
        Seed of the only random source (:func:`numpy.random.default_rng`). The same ``(n_tickets, seed,
        n_sessions)`` always gives identical frames; the articles are the same for every seed.
    n_sessions : int, optional
        Number of web sessions; defaults to ``n_tickets``.

    Returns
    -------
    WebshopData
        ``tickets``, ``articles`` and ``sessions`` frames.

    Notes
    -----
    **tickets** (one row per contact, sorted by ``created_at``; ids ``T000001`` ...):
    ``id``, ``subject``, ``body``, ``channel`` (categorical: email, chat, web_form, social), ``created_at``
    (tz-naive, 2025-11-01 .. 2026-10-31, Monday busiest, weekend quiet, peaks 9-11 and 13-15, chat until
    21), ``customer_id``, ``segment`` (categorical: new, returning, key_account), ``language`` (``"fi"`` or
    ``"en"``; the dominant one for code-switched messages), ``url``, ``page_title``, ``error_code``,
    ``error_message`` (empty strings when absent), ``reason`` (str, see :data:`REASONS`), ``priority``
    (ordered categorical low < medium < high < urgent), ``team`` (categorical), ``agent``,
    ``first_response_at``, ``resolved_at`` (NaT when unresolved), ``csat`` (1-5), ``ces`` (1-7, higher is
    easier), ``nps`` (0-10; NaN when not asked), ``feedback`` (empty when none), ``resolving_article_id``
    (article id or None), ``answer`` (the agent's reply), ``macro`` (canned reply used, or None).

    About 55 % of the tickets are in Finnish and 40 % in English; ~5 % mix the two (English words and
    sentences in Finnish messages, Finnish greetings in English ones). Phrasing varies (several templates per
    topic and language, slot fillers, formal e-mail vs casual chat, greetings and signatures, typos in ~10 %),
    ~12 % are vague, ~8 % raise a second, related issue, and about 3 % carry a neighbouring reason as label
    (agents' label noise), so reason classification is learnable but not trivial: a TF-IDF (word + char)
    logistic regression trained on ``make_webshop(2000, seed=0)`` scores about 0.93 accuracy on
    ``make_webshop(1000, seed=1)``. About 7 % of the tickets are repeat contacts of an earlier ticket by the
    same customer on another channel within days.

    **articles** (help centre, 2 languages): ``id`` (``"KB012-fi"``), ``group_id`` (``"KB012"``, shared by
    the language versions), ``title``, ``body`` (Markdown), ``url``, ``language``, ``tags`` (list of str),
    ``reason``. A few articles exist in one language only.

    **sessions** (web sessions for proactive help): ``session_id``, ``started_at``, ``url``, ``page_title``,
    ``error_code`` (raw spelling, e.g. ``"CARD_DECLINED"``, ``"card-declined"``), ``error_message``,
    ``events`` (list of str), ``language``, ``segment``, ``article_id`` (the article that resolved the
    session, or None), ``contacted_support`` (bool).

    Examples
    --------
    >>> from cxml.datasets import make_webshop
    >>> data = make_webshop(200, seed=1)
    >>> data.tickets.shape[0], sorted(data.tickets["language"].unique())
    (200, ['en', 'fi'])
    >>> bool(data.tickets["resolving_article_id"].dropna().isin(data.articles["id"]).all())
    True
    """
    if isinstance(n_tickets, bool) or not isinstance(n_tickets, (int, np.integer)) or n_tickets < 1:
        raise ValueError(f"n_tickets must be a positive integer, got {n_tickets!r}")
    if n_sessions is None:
        n_sessions = int(n_tickets)
    if isinstance(n_sessions, bool) or not isinstance(n_sessions, (int, np.integer)) or n_sessions < 0:
        raise ValueError(f"n_sessions must be a non-negative integer or None, got {n_sessions!r}")
    articles = _articles()
    rng = np.random.default_rng(seed)
    stream = _Stream(rng)
    tickets = _make_tickets(rng, stream, int(n_tickets))
    sessions = _make_sessions(rng, stream, int(n_sessions))
    return WebshopData(tickets=tickets, articles=articles, sessions=sessions)


# ----------------------------------------------------------------------------------------------- loaders
