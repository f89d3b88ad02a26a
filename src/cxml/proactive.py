"""Proactive help: the right article from a web session's URL, page and error, before the customer asks.

:class:`ProactiveHelper` learns from history which article resolves which context: sessions
(or tickets) with a URL, page title, error code / message and the article that resolved them
(read before leaving without contacting support, or attached to the resulting ticket). It
estimates P(article | context) with additive smoothing towards the overall article mix, along a
back-off chain from the most specific context to the most general:

1. exact error code on this URL template  (``error+url``)
2. exact error code                        (``error``)
3. error family (payments, login, ...)     (``family``)
4. URL template (``/orders/{id}/return``)  (``url``)
5. URL prefix (``/orders``)                (``prefix``)
6. semantic search in the knowledge base (``semantic``) of the error code and message, or, without
   an error, of the page title less the site name

Teams can pin rules that override the model ("on /checkout/payment with card_declined show
article KB012"); pinned suggestions are reported as such. Every suggestion carries a
human-readable ``why``, and every answer says whether to offer help now (``should_offer``)
and why.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import time
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

from cxml import persistence
from cxml.exceptions import NotFittedError
from cxml.io import to_markdown
from cxml.persistence import register_artifact

__all__ = [
    "ProactiveHelper",
    "PinnedRule",
    "normalize_url",
    "url_prefix",
    "normalize_error_code",
    "error_family",
    "mask_error_message",
    "evaluate_proactive",
    "url_keyword_baseline",
    "semantic_baseline",
]

LEVELS = ("pinned", "error+url", "error", "family", "url", "prefix", "semantic")
_LEARNED = ("error+url", "error", "family", "url", "prefix")

# --------------------------------------------------------------------------- normalisation
_LOCALE = re.compile(r"^[a-z]{2}([-_][a-z]{2})?$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_HEX = re.compile(r"^[0-9a-f]{12,}$")
_NUMBER = re.compile(r"^\d+([.,]\d+)?$")
# order / product codes: letters and digits mixed, or digit-bearing segments with separators
_CODE = re.compile(r"^(?=[a-z0-9_-]*\d)[a-z0-9]+([_-][a-z0-9]+)*$")
_TRACKING_PARAMS = re.compile(r"^(utm_.*|ref|fbclid|gclid|mc_[a-z]+|_ga|source|lang|locale)$")
_WORDY = re.compile(r"^[a-zäöå]+(-[a-zäöå]+)*$")


def _is_id(segment: str) -> bool:
    if _NUMBER.match(segment) or _UUID.match(segment) or _HEX.match(segment):
        return True
    if _WORDY.match(segment):
        return False
    # a segment with digits that is not a plain word: order codes (ord-100234, a1b2c3), skus
    return bool(_CODE.match(segment)) and sum(c.isdigit() for c in segment) >= 2


def normalize_url(url: Any) -> str:
    """Turn a URL into a template: no scheme, host, locale prefix, query values or trailing slash.

    Ids, numbers, uuids and order codes become ``{id}``; query keys are kept (sorted, without
    values), tracking parameters (``utm_*``, ``ref``, ``gclid``, ...) dropped.

    Examples
    --------
    >>> normalize_url("https://shop.example.fi/fi/orders/100234/return/?utm_source=mail&step=2")
    '/orders/{id}/return?step'
    >>> normalize_url("/checkout/payment")
    '/checkout/payment'
    """
    if url is None or (isinstance(url, float) and np.isnan(url)):
        return ""
    text = str(url).strip()
    if not text:
        return ""
    if "://" not in text and not text.startswith("/"):
        first = text.split("/", 1)[0]
        text = ("//" + text) if "." in first else "/" + text
    parts = urlsplit(text.lower())
    segments = [s for s in parts.path.split("/") if s]
    if segments and _LOCALE.match(segments[0]) and segments[0] not in {"id"}:
        segments = segments[1:]
    segments = ["{id}" if _is_id(s) else s for s in segments]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)})
    path = "/" + "/".join(segments)
    return path + ("?" + "&".join(keys) if keys else "")


def url_prefix(template: str, depth: int = 1) -> str:
    """The first ``depth`` path segments of a URL template (``/orders/{id}/return`` -> ``/orders``)."""
    path = template.split("?", 1)[0]
    segments = [s for s in path.split("/") if s][:depth]
    return "/" + "/".join(segments) if segments else ""


def normalize_error_code(code: Any) -> str:
    """Case- and punctuation-insensitive error code, without an ``err``/``error`` prefix.

    >>> [normalize_error_code(c) for c in ("Card-Declined", "ERR_CARD_DECLINED", "card declined")]
    ['card_declined', 'card_declined', 'card_declined']
    """
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return ""
    norm = re.sub(r"[^0-9a-zäöå]+", "_", str(code).strip().lower()).strip("_")
    return re.sub(r"^(err|error)_(?=[a-zäöå])", "", norm)


#: Keywords that put an error code in a family; the first family whose keyword occurs wins.
ERROR_FAMILIES: dict[str, tuple[str, ...]] = {
    "payment": ("card", "3ds", "fund", "payment", "pay", "bank", "declin", "cvc", "expired_card", "klarna",
                "mobilepay", "invoice"),
    "account": ("login", "session", "password", "auth", "account", "locked", "token", "otp", "mfa"),
    "address": ("address", "postal", "postcode", "zip", "street"),
    "delivery": ("delivery", "shipping", "courier", "pickup", "parcel", "tracking"),
    "discount": ("coupon", "discount", "promo", "voucher", "gift"),
    "stock": ("stock", "inventory", "availab", "sold_out"),
    "cart": ("cart", "basket", "checkout"),
}


def error_family(code: str, families: Mapping[str, Sequence[str]] | None = None) -> str:
    """The family of a normalised error code (``card_declined`` -> ``payment``); its first token otherwise."""
    if not code:
        return ""
    for family, keywords in (families or ERROR_FAMILIES).items():
        if any(k in code for k in keywords):
            return family
    return code.split("_", 1)[0]


_MASKS = (
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"), "<email>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[a-z_-]*\d)[a-z0-9]+(?:[-_][a-z0-9]+)*\b", re.I), "<id>"),
)


def _mask_ids(text: str) -> str:
    """Mask numbers, ids and e-mail addresses in ``text``, keeping its case (for page titles)."""
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", " ", text).strip()


_TITLE_SEP = re.compile(r"\s+[|–—·:-]+\s+")
# placeholders and punctuation say nothing to a search and cost encoder tokens (~1 ms each on a CPU)
_QUERY_NOISE = re.compile(r"<(?:id|email)>|[()\[\]{}:;,\"]")


def mask_error_message(message: Any) -> str:
    """Lower-case an error message and mask numbers, ids and e-mail addresses.

    >>> mask_error_message("Payment 88123 failed: card declined (code 05)")
    'payment <id> failed: card declined (code <id>)'
    """
    if message is None or (isinstance(message, float) and np.isnan(message)):
        return ""
    return _mask_ids(str(message).strip().lower())


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class PinnedRule:
    """A team's rule: in this context, show this article (overrides the model).

    ``url`` is matched as a URL template (after :func:`normalize_url`) or, ending in ``*``, as a
    prefix; ``error_code`` after :func:`normalize_error_code`. Empty fields match anything.
    """

    article_id: str
    url: str = ""
    error_code: str = ""
    name: str = ""

    def matches(self, url_template: str, code: str) -> bool:
        """Whether a normalised context matches this rule."""
        if self.error_code and normalize_error_code(self.error_code) != code:
            return False
        if self.url:
            if self.url.endswith("*"):
                return url_template.startswith(normalize_url(self.url[:-1]).rstrip("/"))
            return url_template.split("?", 1)[0] == normalize_url(self.url).split("?", 1)[0]
        return True


@dataclass
class _Context:
    url: str
    prefix: str
    code: str
    family: str
    message: str
    title: str

    def key(self, level: str) -> str:
        return {
            "error+url": f"{self.code} @ {self.url.split('?', 1)[0]}" if self.code and self.url else "",
            "error": self.code,
            "family": self.family,
            "url": self.url.split("?", 1)[0],
            "prefix": self.prefix,
        }[level]

    def describe(self, level: str) -> str:
        return {
            "error+url": f"error {self.code} on {self.url.split('?', 1)[0]}",
            "error": f"error {self.code}",
            "family": f"{self.family} errors",
            "url": f"page {self.url.split('?', 1)[0]}",
            "prefix": f"pages under {self.prefix}",
        }[level]


def _tally(ctxs: Sequence[_Context], groups: Sequence[str], segs: Sequence[str],
           ) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, float]]:
    """Article counts per level and key (and per segment-refined key), and the overall article mix."""
    counts: dict[str, dict[str, Counter[str]]] = {lvl: defaultdict(Counter) for lvl in _LEARNED}
    overall: Counter[str] = Counter(groups)
    for ctx, group, segment in zip(ctxs, groups, segs, strict=True):
        for level in _LEARNED:
            key = ctx.key(level)
            if key:
                counts[level][key][group] += 1
                if segment:  # the same context within one customer segment
                    counts[level][_segment_key(segment, key)][group] += 1
    total = max(sum(overall.values()), 1)
    return ({lvl: {k: dict(c) for k, c in d.items()} for lvl, d in counts.items()},
            {g: c / total for g, c in overall.most_common()})


def _why(ctx: _Context, level: str, dist: Mapping[str, int], n: int, own: Mapping[str, int] | None, seg: str,
         group: str) -> str:
    """Why a learned level suggests ``group``, in words."""
    if own:
        return (f"{ctx.describe(level)}: {own.get(group, 0)} of {sum(own.values())} past cases of {seg} customers "
                f"({dist.get(group, 0)} of {n} of all) resolved by this article")
    return f"{ctx.describe(level)}: {dist.get(group, 0)} of {n} past cases resolved by this article"


def _segment(value: Any) -> str:
    """A customer segment as a key part (lower case; "" for none)."""
    return _clean(value).lower()


def _segment_key(segment: str, key: str) -> str:
    return f"[{segment}] {key}"


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


@register_artifact("proactive")
class ProactiveHelper:
    """Suggest help articles from a web session's context, learned from history.

    Parameters
    ----------
    knowledge : cxml.KnowledgeBase, optional
        For the semantic fallback and for articles' titles, urls and languages.
    alpha : float, default=1.0
        Additive smoothing towards the overall article distribution.
    min_support : int, default=3
        Past cases a context needs before its own statistics are trusted; rarer contexts back off.
    offer_threshold : float, default=0.35
        Offer help when the top article's estimated probability reaches this (or a rule pins one).
    offer_without_error : bool, default=False
        Also offer on pages without an error when the history is that clear.
    families : mapping, optional
        Error family keywords (default :data:`ERROR_FAMILIES`).
    pinned : sequence of PinnedRule or dict, optional
        Rules that override the model.
    semantic_min_score : float, optional
        Calibrated knowledge-base score a semantic fallback needs (default: the knowledge
        base's own "no good article" threshold).
    use_segments : {"auto", True, False}, default="auto"
        Whether customer segments (a ``segment`` column at fit time, ``segment=`` when
        suggesting) refine the history. ``"auto"`` decides from the history: each half is scored
        with the counts of the other half, with and without segments, and segments are used
        only when they raise hit@3 by at least half a point (``segment_check_`` keeps the
        numbers, ``segments_used_`` the decision; the check about doubles the time of ``fit``).
    segment_prior : float, default=10.0
        How many cases of all customers' history a customer segment's own history is blended
        with at each level (empirical-Bayes shrinkage): a segment with a handful of cases stays
        close to everyone's preferences, one with hundreds follows its own.
    """

    def __init__(self, knowledge: Any = None, *, alpha: float = 1.0, min_support: int = 3,
                 offer_threshold: float = 0.35, offer_without_error: bool = False,
                 families: Mapping[str, Sequence[str]] | None = None,
                 pinned: Sequence[PinnedRule | Mapping[str, Any]] = (),
                 semantic_min_score: float | None = None, segment_prior: float = 10.0,
                 use_segments: bool | str = "auto") -> None:
        self.knowledge = knowledge
        self.alpha = alpha
        self.min_support = min_support
        self.offer_threshold = offer_threshold
        self.offer_without_error = offer_without_error
        self.families = families
        self.pinned = [p if isinstance(p, PinnedRule) else PinnedRule(**p) for p in pinned]
        self.semantic_min_score = semantic_min_score
        self.segment_prior = segment_prior
        self.use_segments = use_segments

    # ------------------------------------------------------------------ helpers
    def _context(self, url: Any = None, page_title: Any = None, error_code: Any = None,
                 error_message: Any = None) -> _Context:
        template = normalize_url(url)
        code = normalize_error_code(error_code)
        return _Context(url=template, prefix=url_prefix(template), code=code,
                        family=error_family(code, self.families), message=mask_error_message(error_message),
                        title=_mask_ids(_clean(page_title)))

    def _fallback_text(self, ctx: _Context) -> str:
        """The query the semantic fallback searches.

        With an error: its code (unless the message already says it) and message; the page title
        would only add the page's generic words. Without one: the page title, less the segments
        most pages share (the site name, learned at fit time). Masked ids and punctuation are
        dropped: they carry nothing to search for and each costs encoder time. On a validation
        seed of the demo data this query gives hit@3 0.50 against 0.36 for title + code + message,
        with half the tokens.
        """
        if ctx.message or ctx.code:
            words = ctx.code.split("_") if ctx.code else []
            code = "" if ctx.message and all(w in ctx.message for w in words) else ctx.code.replace("_", " ")
            text = " ".join(t for t in (code, ctx.message) if t)
        else:
            common = set(getattr(self, "title_boilerplate_", ()))
            kept = [p for p in _TITLE_SEP.split(ctx.title) if p and p not in common]
            text = " ".join(kept) if kept else ctx.title
        return re.sub(r"\s+", " ", _QUERY_NOISE.sub(" ", text)).strip()

    def _catalog(self) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
        """(article id -> group, group -> its articles), from the knowledge base; cached."""
        kb = self.knowledge
        table = getattr(kb, "articles_", None) if kb is not None else None
        cached = getattr(self, "_catalog_cache", None)
        if cached is not None and cached[0] is table:
            return cached[1], cached[2]
        groups: dict[str, str] = {}
        members: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if table is not None:
            has_group = "group_id" in table
            for r in table.to_dict("records"):
                aid = str(r["id"])
                g = str(r["group_id"]) if has_group and _clean(r.get("group_id")) else aid
                groups[aid] = g
                members[g].append({"article_id": aid, "title": _clean(r.get("title")), "url": _clean(r.get("url")),
                                   "language": r.get("language")})
        self._catalog_cache = (table, groups, dict(members))
        return groups, dict(members)

    def _group_of(self, article_id: str) -> str:
        return self._catalog()[0].get(article_id, article_id)

    def _article_in(self, group: str, language: str | None) -> dict[str, Any]:
        """The article of a translation group in the wanted language, with its title and url."""
        versions = self._catalog()[1].get(group)
        if not versions:
            return {"article_id": group, "title": "", "url": "", "language": None}
        for v in versions:
            if language is not None and v["language"] == language:
                return dict(v)
        return dict(versions[0])

    # ------------------------------------------------------------------ fit
    def fit(self, history: Any, *, article_col: str = "article_id",
            columns: Mapping[str, str] | None = None) -> ProactiveHelper:
        """Learn P(article | context) from sessions or tickets.

        Parameters
        ----------
        history : DataFrame
            One row per session or ticket with some of ``url``, ``page_title``, ``error_code``,
            ``error_message`` and the resolving article in ``article_col`` (rows without one are
            ignored; for tickets use ``article_col="resolving_article_id"``). An optional
            ``segment`` column teaches segment-specific preferences (see :meth:`suggest`).
        article_col : str, default="article_id"
        columns : mapping, optional
            Your column names for the context fields, e.g. ``{"url": "page_url"}``.

        Returns
        -------
        self
        """
        if not isinstance(history, pd.DataFrame):
            history = pd.DataFrame(list(history))
        df = history.rename(columns={v: k for k, v in (columns or {}).items()})
        if article_col not in df:
            raise ValueError(f"history has no column {article_col!r} naming the resolving article; "
                             f"columns are {list(df.columns)}. Pass article_col=...")
        context_cols = [c for c in ("url", "error_code", "error_message", "page_title") if c in df]
        if not context_cols:
            raise ValueError("history has none of the context columns url, error_code, error_message, "
                             "page_title; map yours with columns={'url': 'your_column', ...}")
        _check_context_columns(df, article_col)
        df = df[df[article_col].map(_clean) != ""]
        if df.empty:
            raise ValueError(f"no row of history names a resolving article in {article_col!r}")
        if self.use_segments not in ("auto", True, False):
            raise ValueError(f"use_segments must be 'auto', True or False, got {self.use_segments!r}")
        if isinstance(self.segment_prior, bool) or not isinstance(self.segment_prior, (int, float)) \
                or not self.segment_prior >= 0:
            raise ValueError(f"segment_prior must be a number >= 0 (pseudo-cases), got {self.segment_prior!r}")
        get = {c: (df[c].tolist() if c in df else [None] * len(df))
               for c in ("url", "page_title", "error_code", "error_message", "segment")}
        ctxs = [self._context(get["url"][i], get["page_title"][i], get["error_code"][i], get["error_message"][i])
                for i in range(len(df))]
        groups = [self._group_of(a) for a in df[article_col].map(str)]
        segs = [_segment(v) for v in get["segment"]]
        known = self._catalog()[0]
        if self.knowledge is not None and known:
            unknown = sorted({a for a in df[article_col].map(str) if a not in known})
            if unknown:
                warnings.warn(f"{len(unknown)} article id(s) of the history are not in the knowledge base, e.g. "
                              f"{unknown[:5]}; they are never suggested. Add those articles, or fix the ids.",
                              UserWarning, stacklevel=2)
        self.counts_, self.prior_ = _tally(ctxs, groups, segs)
        self.n_cases_ = len(groups)
        self.segment_check_: dict[str, float] = {}
        if any(segs) and self.use_segments == "auto":
            self.segment_check_ = self._check_segments(ctxs, groups, segs)
            self.segments_used_ = bool(self.segment_check_["hit@3 with segments"]
                                       >= self.segment_check_["hit@3 without segments"] + 0.005)
        else:
            self.segments_used_ = bool(any(segs) and self.use_segments is True)
        segments: Counter[str] = Counter()
        titles = [t for t in map(_clean, get["page_title"]) if t]
        for t in titles:
            segments.update(set(_TITLE_SEP.split(_mask_ids(t))))
        # segments on at least a quarter of the pages (the site name, "Help centre"): noise for search
        self.title_boilerplate_ = sorted(seg for seg, c in segments.items()
                                         if seg and len(titles) >= 20 and c >= 0.25 * len(titles))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "counts_"):
            raise NotFittedError("This ProactiveHelper is not fitted yet. Call 'fit' with past sessions or "
                               "tickets and the articles that resolved them.")

    def pin(self, article_id: str, *, url: str = "", error_code: str = "", name: str = "") -> ProactiveHelper:
        """Add a rule that overrides the model in a context; returns self."""
        if not url and not error_code:
            raise ValueError("a pinned rule needs a url and/or an error_code to match")
        known = self._catalog()[0]
        if self.knowledge is not None and known and str(article_id) not in known:
            raise ValueError(f"article {article_id!r} is not in the knowledge base; pin an article it holds "
                             "(add the article first).")
        self.pinned.append(PinnedRule(article_id=str(article_id), url=url, error_code=error_code,
                                      name=name or f"pin {article_id}"))
        return self

    # ------------------------------------------------------------------ suggest
    def suggest(self, url: str | None = None, page_title: str | None = None, error_code: str | None = None,
                error_message: str | None = None, events: Sequence[str] | None = None,
                language: str | None = None, segment: str | None = None, k: int = 3) -> dict[str, Any]:
        """Suggest articles for one web-session context.

        Parameters
        ----------
        url, page_title, error_code, error_message : str, optional
            The session's context; raw values (they are normalised here).
        events : sequence of str, optional
            The session's events; an ``error`` or ``fail`` event counts as an error for
            ``should_offer`` when the front end reported no code or message.
        language : str, optional
            The customer's language: each suggested article comes in this language when it has
            a version in it.
        segment : str, optional
            The customer segment (e.g. ``"b2b"``). When the helper uses segments (see
            ``use_segments``; learned from a ``segment`` column at fit time), each level of the
            chain blends this segment's own past cases with all customers' and the ``why`` gives
            both counts; a segment without history of its own gets everyone's preferences.
        k : int, default=3

        Returns
        -------
        dict
            JSON-ready: ``suggestions`` (list of dicts with rank, article_id, title, url, language,
            score, level, why), ``should_offer`` (bool), ``reason`` (str) and ``context`` (the
            normalised context). :meth:`suggest_many` gives a DataFrame for many sessions.
        """
        self._check_fitted()
        for arg, value in (("url", url), ("page_title", page_title), ("error_code", error_code),
                           ("error_message", error_message), ("language", language), ("segment", segment)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"suggest: {arg} must be a str or None, got {value!r} of type "
                                f"{type(value).__name__}; pass the text, e.g. {arg}=str(value)")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"suggest: k must be a positive integer (how many articles), got {k!r}")
        ctx = self._context(url, page_title, error_code, error_message)
        seg = _segment(segment)
        has_error = bool(ctx.code or ctx.message) or (events is not None and any(
            "error" in str(e).lower() or "fail" in str(e).lower() for e in events))
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()

        def add(group: str, score: float, level: str, why: str) -> None:
            if group in seen or len(rows) >= k:
                return
            seen.add(group)
            if self.knowledge is not None and self._catalog()[0] and group not in self._catalog()[1]:
                return  # not in the knowledge base (any more): nothing to show, never an empty title
            art = self._article_in(group, language)
            rows.append({"rank": len(rows) + 1, **art, "score": float(score), "level": level, "why": why})

        for rule in self.pinned:
            if rule.matches(ctx.url, ctx.code):
                add(self._group_of(rule.article_id), 1.0, "pinned",
                    f"pinned rule '{rule.name or rule.article_id}'")
        for group, p, level, explain in self._learned(ctx, seg if self.segments_used_ else ""):
            if len(rows) >= k:
                break
            if group not in seen:
                add(group, p, level, explain())
        if len(rows) < k:
            for group, score, why in self._semantic(ctx, language, k):
                add(group, score, "semantic", why)
        offer, reason = self._offer(rows, has_error)
        return {"suggestions": rows, "should_offer": offer, "reason": reason, "context": asdict(ctx)}

    def _learned(self, ctx: _Context, seg: str, counts: dict[str, dict[str, dict[str, int]]] | None = None,
                 prior: dict[str, float] | None = None,
                 ) -> Iterator[tuple[str, float, str, Callable[[], str]]]:
        """(group, probability, level, why) along the learned back-off chain, most specific level first;
        ``why`` is a function (the text is only built for what is shown)."""
        counts = self.counts_ if counts is None else counts
        prior = self.prior_ if prior is None else prior
        for level in _LEARNED:
            key = ctx.key(level)
            dist = counts[level].get(key) if key else None
            n = sum(dist.values()) if dist else 0
            if not dist or n < self.min_support:
                continue
            base = {g: (c + self.alpha * prior.get(g, 0.0)) / (n + self.alpha) for g, c in dist.items()}
            own = counts[level].get(_segment_key(seg, key)) if seg else None
            if own:  # the segment's own cases, shrunk towards all customers' (segment_prior pseudo-cases)
                n_own, beta = sum(own.values()), float(self.segment_prior)
                unseen = {g: self.alpha * prior.get(g, 0.0) / (n + self.alpha) for g in own if g not in base}
                probs = {g: (own.get(g, 0) + beta * base.get(g, unseen.get(g, 0.0))) / (n_own + beta)
                         for g in set(base) | set(own)}
            else:
                probs = base
            for p, g in sorted(((p, g) for g, p in probs.items()), reverse=True):
                yield g, p, level, functools.partial(_why, ctx, level, dist, n, own, seg, g)

    def _check_segments(self, ctxs: list[_Context], groups: list[str], segs: list[str]) -> dict[str, float]:
        """hit@3 of the learned chain with and without segments, each half of the history scored with
        the counts of the other half (the ``use_segments="auto"`` decision)."""
        halves = (list(range(0, len(groups), 2)), list(range(1, len(groups), 2)))
        hits = {"with": 0, "without": 0}
        for train, test in ((halves[0], halves[1]), (halves[1], halves[0])):
            counts, prior = _tally([ctxs[i] for i in train], [groups[i] for i in train], [segs[i] for i in train])
            for i in test:
                for name, seg in (("with", segs[i]), ("without", "")):
                    top: list[str] = []
                    for g, _, _, _ in self._learned(ctxs[i], seg, counts, prior):
                        if g not in top:
                            top.append(g)
                            if len(top) == 3:
                                break
                    hits[name] += groups[i] in top
        n = max(len(groups), 1)
        return {"hit@3 with segments": hits["with"] / n, "hit@3 without segments": hits["without"] / n,
                "cases": float(len(groups))}

    def _semantic(self, ctx: _Context, language: str | None, k: int,
                  min_score: float | None = None) -> list[tuple[str, float, str]]:
        """(group, score, why) of the semantic fallback's articles for a context."""
        text = self._fallback_text(ctx) if self.knowledge is not None else ""
        if not text:
            return []
        res = self.knowledge.suggest(text, k=k, language=language,
                                     min_score=self.semantic_min_score if min_score is None else min_score)
        return [(self._group_of(str(a)), 0.5 * float(sc), f"no history for this context; the article matches "
                 f"'{text[:60]}'") for a, sc in zip(res["article_id"], res["score"], strict=True)]

    def _params(self) -> dict[str, Any]:
        """Constructor arguments (for an unfitted copy)."""
        return {"knowledge": self.knowledge, "alpha": self.alpha, "min_support": self.min_support,
                "offer_threshold": self.offer_threshold, "offer_without_error": self.offer_without_error,
                "families": self.families, "pinned": list(self.pinned),
                "semantic_min_score": self.semantic_min_score, "segment_prior": self.segment_prior,
                "use_segments": self.use_segments}

    def _offer(self, rows: list[dict[str, Any]], has_error: bool) -> tuple[bool, str]:
        if not rows:
            return False, "no article fits this context"
        top = rows[0]
        if top["level"] == "pinned":
            return True, str(top["why"])
        if not has_error and not self.offer_without_error:
            return False, "no error in this session: not interrupting the customer"
        if top["level"] == "semantic":
            return False, "context never seen in history: suggestion is a guess, not offered proactively"
        if top["score"] < self.offer_threshold:
            return False, (f"top article's estimated probability {top['score']:.2f} is below the offer "
                           f"threshold {self.offer_threshold:.2f}")
        return True, f"{top['why']} (estimated probability {top['score']:.2f})"

    def suggest_many(self, sessions: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """Suggestions for a DataFrame of sessions (columns as :meth:`suggest`'s arguments).

        Returns
        -------
        DataFrame
            One row per session and suggestion: ``session`` (the caller's index label), ``rank``,
            ``article_id``, ``title``, ``url``, ``score``, ``level``, ``why``, ``should_offer``,
            ``reason``. Sessions with no suggestion get one row with ``rank`` 0 and no article.
        """
        frames = []
        for label, row in sessions.iterrows():
            res = self.suggest(
                url=row.get("url"), page_title=row.get("page_title"), error_code=row.get("error_code"),
                error_message=row.get("error_message"),
                events=row.get("events") if isinstance(row.get("events"), (list, tuple, np.ndarray)) else None,
                language=_clean(row.get("language")) or None, segment=row.get("segment"), k=k)
            f = pd.DataFrame(res["suggestions"] or [{"rank": 0, "article_id": None}])
            f.insert(0, "session", label)
            f["should_offer"] = res["should_offer"]
            f["reason"] = res["reason"]
            frames.append(f)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, **kwargs: Any) -> Path:
        """Save as an artifact directory (with its knowledge base in ``knowledge/``)."""
        return persistence.save(self, path, **kwargs)

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        self._check_fitted()
        rows = [(lvl, key, g, c) for lvl, d in self.counts_.items() for key, dist in d.items()
                for g, c in dist.items()]
        pd.DataFrame(rows, columns=["level", "key", "group", "count"]).to_parquet(directory / "contexts.parquet",
                                                                                 index=False)
        settings = {"alpha": self.alpha, "min_support": self.min_support, "offer_threshold": self.offer_threshold,
                    "offer_without_error": self.offer_without_error,
                    "families": {k: list(v) for k, v in self.families.items()} if self.families else None,
                    "pinned": [asdict(p) for p in self.pinned], "semantic_min_score": self.semantic_min_score,
                    "segment_prior": self.segment_prior, "use_segments": self.use_segments,
                    "segments_used": self.segments_used_, "segment_check": self.segment_check_,
                    "prior": self.prior_, "n_cases": self.n_cases_,
                    "title_boilerplate": list(self.title_boilerplate_)}
        (directory / "proactive.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        meta: dict[str, Any] = {"n_cases": self.n_cases_, "with_knowledge": False}
        if self.knowledge is not None and not getattr(self, "_save_without_knowledge", False):
            persistence.save(self.knowledge, directory / "knowledge", allow_pickle=allow_pickle)
            meta["with_knowledge"] = True
        meta["card"] = {"Proactive help": f"Learned from {self.n_cases_} resolved sessions/tickets; "
                        f"{sum(len(d) for d in self.counts_.values())} contexts; "
                        f"{len(self.pinned)} pinned rules."}
        return meta

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> ProactiveHelper:
        s = json.loads((directory / "proactive.json").read_text(encoding="utf-8"))
        kb = None
        if manifest["model"].get("with_knowledge"):
            kb = persistence.load(directory / "knowledge", allow_pickle=allow_pickle, trusted=trusted)
        helper = cls(kb, alpha=s["alpha"], min_support=s["min_support"], offer_threshold=s["offer_threshold"],
                     offer_without_error=s["offer_without_error"], families=s["families"], pinned=s["pinned"],
                     semantic_min_score=s["semantic_min_score"], segment_prior=s.get("segment_prior", 10.0),
                     use_segments=s.get("use_segments", "auto"))
        table = pd.read_parquet(directory / "contexts.parquet")
        counts: dict[str, dict[str, dict[str, int]]] = {lvl: {} for lvl in _LEARNED}
        for lvl, key, g, c in table.itertuples(index=False):
            counts[lvl].setdefault(key, {})[g] = int(c)
        helper.counts_ = counts
        helper.prior_ = s["prior"]
        helper.n_cases_ = s["n_cases"]
        helper.title_boilerplate_ = list(s.get("title_boilerplate", []))  # older artifacts have none
        helper.segments_used_ = bool(s.get("segments_used", False))
        helper.segment_check_ = dict(s.get("segment_check", {}))
        return helper


# --------------------------------------------------------------------------- evaluation
def _hits(ranked: list[list[str]], truth: list[str], k: int) -> float:
    return float(np.mean([t in r[:k] for r, t in zip(ranked, truth, strict=True)])) if truth else float("nan")


def url_keyword_baseline(knowledge: Any, sessions: pd.DataFrame, k: int = 3) -> list[list[str]]:
    """Zendesk-style baseline: a keyword search of the words in the page URL (groups, ranked)."""
    out = []
    langs = sessions["language"] if "language" in sessions else pd.Series([None] * len(sessions))
    for url, lang in zip(sessions["url"], langs, strict=True):
        words = [w for w in re.split(r"[/_\-?=&.{}]+", normalize_url(url)) if w and w != "id"]
        text = " ".join(words) or "help"
        res = knowledge.suggest(text, k=k, language=_clean(lang) or None, min_score=0)
        out.append(_group_list(knowledge, res["article_id"].tolist()))
    return out


def semantic_baseline(knowledge: Any, sessions: pd.DataFrame, k: int = 3) -> list[list[str]]:
    """Semantic-only baseline: search the page title and masked error message in the knowledge base."""
    out = []
    for _, row in sessions.iterrows():
        text = " ".join(t for t in (_clean(row.get("page_title")), normalize_error_code(row.get("error_code")).replace(
            "_", " "), mask_error_message(row.get("error_message"))) if t) or "help"
        res = knowledge.suggest(text, k=k, language=_clean(row.get("language")) or None, min_score=0)
        out.append(_group_list(knowledge, res["article_id"].tolist()))
    return out


def _group_list(knowledge: Any, ids: Iterable[str]) -> list[str]:
    table = getattr(knowledge, "articles_", None)
    if table is None or "group_id" not in table:
        return [str(i) for i in ids]
    mapping = dict(zip(table["id"].map(str), table["group_id"].map(str), strict=True))
    return [mapping.get(str(i), str(i)) for i in ids]


@dataclass
class ProactiveEvaluation:
    """hit@1 / hit@3 of the helper and the baselines, overall and on unseen contexts."""

    table: pd.DataFrame
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_markdown(self) -> str:
        """The table as Markdown."""
        return to_markdown(self.table)


_CONTEXT_HINTS = {"url": ("url", "page", "path", "link", "address", "osoite", "sivu"),
                  "error_code": ("error", "code", "virhe", "koodi"),
                  "error_message": ("message", "msg", "viesti", "error_text"),
                  "page_title": ("title", "otsikko", "heading")}


def _check_context_columns(df: pd.DataFrame, article_col: str) -> None:
    """Refuse history whose context columns look renamed; warn about context columns that are simply absent."""
    missing = [c for c in _CONTEXT_HINTS if c not in df.columns]
    if not missing:
        return
    spare = [c for c in df.columns if isinstance(c, str) and c not in _CONTEXT_HINTS and c != article_col
             and c not in ("segment", "language", "events", "id", "session_id")]
    renamed = {}
    for name in missing:
        close = difflib.get_close_matches(name, spare, n=1, cutoff=0.6)
        hinted = [c for c in spare if any(h in c.lower() for h in _CONTEXT_HINTS[name])]
        match = close[0] if close else (hinted[0] if len(hinted) == 1 else None)
        if match is not None and match not in renamed.values():
            renamed[name] = match
    if renamed:
        mapping = ", ".join(f"{k!r}: {v!r}" for k, v in renamed.items())
        raise ValueError(f"history has no {sorted(renamed)} column(s) but has {sorted(renamed.values())}; the context "
                         f"the helper learns from would be lost. Map them: fit(history, columns={{{mapping}}}).")
    main = [c for c in missing if c in ("url", "error_code")]  # the levels the back-off chain is built on
    if not main:
        return
    warnings.warn(f"history has no {main} column(s): the helper learns without that context, and suggests "
                  "less well where it matters. Map yours with columns={'url': 'your_column', ...} if you have them.",
                  UserWarning, stacklevel=3)


def _context_key(ctx: _Context) -> str:
    """The most specific learned key of a context: error code on a URL template, else the template."""
    return ctx.key("error+url") or ctx.key("url")


def evaluate_proactive(helper: ProactiveHelper, sessions: pd.DataFrame, *, article_col: str = "article_id",
                       k: int = 3, baselines: bool = True, history: pd.DataFrame | None = None,
                       n_folds: int = 5) -> ProactiveEvaluation:
    """Measure hit@1 and hit@k on held-out sessions, against baselines measured in the same run.

    "Unseen" sessions are those whose (error code, URL template) pair never occurred in training:
    they test the back-off chain. "Error sessions" had an error code or message (where proactive
    help matters most); "offered hit@1" is the precision of the suggestions the helper would
    actually show (``should_offer``), "offered share" how often it would show one. The row
    "semantic fallback alone" ranks every session with the last level of the back-off chain.

    Parameters
    ----------
    helper : ProactiveHelper
        Fitted.
    sessions : DataFrame
        Held-out sessions with the resolving article in ``article_col``.
    article_col : str, default="article_id"
    k : int, default=3
    baselines : bool, default=True
        Also rank with the URL keyword and semantic-only baselines.
    history : DataFrame, optional
        The helper's training history. When given, every test session is also scored as if its
        context had never been seen: its exact context (error code on URL template, or the
        template) is held out of training in one of ``n_folds`` folds of contexts and the helper
        refitted without it (row "exact context held out of training"), which measures the
        back-off chain on every session instead of the few that happen to be new.
    n_folds : int, default=5

    Returns
    -------
    ProactiveEvaluation
    """
    test = sessions[sessions[article_col].map(_clean) != ""].reset_index(drop=True)
    truth = [helper._group_of(str(a)) for a in test[article_col]]
    ranked, seen, offered, has_error, ctxs = [], [], [], [], []
    lat_seen: list[float] = []
    lat_unseen: list[float] = []
    for _, row in test.iterrows():
        t0 = time.perf_counter()
        res = helper.suggest(url=row.get("url"), page_title=row.get("page_title"), error_code=row.get("error_code"),
                             error_message=row.get("error_message"), language=_clean(row.get("language")) or None,
                             segment=row.get("segment"), k=k)
        dt = (time.perf_counter() - t0) * 1000
        sugg = res["suggestions"]
        ranked.append([helper._group_of(r["article_id"]) for r in sugg])
        ctx = helper._context(row.get("url"), row.get("page_title"), row.get("error_code"), row.get("error_message"))
        ctxs.append(ctx)
        key = _context_key(ctx)
        was_seen = bool(key) and (key in helper.counts_["error+url"] or key in helper.counts_["url"])
        seen.append(was_seen)
        offered.append(bool(res["should_offer"]))
        has_error.append(bool(ctx.code or ctx.message))
        (lat_seen if sugg and sugg[0]["level"] != "semantic" else lat_unseen).append(dt)
    seen_arr = np.array(seen, dtype=bool)
    err_idx = np.flatnonzero(np.array(has_error, dtype=bool))
    off_idx = np.flatnonzero(np.array(offered, dtype=bool))
    methods = {"cxml ProactiveHelper": ranked}
    if history is not None:
        methods["cxml, exact context held out of training"] = _held_out_ranking(
            helper, history, test, [_context_key(c) for c in ctxs], article_col=article_col, k=k, n_folds=n_folds)
    if helper.knowledge is not None:
        methods["cxml semantic fallback alone"] = [
            [g for g, _, _ in helper._semantic(ctx, _clean(lang) or None, k, min_score=0.0)]
            for ctx, lang in zip(ctxs, test.get("language", pd.Series([None] * len(test))), strict=True)]
    if baselines and helper.knowledge is not None:
        methods["URL keyword search (baseline)"] = url_keyword_baseline(helper.knowledge, test, k)
        methods["semantic search only (baseline)"] = semantic_baseline(helper.knowledge, test, k)
    rows = []
    for name, r in methods.items():
        unseen_idx = np.flatnonzero(~seen_arr)
        rows.append({
            "method": name, "sessions": len(test), "hit@1": _hits(r, truth, 1), f"hit@{k}": _hits(r, truth, k),
            "unseen contexts": int(len(unseen_idx)),
            "unseen hit@1": _hits([r[i] for i in unseen_idx], [truth[i] for i in unseen_idx], 1),
            f"unseen hit@{k}": _hits([r[i] for i in unseen_idx], [truth[i] for i in unseen_idx], k),
            "error sessions": int(len(err_idx)),
            f"error hit@{k}": _hits([r[i] for i in err_idx], [truth[i] for i in err_idx], k),
        })
    rows[0]["offered share"] = len(off_idx) / max(len(test), 1)
    rows[0]["offered hit@1"] = _hits([ranked[i] for i in off_idx], [truth[i] for i in off_idx], 1)
    lat = {}
    for name, values in (("history", lat_seen), ("semantic fallback", lat_unseen)):
        if values:
            lat[f"{name} p50 ms"] = float(np.percentile(values, 50))
            lat[f"{name} p99 ms"] = float(np.percentile(values, 99))
    return ProactiveEvaluation(table=pd.DataFrame(rows), latency_ms=lat)


def _held_out_ranking(helper: ProactiveHelper, history: pd.DataFrame, test: pd.DataFrame, test_keys: list[str], *,
                      article_col: str, k: int, n_folds: int) -> list[list[str]]:
    """Rank each test session (its context key in ``test_keys``) with a helper fitted on ``history`` less
    every row of its exact context."""
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")

    def fold_of(keys: Iterable[str]) -> np.ndarray:
        return np.array([zlib.crc32(key.encode()) % n_folds for key in keys], dtype=int)

    hist = history.reset_index(drop=True)
    hist_fold = fold_of(_context_key(helper._context(r.get("url"), r.get("page_title"), r.get("error_code"),
                                                     r.get("error_message"))) for r in hist.to_dict("records"))
    test_fold = fold_of(test_keys)
    ranked: list[list[str]] = [[] for _ in range(len(test))]
    rows = test.to_dict("records")
    for f in range(n_folds):
        todo = np.flatnonzero(test_fold == f)
        if not len(todo):
            continue
        part = type(helper)(**helper._params()).fit(hist[hist_fold != f], article_col=article_col)
        for i in todo:
            r = rows[i]
            res = part.suggest(url=r.get("url"), page_title=r.get("page_title"), error_code=r.get("error_code"),
                               error_message=r.get("error_message"), language=_clean(r.get("language")) or None,
                               segment=r.get("segment"), k=k)
            ranked[i] = [part._group_of(x["article_id"]) for x in res["suggestions"]]
    return ranked
