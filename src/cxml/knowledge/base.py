"""Knowledge suggestion: the right help-centre article (and past answer) for a ticket.

:class:`KnowledgeBase` indexes articles as passages (split along headings and paragraphs,
the title prepended to each), retrieves with a dense encoder (faiss) and BM25 side by side,
fuses the two, aggregates passages back to articles (max passage score) and translations
back to one entry per article group, in the ticket's own language. It abstains ("no good
article") below a threshold calibrated on data, learns from resolved tickets and agents'
accepted / dismissed suggestions, finds similar past tickets and macros, and reports the
knowledge gaps: clusters of tickets that no article answers.

Scores
------
``score`` in every result is the *calibrated probability that the article answers the query*
(:mod:`cxml.knowledge.calibration`: a weighted logistic model of the candidate's evidence and its lead
over the other candidates); ``similarity`` keeps the raw cosine. The probability is fitted at
:meth:`KnowledgeBase.add` on the articles themselves (titles queried with their own article group held
out: no answer in the base; titles with it present and noisy sentences cut from an article, scored
without the passage they came from: the answer is there, half and half) and refitted by
:meth:`KnowledgeBase.fit_feedback` on real tickets (scored with their article, and as gaps: their group
held out of the candidates and of the past tickets), weighted by the history's share of tickets with an
article; the precision gate reads its out-of-fold values.

Three gates (``suggest(..., gate=...)``): ``"strict"`` (the default, and what
:meth:`KnowledgeBase.gap_report` uses) withholds only when no right answer seems to exist: before feedback,
when the best match is below both most best matches of titles with no article (``no_match_rate``) and
nearly all of pseudo-queries with one (``miss_rate``); after :meth:`KnowledgeBase.fit_feedback`, when the
probability that the base answers the query (:mod:`cxml.knowledge.answerability`, fitted on the feedback
history with simulated gaps; :meth:`KnowledgeBase.answerable_score`) is below both the threshold of Youden's J
on out-of-fold predictions and the point where a gap becomes more likely than not at the history's share of
answerable tickets; ``"precision"`` (the default once a
``target_precision`` is set) shows rows whose probability reaches the lowest threshold at which the
first suggestions of the calibration sample reach ``target_precision``; ``"agent"`` always shows the
top ``k`` with their probabilities. :attr:`threshold_` is the default gate's threshold. An empty
answer is "no good article".

Updates
-------
:meth:`KnowledgeBase.update` and :meth:`KnowledgeBase.remove` touch only the passages of the
named articles in the faiss index (``add_with_ids`` / ``remove_ids`` by passage id; HNSW
graphs keep tombstones and are rebuilt when a fifth is dead; IVF cells are retrained when the
base has grown or shrunk enough to change their number by a factor of 2). The BM25 index is
rebuilt from the stored passages (about a second per 10,000 passages, no encoding) and the
calibration is refreshed (the titles' embeddings are cached).

Examples
--------
>>> import cxml
>>> from cxml.knowledge import KnowledgeBase
>>> kb = KnowledgeBase(encoder="hash").add([
...     {"id": "ret", "title": "Returning a product", "body": "Return any item within 14 days."},
...     {"id": "pay", "title": "Declined card payment", "body": "Error E-402 means the bank declined."},
... ])
>>> kb.suggest("my card payment fails with E-402", min_score=0)["article_id"].iloc[0]
'pay'
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxml.checks import is_missing, reject_single_string
from cxml.exceptions import InputTypeError, NotFittedError, ValidationError
from cxml.knowledge import (
    answerability,
    calibration,
    candidates,
    crosslingual,
    dense,
    fusion,
    gaps,
    history,
    lexical,
    passages,
    profiles,
    store,
    tickets,
    zero_shot,
)
from cxml.knowledge import articles as article_files
from cxml.persistence import register_artifact
from cxml.schema import TicketBatch, ticket_batch

__all__ = ["KnowledgeBase", "NotFittedError"]

logger = logging.getLogger(__name__)

_RESULT_COLUMNS = ["query", "rank", "article_id", "title", "url", "score", "snippet", "language",
                   "group_id", "similarity", "lexical"]
#: The gates of :meth:`KnowledgeBase.suggest`.
GATES = ("precision", "agent", "strict")
#: Passages read (a seeded sample above this) for the language centres of ``language_map="centre"``.
_MAX_CENTRE_PASSAGES = 20_000
#: Passage vectors kept in memory for scoring up to this size (bytes); larger bases read them per query.
_MAX_CACHED_BYTES = 64 * 2**20
#: Queries scored together hold a few (queries x passages) arrays: at most this many cells each.
_BATCH_CELLS = 2_000_000
_RESULT_DTYPES = {"rank": "int64", "score": "float64", "similarity": "float64", "lexical": "float64"}


@register_artifact("knowledge_base")
class KnowledgeBase(candidates.BatchCandidates, tickets.TicketHistory, zero_shot.ZeroShotCalibration):
    """Hybrid (dense + BM25) article suggestion over a help centre, with learning from history.

    Parameters
    ----------
    encoder : str, default="auto"
        Encoder spec (see :mod:`cxml.encoders`); ``"auto"`` picks ``"e5-small"`` for
        non-English articles, ``"minilm"`` otherwise, at the first :meth:`add`.
    index : {"auto", "flat", "hnsw", "ivf"}, default="auto"
        faiss index: exact inner product (``IndexFlatIP``), HNSW (``IndexHNSWFlat``, M=32,
        efSearch 96) or IVF (``IndexIVFFlat``: ``4 * sqrt(n)`` k-means cells trained on the
        passages with ``random_state`` as seed, ``nprobe`` cells searched per query).
        ``"auto"`` is exact up to ``ann_threshold`` passages and HNSW above, chosen on
        measurements (benchmarks/RESULTS.md, synthetic 384-d vectors, 2 cores): IVF builds
        about 10x faster (100k vectors: 11 s against 98-133 s; 1M: about 2 minutes, where
        HNSW was not built on this machine) and, on data made of a few large clusters, meets
        the 1M targets (p99 <= 5 ms, recall@10 >= 0.95) from ``nprobe=8``. But on data
        without coarse structure its recall collapses (100k: 0.78 at the default nprobe
        against 0.93 for HNSW; 1M: 0.37), and a missed neighbour is a silently worse
        suggestion, while the build, a one-off, costs far less than encoding the passages.
        So ``"ivf"`` is for very large bases that are rebuilt often: check its recall on
        your own vectors (raise ``nprobe`` until it is high enough).
        HNSW keeps deleted passages as tombstones until a fifth is dead; IVF removes them
        at once and retrains its cells when the base has grown or shrunk enough to change
        their number by a factor of 2.
    ann_threshold : int, default=50_000
        Passages above which ``index="auto"`` switches from exact to HNSW search.
    nprobe : int, default=32
        IVF cells visited per query (more: higher recall, slower); ignored by the other
        index kinds. Can be changed after building (``set_params``).
    fusion : {"crosscheck", "rrf", "linear", "adaptive", "dense", "lexical"}, default="crosscheck"
        How the dense and BM25 evidence are combined until feedback is learned (after
        :meth:`fit_feedback` a learned logistic ranker over dense, lexical and past-ticket evidence
        replaces it). ``"crosscheck"``: the dense ranking, with an exact cross-check of codes (tokens
        with a digit that name only a few passages: error, product, article codes): a text naming all
        of the query's codes goes first. ``"rrf"``: weighted reciprocal rank fusion (codes as a third
        list); ``"linear"``: a convex combination of the two scores, each standardised by the
        calibration ("how good is the best *wrong* match", per encoder); ``"adaptive"``: the same with
        per-query weights (each side by its lead over its runner-up). Measured in one run
        (benchmarks/RESULTS.md): only ``"crosscheck"`` is at least the better part on every benchmark
        (StackFAQ, where dense leads, and product codes, where the lexical side does); RRF and linear
        fusions lose 0.2-3 points to dense alone on StackFAQ.
    dense_weight : float, default=0.8
        Weight of the dense side in the fusions and in the gate's evidence (BM25 gets
        ``1 - dense_weight``); equal weights cost 5.5 points of top-1 on StackFAQ.
    rrf_k : float, default=60
    max_words : int, default=200
        Passage length.
    collapse_translations : bool, default=True
        One row per article group (``group_id``): the version in the query's language.
        False lists every version, the query-language one first.
    random_state : int, default=0
        Seeds sampling for calibration and the topic clustering of :meth:`gap_report`.
    n_calibration : int, default=300
        Queries used to calibrate the score (article titles, or feedback tickets).
    no_match_rate : float, default=0.1
        Without feedback tickets, the strict gate withholds a query only if its best match is below the
        best matches of all but this share of held-out "no-article" queries (article titles, their own
        group left out) -- and below ``miss_rate``'s bound too. After :meth:`fit_feedback` the
        answerability model's threshold replaces both.
    miss_rate : float, default=0.02
        Without feedback tickets, the strict gate withholds a query only if its best match is also below
        all but this share of the best matches of pseudo-queries whose article is in the base (noisy article
        sentences). Titles are cleaner than tickets: on the demo help centre the title bound alone withheld
        99 % of the training tickets, all with an article, and on StackFAQ 32 % of the queries; with this
        bound 12 % and 0 % (benchmarks/RESULTS.md). Without history nothing says the base has gaps, so the
        zero-shot gate is lenient; :meth:`fit_feedback` learns where they are.
    k_neighbours : int, default=10
        Past tickets consulted per query (feedback votes, macros).
    target_precision : float, optional
        Set, the default gate of :meth:`suggest` is the precision gate: the lowest probability threshold at
        which the shown first suggestions reach this precision on the calibration sample's out-of-fold
        probabilities, read where at least 5 % of it is shown (:mod:`cxml.knowledge.calibration`): after
        :meth:`fit_feedback`, tickets scored with their article and as gaps, weighted by the share of
        resolved tickets that had an article in the base (tickets resolved without a linked article are
        left out: many were answerable); before, held-out titles against titles and pseudo-queries with
        their article, half and half. Per call: ``suggest(..., target_precision=...)``. None (the default)
        keeps the strict gate of :meth:`gap_report` as :meth:`suggest`'s default: a precision target still
        withholds many more answerable tickets than it (benchmarks/RESULTS.md).
    language_map : {"none", "shift", "linear", "centre", "feedback"}, default="centre"
        Cross-lingual retrieval in a base of several languages (:mod:`cxml.knowledge.crosslingual`): a
        query is compared with the articles of another language through its version moved into that
        language (``"shift"``: by the difference of the languages' mean title embeddings; ``"linear"``:
        plus a ridge map learned from the titles of articles that exist in both), or with the language bias
        removed on both sides (``"centre"``: each language's mean passage vector off the passages, its mean
        query vector -- titles, and feedback tickets once there are some -- off the queries), so that a
        Finnish ticket can find an English-only article; the other language's missing lexical evidence
        counts as neutral, and the learned ranker sees which candidates have no version in the query's
        language (feature ``foreign``). ``"none"``: raw cross-lingual cosines (a Finnish article of another
        topic tends to win). Measured on the demo help centre (benchmarks/RESULTS.md, ``e5-small``): with
        half the bilingual groups English-only, Finnish tickets of those groups find the English article
        first 57 % of the time with ``"centre"`` after :meth:`fit_feedback` on tickets that name it, against
        72 % when the Finnish version exists (``"none"``: 51 % and 66 %); zero-shot, the encoder's
        cross-lingual similarity is the limit (6 % against 49 %, ``"none"`` 0 % against 40 %). The default:
        on the full bilingual demo base it also raises top-1 before feedback (51 % -> 55 %) and after it
        (69 % -> 72.5 %), and lets the strict gate withhold fewer answerable tickets (51 % -> 40 %, gap
        tickets withheld 91 % -> 84 %); a base where fewer than two languages have 10 passages each has no
        centres (nothing changes). ``"feedback"``: ``"centre"`` plus, after :meth:`fit_feedback`, a ridge map
        between the languages learned from the feedback tickets and the bilingual articles, for the groups with
        no version in the query's language (:func:`cxml.knowledge.crosslingual.fit_feedback_map`); on
        validation tickets (feedback seed 2, held-out seed 3) it brought the Finnish tickets of English-only
        groups level with the same tickets when the Finnish version exists (57 % -> 76 %, against 76 %) but cost
        the whole base 2.4 points of top-1 after feedback; on the benchmark's tickets (benchmarks/RESULTS.md,
        seeds 0 / 1) it left those Finnish tickets where ``"centre"`` has them (62.7 %) and the whole base at
        75.0 % (75.5 %), hence not the default.
    """

    def __init__(self, encoder: str = "auto", index: str = "auto", ann_threshold: int = 50_000,
                 nprobe: int = 32, fusion: str = "crosscheck", dense_weight: float = 0.8, rrf_k: float = 60.0,
                 max_words: int = 200, collapse_translations: bool = True, random_state: int = 0,
                 n_calibration: int = 300, no_match_rate: float = 0.1, k_neighbours: int = 10,
                 target_precision: float | None = None, language_map: str = "centre",
                 miss_rate: float = 0.02) -> None:
        self.encoder = encoder
        self.index = index
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.rrf_k = rrf_k
        self.max_words = max_words
        self.collapse_translations = collapse_translations
        self.random_state = random_state
        self.n_calibration = n_calibration
        self.no_match_rate = no_match_rate
        self.k_neighbours = k_neighbours
        self.target_precision = target_precision
        self.language_map = language_map
        self.miss_rate = miss_rate

    # ------------------------------------------------------------------ state helpers
    def _check_params(self) -> None:
        if self.fusion not in fusion.FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(map(repr, fusion.FUSIONS))}, got {self.fusion!r}")
        if not 0.0 <= float(self.dense_weight) <= 1.0:
            raise ValueError(f"dense_weight must be in [0, 1], got {self.dense_weight!r}")
        if self.language_map not in crosslingual.LANGUAGE_MAPS:
            raise ValueError(f"language_map must be one of {', '.join(map(repr, crosslingual.LANGUAGE_MAPS))}, "
                             f"got {self.language_map!r}")
        if self.target_precision is not None and not 0.0 < float(self.target_precision) <= 1.0:
            raise ValueError(f"target_precision must be in (0, 1], got {self.target_precision!r}")
        if not 0.0 < float(self.no_match_rate) < 1.0:
            raise ValueError(f"no_match_rate must be in (0, 1), got {self.no_match_rate!r}")
        if not 0.0 <= float(self.miss_rate) < 1.0:
            raise ValueError(f"miss_rate must be in [0, 1), got {self.miss_rate!r}")
        if self.index not in dense.INDEX_KINDS:
            raise ValueError(f"index must be one of {', '.join(map(repr, dense.INDEX_KINDS))}, got {self.index!r}")
        if int(self.nprobe) < 1:
            raise ValueError(f"nprobe must be >= 1, got {self.nprobe!r}")

    def _check_fitted(self) -> None:
        if getattr(self, "articles_", None) is None or not len(self.articles_):
            raise NotFittedError(f"This {type(self).__name__} has no articles yet. Call 'add' with articles first.")

    @property
    def encoder_(self) -> Any:
        """The loaded encoder."""
        enc = getattr(self, "_encoder", None)
        if enc is None:
            from cxml import encoders

            enc = self._encoder = encoders.load(self.encoder_spec_)
        return enc

    def _settings(self) -> dense.IndexSettings:
        return dense.IndexSettings(kind=self.index, ann_threshold=int(self.ann_threshold), ivf_nprobe=int(self.nprobe),
                               seed=int(self.random_state))

    def _search(self, index: dense.DenseIndex, qv: np.ndarray, k: int,
                allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``index.search`` with this knowledge base's current ``nprobe``."""
        return index.search(qv, k, allowed, nprobe=int(self.nprobe))

    def __repr__(self) -> str:
        def n(attr: str) -> int:
            value = getattr(self, attr, None)
            return 0 if value is None else len(value)

        return (f"KnowledgeBase(encoder={self.encoder!r}, fusion={self.fusion!r}, articles={n('articles_')}, "
                f"passages={n('passages_')}, tickets={n('tickets_')})")

    # ------------------------------------------------------------------ adding articles
    def _as_articles(self, articles: Any) -> pd.DataFrame:
        return article_files.article_frame(articles)

    def add(self, articles: Any) -> KnowledgeBase:
        """Add articles (new ids; use :meth:`update` to replace existing ones).

        Parameters
        ----------
        articles : DataFrame, list of dict, or path of a folder
            Columns ``id``, ``title``, ``body`` and optionally ``url``, ``language``
            (detected when missing), ``tags``, ``group_id`` (shared by the translations of
            one article) and any metadata to filter on. A folder is read for Markdown /
            HTML / text files (title from front matter, first heading or ``<title>``; tags
            and other metadata from front matter).

        Returns
        -------
        self
        """
        self._check_params()
        df = self._as_articles(articles)
        if getattr(self, "articles_", None) is not None:
            clash = sorted(set(df["id"]) & set(self.articles_["id"]))
            if clash:
                raise ValueError(f"{len(clash)} article id(s) already in the knowledge base, e.g. {clash[:5]}; "
                                 "use update() to replace articles")
        self._add_frame(df)
        return self

    def _add_frame(self, df: pd.DataFrame) -> None:
        if df["id"].duplicated().any():
            dup = df.loc[df["id"].duplicated(), "id"].tolist()[:5]
            raise ValueError(f"duplicated article ids in the input, e.g. {dup}")
        if getattr(self, "articles_", None) is None:
            self._start([f"{t}\n{b}" for t, b in zip(df["title"], df["body"], strict=True)][:2000])
        rows = []
        for aid, title, body in zip(df["id"], df["title"], df["body"], strict=True):
            for p in passages.split_passages(str(title), str(body or ""), int(self.max_words)):
                rows.append({"pid": self.next_pid_, "article_id": aid, "heading": p.heading,
                             "snippet": p.chunk, "text": p.text})
                self.next_pid_ += 1
        new = pd.DataFrame(rows, columns=["pid", "article_id", "heading", "snippet", "text"])
        new["pid"] = new["pid"].astype("int64")
        if len(new):
            vecs = self.encoder_.encode(new["text"].tolist(), role="passage")
            self.dense_.add(vecs, new["pid"].to_numpy())
        self.articles_: pd.DataFrame = (pd.concat([self.articles_, df], ignore_index=True)
                                        if len(self.articles_) else df.copy())
        self.passages_: pd.DataFrame = (pd.concat([self.passages_, new], ignore_index=True)
                                        if len(self.passages_) else new)
        self._changed()

    def _start(self, sample: list[str]) -> None:
        """Empty state: the encoder chosen from ``sample`` texts, no articles, no passages."""
        from cxml.encoders import resolve_spec

        self.encoder_spec_ = resolve_spec(self.encoder, sample)
        self._encoder = None
        self.next_pid_ = 0
        self.dense_ = dense.DenseIndex(self.encoder_.dim, self._settings())
        self.articles_ = pd.DataFrame({c: pd.Series([], dtype=object) for c in
                                       ("id", "title", "body", "url", "language", "tags", "group_id")})
        self.passages_ = pd.DataFrame({"pid": pd.Series([], dtype="int64"), "article_id": [],
                                       "heading": [], "snippet": [], "text": []})
        self.calib_ = {"sim_mu": 0.0, "sim_sd": 1.0, "lex_mu": 0.0, "lex_sd": 1.0, "null": []}
        self.threshold_ = 0.0
        self.calibration_source_ = "none (no articles)"
        self._sync()

    def update(self, articles: Any) -> KnowledgeBase:
        """Add or replace articles by id, re-embedding only those articles.

        Returns
        -------
        self
        """
        df = self._as_articles(articles)
        if getattr(self, "articles_", None) is not None:
            self._remove_ids(set(df["id"]) & set(self.articles_["id"]))
        self._add_frame(df)
        return self

    def remove(self, ids: Iterable[Any]) -> KnowledgeBase:
        """Remove articles by id (their passages leave the faiss index; nothing is rebuilt).

        Raises
        ------
        KeyError
            When none of the ids is in the knowledge base.
        """
        self._check_fitted()
        if isinstance(ids, (str, int)):
            ids = [ids]
        wanted = {str(i) for i in ids}
        known = wanted & set(self.articles_["id"])
        if wanted and not known:
            raise KeyError(f"none of the ids {sorted(wanted)[:5]} is in the knowledge base")
        self._remove_ids(known)
        self._changed()
        return self

    def _remove_ids(self, ids: set[str]) -> None:
        if not ids:
            return
        gone = self.passages_["article_id"].isin(ids)
        self.dense_.remove(self.passages_.loc[gone, "pid"].to_numpy())
        self.passages_ = self.passages_.loc[~gone].reset_index(drop=True)
        self.articles_ = self.articles_.loc[~self.articles_["id"].isin(ids)].reset_index(drop=True)

    def _changed(self) -> None:
        """Refresh derived tables and recalibrate after the article set changed."""
        self._sync()
        if len(self.articles_):
            has_tickets = self._has_tickets()
            if has_tickets:
                self._sync_tickets()
            self._fit_language_maps()
            self._calibrate_articles()
            if has_tickets and getattr(self, "ranker_", None) is not None:
                self._learn_from_tickets()

    def _sync(self) -> None:
        a = self.articles_
        self._art_pos = {aid: i for i, aid in enumerate(a["id"])}
        groups = pd.Index(pd.unique(a["group_id"]))
        self._group_names = groups
        self._art_group = groups.get_indexer(a["group_id"])
        self._art_lang = a["language"].to_numpy(dtype=object)
        self._art_cols = {c: a[c].to_numpy(dtype=object) for c in ("id", "title", "url", "group_id")}
        self._p_snippet = self.passages_["snippet"].to_numpy(dtype=object)
        p = self.passages_
        self._p_pid = p["pid"].to_numpy(np.int64)
        self._p_vectors: np.ndarray | None = None  # read again at the first query (_passage_vectors)
        self._p_art = np.asarray([self._art_pos[x] for x in p["article_id"]], np.int64)
        self._p_lang = self._art_lang[self._p_art] if len(self._p_art) else np.zeros(0, object)
        # passages of article i: _ap_order[_ap_bounds[i]:_ap_bounds[i + 1]] (in passage order);
        # articles of group g: _ga_order[_ga_bounds[g]:_ga_bounds[g + 1]] (in article order)
        self._ap_order = np.argsort(self._p_art, kind="stable")
        self._ap_bounds = np.searchsorted(self._p_art[self._ap_order], np.arange(len(a) + 1))
        self._ga_order = np.argsort(self._art_group, kind="stable").astype(np.int64)
        self._ga_bounds = np.searchsorted(self._art_group[self._ga_order], np.arange(len(groups) + 1))
        self._lex = lexical.LexicalIndex().fit(p["text"].tolist()) if len(p) else None
        self.languages_ = sorted({x for x in self._art_lang if x})

    def _fit_language_maps(self) -> None:
        """Maps between the base's languages, or their centres (:mod:`cxml.knowledge.crosslingual`).

        The maps come from the article titles; the centres (``language_map="centre"``) from the passages
        and, on the query side, the titles plus the feedback tickets whose language is known.
        """
        self._lang_maps: dict[tuple[str, str], dict[str, Any]] = {}
        self._lang_centres: dict[str, dict[str, Any]] = {}
        self._profiles = None  # the group profiles are built in the centred space: rebuilt when next read
        self._lang_fb_maps: dict[tuple[str, str], np.ndarray] = {}
        self._fb_passages: dict[tuple[str, str], np.ndarray] = {}
        if self.language_map == "none" or len(self.languages_) < 2:
            return
        a = self.articles_
        titles = self._encode_queries(a["title"].astype(str).tolist())
        if self.language_map not in ("centre", "feedback"):
            self._lang_maps = crosslingual.fit_language_maps(titles, list(self._art_lang), list(a["group_id"]),
                                                             self.language_map)
            return
        q_vecs, q_langs = [titles], list(self._art_lang)
        if self._has_tickets():
            assert self.ticket_dense_ is not None  # _has_tickets checked it
            q_vecs.append(self.ticket_dense_.reconstruct(self._t_tid))
            q_langs += self._stored_languages(self.tickets_["language"])
        rows = np.arange(len(self._p_pid))
        if len(rows) > _MAX_CENTRE_PASSAGES:  # a mean of a seeded sample: memory stays flat on big bases
            rows = np.sort(np.random.default_rng(self.random_state).choice(rows, _MAX_CENTRE_PASSAGES, replace=False))
        self._lang_centres = crosslingual.fit_language_centres(self.dense_.reconstruct(self._p_pid[rows]),
                                                               list(self._p_lang[rows]), np.vstack(q_vecs), q_langs)
        if (self.language_map == "feedback" and self._lang_centres and self._has_tickets()
                and len(self._p_pid) <= _MAX_CENTRE_PASSAGES):
            self._fit_feedback_maps(titles, q_vecs[1], q_langs[len(titles):])

    def _fit_feedback_maps(self, titles: np.ndarray, tickets: np.ndarray, t_langs: list[str | None]) -> None:
        """After feedback, a linear map between each pair of languages (:func:`cxml.knowledge.crosslingual.
        fit_feedback_map`) from the feedback tickets and the articles that exist in both; the query's version in
        the other language is its centred vector moved by it."""
        c = self._lang_centres
        tc = crosslingual.centre(titles, list(self._art_lang), c["query"])
        pc = crosslingual.centre(self.dense_.reconstruct(self._p_pid), list(self._p_lang), c["passage"])
        tk = crosslingual.centre(tickets, t_langs, c["query"])
        art_passages = [self._ap_order[self._ap_bounds[i]:self._ap_bounds[i + 1]] for i in range(len(self._art_lang))]
        for a in self.languages_:
            for b in self.languages_:
                if a != b:
                    x, y = crosslingual.feedback_map_pairs(tc, list(self._art_lang), self._art_group, pc, art_passages,
                                                           tk, t_langs, self._t_group, a, b)
                    m = crosslingual.fit_feedback_map(x, y)
                    lacks = ~np.isin(np.arange(len(self._group_names)), self._art_group[self._art_lang == a])
                    if m is not None and lacks.any():  # only for b's articles of groups with no version in a
                        self._lang_fb_maps[(a, b)] = m
                        self._fb_passages[(a, b)] = (self._p_lang == b) & lacks[self._art_group[self._p_art]]

    def _refresh_language_centres(self) -> None:
        """After new feedback tickets: the query centres take them in, and the zero-shot calibration follows."""
        if self.language_map in ("centre", "feedback") and len(self.languages_) >= 2:
            self._fit_language_maps()
            self._calibrate_articles()

    def _mapped_queries(self, qv: np.ndarray, langs: Sequence[str | None] | None) -> list[dict[str, np.ndarray]]:
        """Per query, its version in each other language of the base (none without maps or a language)."""
        out: list[dict[str, np.ndarray]] = [{} for _ in range(len(qv))]
        maps = getattr(self, "_lang_maps", {})
        if not maps or langs is None:
            return out
        for (src, dst), m in maps.items():
            rows = [i for i, lang in enumerate(langs) if lang == src]
            if rows:
                for i, v in zip(rows, crosslingual.map_queries(qv[rows], m), strict=True):
                    out[i][dst] = v
        return out

    # ------------------------------------------------------------------ scoring core
    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder_.encode(texts, role="query")

    def _query_vectors(self, query: Any) -> np.ndarray:
        """The embedding of one query (a text or a ticket), through the one ticket path."""
        _, batch, _ = self._queries([query])
        return batch.embed(self.encoder_, role="query")

    def _query_languages(self, texts: list[str], language: str | None,
                         known: Sequence[str | None] | None = None) -> list[str | None]:
        if language is not None:
            return [language] * len(texts)
        out: list[str | None] = list(known) if known is not None else [None] * len(texts)
        if len(self.languages_) < 2:
            return [lang or (self.languages_[0] if self.languages_ else None) for lang in out]
        from cxml.language import DEFAULT_LANGUAGES, detect_languages

        candidates = tuple(lang for lang in self.languages_ if lang in DEFAULT_LANGUAGES)
        todo = [i for i, lang in enumerate(out) if not lang]
        if todo and len(candidates) >= 2:
            found = detect_languages([texts[i] for i in todo], languages=candidates)
            for i, lang in zip(todo, found, strict=True):
                out[i] = lang
        return out

    def _allowed_articles(self, language: str | None, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        """Boolean mask over articles, or None for all."""
        if not filters:
            return None
        a = self.articles_
        mask = np.ones(len(a), bool)
        for col, want in filters.items():
            if col not in a.columns:
                raise KeyError(f"cannot filter on {col!r}: articles have the columns {list(a.columns)}")
            wants = {str(w) for w in (want if isinstance(want, (list, tuple, set, frozenset)) else [want])}
            vals = a[col].tolist()
            mask &= np.array([bool(wants & {str(x) for x in v}) if isinstance(v, (list, tuple, np.ndarray))
                              else (not is_missing(v) and str(v) in wants) for v in vals], bool)
        return mask

    def _score_batch(self, texts: list[str], qv: np.ndarray, *, n_groups: int,
                     allowed: np.ndarray | None = None,
                     exclude_groups: Sequence[int | None] | None = None,
                     exclude_tickets: Sequence[str | None] | None = None,
                     langs: Sequence[str | None] | None = None,
                     exclude_passages: Sequence[int] | None = None,
                     gap_history: bool = False, per_query: bool = False) -> list[dict[str, np.ndarray]]:
        """Candidate groups and their features for each query.

        Returns, per query, a dict of arrays over candidate groups: ``group``, ``sim`` (best
        passage cosine), ``lex`` (best passage BM25 / coverage), ``art_best`` (best article of
        the group by score, per member article: handled later), and ticket features. ``gap_history``: the past tickets
        of ``exclude_groups`` are left out of the neighbours too (a simulated gap, as a real one, has none). The
        queries are scored together (:mod:`cxml.knowledge.candidates`), to the same values as one at a time
        (``per_query=True``, the reference the tests compare with).
        """
        n_pass = len(self._p_pid)
        k_dense = min(n_pass, max(64, 8 * n_groups))
        allowed_pids = None
        if allowed is not None:
            ok_p = allowed[self._p_art]
            allowed_pids = self._p_pid[ok_p]
        if exclude_groups is not None:
            k_dense = min(n_pass, k_dense + 32)
        qd, d_ids, mapped, extra = self._dense_candidates(qv, langs, k_dense, allowed_pids)
        assert self._lex is not None  # callers need articles, and every article has at least one passage
        toks = self._lex.tokenize_many(texts)  # once for BM25 and the code matches
        lex_scores, lex_norm = self._lex.score(texts, toks)
        lex_scores = lex_scores / np.maximum(lex_norm, 1e-9)[:, None]
        code_scores = self._lex.code_match(texts, toks)
        tick = (self._ticket_neighbours(qv, exclude_tickets, exclude_groups if gap_history else None)
                if self._has_tickets() else None)
        k_lex = min(n_pass, max(32, 4 * n_groups))
        p_ok = allowed[self._p_art] if allowed is not None else None
        if per_query or not self._batchable():
            out = self._features_per_query(qd, d_ids, mapped, extra, lex_scores, code_scores, tick, k_lex=k_lex,
                                           allowed=allowed, p_ok=p_ok, exclude_groups=exclude_groups,
                                           exclude_passages=exclude_passages)
        else:
            out = []
            step = max(1, _BATCH_CELLS // max(n_pass, 1))
            for a in range(0, len(texts), step):
                b = slice(a, a + step)
                out += self._features_batched(
                    qd[b], d_ids[b], mapped[b], extra[b], lex_scores[b], code_scores[b],
                    None if tick is None else tick[b], k_lex=k_lex, allowed=allowed, p_ok=p_ok,
                    exclude_groups=None if exclude_groups is None else exclude_groups[b],
                    exclude_passages=None if exclude_passages is None else exclude_passages[b])
        if tick is not None:  # past-ticket evidence of every query's candidates at once
            done = [i for i, f in enumerate(out) if len(f["group"])]
            found = history.ticket_features_many([tick[i] for i in done], [out[i]["group"] for i in done])
            none = history.no_article_share([tick[i] for i in done])
            prof = profiles.profile_features(
                self._group_profiles(), qd[done], [out[i]["group"] for i in done],
                None if exclude_tickets is None else [exclude_tickets[i] for i in done],
                None if exclude_groups is None or not gap_history else [exclude_groups[i] for i in done])
            for i, t, s, p in zip(done, found, none, prof, strict=True):
                near = float(np.max(tick[i]["sims"])) if len(tick[i]["sims"]) else 0.0  # any past ticket
                out[i].update(t, no_article=np.full(len(out[i]["group"]), s),
                              nearest=np.full(len(out[i]["group"]), near), **p)
        return out

    def _dense_candidates(self, qv: np.ndarray, langs: Sequence[str | None] | None, k: int,
                          allowed_pids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, list[dict[str, np.ndarray]],
                                                                     list[np.ndarray]]:
        """The dense side of retrieval: (query vectors compared with the passages, the ``k`` best passage ids,
        each query's versions in the other languages, and the passage ids those found).

        With language centres (``language_map="centre"``) the query is centred and searched in each language's
        passages; its version in every other language is itself (the passages are centred too), so that their
        missing lexical evidence counts as neutral (:meth:`_group_features`).
        """
        centres = getattr(self, "_lang_centres", {})
        if centres:
            langs = langs if langs is not None else [None] * len(qv)
            qd = crosslingual.centre(qv, langs, centres["query"])
            mapped = [{x: qd[i] for x in self.languages_ if lang and x != lang} for i, lang in enumerate(langs)]
            extra = [np.zeros(0, np.int64)] * len(qv)
            for (a, b), m in getattr(self, "_lang_fb_maps", {}).items():  # learned from feedback: moved, searched
                rows = [i for i, lang in enumerate(langs) if lang == a]
                pids = self._p_pid[self._fb_passages[(a, b)]]
                pids = pids if allowed_pids is None else np.intersect1d(pids, allowed_pids)
                if rows and len(pids):
                    moved = crosslingual.apply_map(qd[rows], m)
                    hits = self._search(self.dense_, moved, min(k, len(pids)), pids)[1]
                    for j, i in enumerate(rows):
                        mapped[i][(a, b)] = moved[j]
                        extra[i] = np.concatenate([extra[i], hits[j]])
            return qd, self._search_each_language(qd, k, allowed_pids), mapped, extra
        mapped = self._mapped_queries(qv, langs)
        extra = [np.concatenate([self._search(self.dense_, v[None, :], k, allowed_pids)[1][0]
                                 for v in m.values()]) if m else np.zeros(0, np.int64) for m in mapped]
        return qv, self._search(self.dense_, qv, k, allowed_pids)[1], mapped, extra

    def _search_each_language(self, qv: np.ndarray, k: int, allowed_pids: np.ndarray | None) -> np.ndarray:
        """Passage ids of the ``k`` best inner products of each passage language, side by side per query."""
        parts = []
        for lang in pd.unique(self._p_lang):
            pids = self._p_pid[self._p_lang == lang]
            if allowed_pids is not None:
                pids = np.intersect1d(pids, allowed_pids)
            if len(pids):
                parts.append(self._search(self.dense_, qv, min(k, len(pids)), pids)[1])
        return np.hstack(parts) if parts else np.full((len(qv), 1), -1, np.int64)

    def _passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        """Stored vectors of passages (rows of ``passages_``): of a base up to ``_MAX_CACHED_BYTES`` of vectors,
        read from the index once (after each change) and kept, not once per query."""
        cache = getattr(self, "_p_vectors", None)
        if cache is None and len(self._p_pid) * self.dense_.dim * 4 <= _MAX_CACHED_BYTES:
            cache = self._p_vectors = self.dense_.reconstruct(self._p_pid)
        return cache[rows] if cache is not None else self.dense_.reconstruct(self._p_pid[rows])

    def _combine_passage(self, sim: np.ndarray, lex: np.ndarray) -> np.ndarray:
        return fusion.standardised(sim, lex, self.calib_, float(self.dense_weight))

    def _fused(self, f: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(ranking key, gate value) per candidate group (see :func:`cxml.knowledge.fusion.fuse`)."""
        return fusion.fuse(f, fusion=self.fusion, dense_weight=float(self.dense_weight), rrf_k=float(self.rrf_k),
                           calib=self.calib_, ranker=getattr(self, "ranker_", None))

    def _strict_score(self, gate: np.ndarray) -> np.ndarray:
        """Share of "no-article" queries whose best match scored lower (what the strict gate reads)."""
        null = np.asarray(self.calib_.get("strict_ref", self.calib_.get("null", [])))
        if not len(null):
            return np.ones_like(gate, dtype=np.float64)
        return fusion.quantile_rank(null, gate)

    def _strict_pass(self, f: dict[str, np.ndarray], gate: np.ndarray) -> np.ndarray:
        """What the strict gate compares with its threshold, per candidate: after feedback the probability that
        the query is answerable with that candidate first (:mod:`cxml.knowledge.answerability`), else the
        no-article quantile of its gate value."""
        model = self.calib_.get("answerable")
        if model is not None and "t_sim" in f and getattr(self, "ranker_", None) is not None:
            return answerability.probability(answerability.candidate_matrix(f, gate, self.calib_), model)
        return self._strict_score(gate)

    def _score(self, f: dict[str, np.ndarray], gate: np.ndarray) -> np.ndarray:
        """The calibrated probability that each candidate answers the query (:mod:`cxml.knowledge.calibration`)."""
        model = self.calib_.get("prob")
        if model is None:  # an artifact written before the probability: its quantile score
            return self._strict_score(gate)
        if "features" not in model:  # an artifact written before the calibration module
            return fusion.probability(gate, model)
        return calibration.probability(self._prob_matrix(f, gate, model["features"]), model)

    def _threshold(self, gate: str | None, min_score: float | None,
                   target_precision: float | None) -> tuple[float, bool]:
        """(threshold, whether it applies to the strict no-article quantile rather than the probability)."""
        if gate is not None and gate not in GATES:
            raise ValueError(f"gate must be one of {', '.join(map(repr, GATES))}, got {gate!r}")
        if target_precision is not None and not 0.0 < float(target_precision) <= 1.0:
            raise ValueError(f"target_precision must be in (0, 1], got {target_precision!r}")
        if min_score is not None:
            return float(min_score), False
        if gate == "agent":
            return 0.0, False
        if gate is None:
            gate = "precision" if target_precision is not None or self.target_precision is not None else "strict"
        if gate == "strict" or "curve" not in self.calib_:
            return float(self.calib_.get("strict", self.threshold_)), True
        target = target_precision if target_precision is not None else self.target_precision
        target = float(0.8 if target is None else target)
        return calibration.threshold_for_precision(self.calib_["curve"], target), False

    # ------------------------------------------------------------------ suggest
    def suggest(self, query: Any, k: int = 5, language: str | None = None,
                filters: Mapping[str, Any] | None = None, min_score: float | None = None,
                target_precision: float | None = None, gate: str | None = None) -> pd.DataFrame:
        """Suggest articles for one ticket or text.

        Parameters
        ----------
        query : str, dict or Series
            A text, or a ticket with ``subject`` / ``body`` (or ``text``).
        k : int, default=5
        language : str, optional
            The query's language (ISO 639-1); detected when None.
        filters : mapping, optional
            Article metadata to match, e.g. ``{"language": "fi", "tags": "payments"}``; a
            list value matches any of its items, a list column (tags) matches on overlap.
        min_score : float, optional
            Probability (``score``) below which a row is dropped, overriding the gate's threshold.
            ``0`` keeps everything.
        target_precision : float, optional
            The precision the shown suggestions should reach (on the calibration sample: feedback
            tickets after :meth:`fit_feedback`, article pseudo-queries before); default the
            constructor's ``target_precision`` (:attr:`threshold_`).
        gate : {"precision", "agent", "strict"}, optional
            Default: ``"precision"`` when a ``target_precision`` is set (here or in the constructor),
            else ``"strict"``. ``"precision"``: rows whose probability reaches the threshold of
            ``target_precision``;
            ``"agent"``: always the top ``k``, each with its probability, for an agent to judge;
            ``"strict"``: the "no good article" gate of :meth:`gap_report`: withheld only when the base
            seems to hold no answer (:meth:`answerable_score` below ``calib_["strict"]``; before feedback,
            ``no_match_rate`` and ``miss_rate``).

        Returns
        -------
        DataFrame
            Columns ``query`` (0), ``rank``, ``article_id``, ``title``, ``url``, ``score`` (the
            calibrated probability that the article answers the query), ``snippet``, ``language``,
            ``group_id``, ``similarity`` (best passage cosine: the raw similarity), ``lexical`` (BM25
            coverage). Empty when no article is good enough, with
            ``result.attrs["no_good_article"] = True``.
        """
        res = self.suggest_many([query], k=k, language=language, filters=filters, min_score=min_score,
                                target_precision=target_precision, gate=gate)
        res.attrs["no_good_article"] = bool(res.attrs["no_good_article"])
        return res

    def suggest_many(self, queries: Any, k: int = 5, language: str | None = None,
                     filters: Mapping[str, Any] | None = None, min_score: float | None = None,
                     batch_size: int = 256, target_precision: float | None = None,
                     gate: str | None = None) -> pd.DataFrame:
        """Suggest articles for many queries (batched encoding and scoring).

        Parameters
        ----------
        queries : list of str, Series of str, DataFrame of tickets or list of dicts
        k, language, filters, min_score, target_precision, gate
            As in :meth:`suggest`.
        batch_size : int, default=256

        Returns
        -------
        DataFrame
            As :meth:`suggest`, ``query`` holding the caller's index label (position for a
            list). ``result.attrs["no_good_article"]`` lists the queries with no row.
        """
        self._check_fitted()
        labels, batch, known = self._queries(queries)
        tickets.check_k(k, "suggest")
        thr, strict = self._threshold(gate, min_score, target_precision)
        allowed = self._allowed_articles(language, filters)
        cols: dict[str, list[Any]] = {c: [] for c in _RESULT_COLUMNS}
        empty: list[Any] = []
        texts = batch.texts
        vectors = batch.embed(self.encoder_, role="query") if len(batch) else None
        for start in range(0, len(texts), batch_size):
            part = texts[start:start + batch_size]
            qv = vectors[start:start + batch_size]
            langs = self._query_languages(part, language, known[start:start + batch_size])
            feats = self._score_batch(part, qv, n_groups=k, allowed=allowed, langs=langs)
            for j, f in enumerate(feats):
                rows = self._rows(f, k, langs[j], thr, strict=strict)
                lab = labels[start + j]
                if not rows:
                    empty.append(lab)
                    continue
                cols["query"].extend([lab] * len(rows))
                for c in _RESULT_COLUMNS[1:]:
                    cols[c].extend(r[c] for r in rows)
        out = pd.DataFrame({c: np.asarray(v, dtype=_RESULT_DTYPES.get(c, object)) for c, v in cols.items()},
                           copy=False)
        out.attrs["no_good_article"] = empty
        out.attrs["threshold"] = thr
        return out

    def answerable_score(self, queries: Any, language: str | None = None, batch_size: int = 256) -> np.ndarray:
        """What the strict gate reads for each query: how likely the base holds its answer at all.

        After :meth:`fit_feedback`: the probability that the query is answerable, with its first suggestion
        (:mod:`cxml.knowledge.answerability`: the ranker's logit and lead, the dense similarity, past tickets'
        votes, their nearest cosine and the share of similar tickets that no article answered); before, the
        quantile of its best match among the calibration queries' best matches. The strict gate (and
        :meth:`gap_report`) withholds a query whose value is below ``calib_["strict"]``.

        Parameters
        ----------
        queries : list of str, Series of str, DataFrame of tickets or list of dicts
        language : str, optional
            The queries' language; detected when None.
        batch_size : int, default=256

        Returns
        -------
        ndarray of float
            One value per query (0 where the base has no candidate for it).
        """
        self._check_fitted()
        _, batch, known = self._queries(queries)
        out = np.zeros(len(batch))
        if not len(batch):
            return out
        vectors = batch.embed(self.encoder_, role="query")
        texts = batch.texts
        for start in range(0, len(texts), batch_size):
            part = texts[start:start + batch_size]
            langs = self._query_languages(part, language, known[start:start + batch_size])
            feats = self._score_batch(part, vectors[start:start + batch_size], n_groups=5, langs=langs)
            for j, f in enumerate(feats):
                if len(f["group"]):
                    key, gate = self._fused(f)
                    out[start + j] = float(self._strict_pass(f, gate)[int(np.argmax(key))])
        return out

    def _queries(self, queries: Any) -> tuple[list[Any], TicketBatch, list[str | None]]:
        """Labels, the scrubbed ticket batch and known languages (a ticket's ``language`` field) of the queries.

        Queries take the one ticket path (:func:`cxml.schema.ticket_batch`): text joined from ``text`` or
        ``subject`` / ``body``, personal data scrubbed before the index sees it. A :class:`TicketBatch` built by
        the caller is used as it is, so its embeddings are shared with the triage heads that read it.
        """
        reject_single_string(queries, "suggest_many()", expected="a list of queries",
                             fix="use suggest(text) or wrap it in a list: [text]")
        if not isinstance(queries, (TicketBatch, pd.DataFrame, pd.Series, np.ndarray)):
            queries = list(queries)
            if any(isinstance(q, (Mapping, pd.Series)) for q in queries):
                bad = [i for i, q in enumerate(queries) if not isinstance(q, (Mapping, pd.Series))]
                if bad:
                    raise InputTypeError(f"suggest_many(): queries mix tickets (dicts) with other values, first "
                                         f"at positions {bad[:5]}; pass all texts or all tickets")
                queries = [dict(q) for q in queries]  # ticket records: ticket_batch reads them
        batch = ticket_batch(queries, what="suggest_many()", require=())
        if batch.empty.any() and batch.column_names:  # ticket records (texts alone are checked elsewhere)
            rows = np.flatnonzero(batch.empty).tolist()
            raise ValidationError(f"a ticket query needs a non-empty 'text', 'subject' or 'body'; "
                                  f"{len(rows)} have none, first at positions {rows[:5]}", column="text", rows=rows)
        labels = list(batch.index) if batch.index is not None else list(range(len(batch)))
        langs: list[str | None] = [None] * len(batch)
        values = batch.column("language")
        if values is not None:
            langs = [str(v).strip().lower() if not is_missing(v) and str(v).strip() else None for v in values]
        return labels, batch, langs

    def _rows(self, f: dict[str, np.ndarray], k: int, lang: str | None, thr: float,
              strict: bool = False) -> list[dict[str, Any]]:
        if not len(f["group"]):
            return []
        key, gate = self._fused(f)
        score = self._score(f, gate)
        passes = self._strict_pass(f, gate) if strict else score
        order = np.argsort(-key, kind="stable")
        order = order[passes[order] >= thr]  # the gate: groups below the threshold are never shown
        a = self._art_cols
        rows: list[dict[str, Any]] = []
        for gj in order:
            members = np.flatnonzero(f["art_group_pos"] == gj)
            if not len(members):
                continue
            arts = f["arts"][members]
            # the query's language first, then by evidence
            member_key = self._combine_passage(f["art_sim"][members], f["art_lex"][members])
            pref = np.array([1 if (lang is not None and self._art_lang[x] == lang) else 0 for x in arts])
            morder = np.lexsort((-member_key, -pref))
            shown = morder[:1] if self.collapse_translations else morder
            for m in shown:
                ai = int(arts[m])
                best = int(f["art_best"][members[m]])
                rows.append({"rank": len(rows) + 1, "article_id": a["id"][ai], "title": a["title"][ai],
                             "url": a["url"][ai], "score": float(score[gj]),
                             "snippet": _snippet(self._p_snippet[best]) if best >= 0 else "",
                             "language": self._art_lang[ai], "group_id": a["group_id"][ai],
                             "similarity": float(f["art_sim"][members[m]]),
                             "lexical": float(f["art_lex"][members[m]])})
                if len(rows) >= k:
                    return rows
        return rows


    # ------------------------------------------------------------------ gaps
    def gap_report(self, tickets: Any, n_topics: int | None = None, n_examples: int = 3,
                   n_keywords: int = 8) -> pd.DataFrame:
        """Topics of tickets that found no good article, ranked by volume.

        Tickets below the calibrated threshold are embedded, clustered (k-means, seeded by
        ``random_state``; ``n_topics`` chosen by silhouette when None) and described by
        c-TF-IDF keywords and the tickets nearest each topic's centre (PII-scrubbed).

        Returns
        -------
        DataFrame
            ``topic``, ``volume``, ``share`` (of all tickets), ``keywords``, ``examples``,
            ``top_reason`` (when tickets have a ``reason``); ``attrs["n_unanswered"]``.
        """
        from cxml.pii import scrub_many
        from cxml.schema import as_tickets

        self._check_fitted()
        t = as_tickets(tickets, require=("text",))
        res = self.suggest_many(t, k=1, gate="strict")
        unanswered = set(res.attrs["no_good_article"])
        mask = np.array([lab in unanswered for lab in t.index])
        if mask.sum() == 0:
            out = pd.DataFrame(columns=gaps.GAP_COLUMNS)
            out.attrs["n_unanswered"] = 0
            return out
        g = t.loc[mask]
        texts = scrub_many(g["text"].astype(str).tolist())
        out = gaps.topic_table(texts, self._encode_queries(texts), g["reason"] if "reason" in g.columns else None,
                               len(t), n_topics=n_topics, n_examples=n_examples, n_keywords=n_keywords,
                               random_state=self.random_state)
        out.attrs["n_unanswered"] = int(mask.sum())
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Save as an artifact directory (see :func:`cxml.save`)."""
        from cxml.persistence import save

        return save(self, path, **kwargs)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn convention)."""
        import inspect

        return {p: getattr(self, p) for p in inspect.signature(type(self).__init__).parameters if p != "self"}

    def set_params(self, **params: Any) -> KnowledgeBase:
        """Set constructor parameters (scikit-learn convention)."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"invalid parameter {k!r} for KnowledgeBase; valid: {sorted(valid)}")
            setattr(self, k, v)
        return self

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        return store.write_state(self, directory)

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: Sequence[str]) -> KnowledgeBase:
        return store.read_state(cls, directory, manifest)


def _snippet(text: str, n: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"
