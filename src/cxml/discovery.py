"""Reason discovery: clusters of tickets, described by keywords, that may be contact reasons.

:func:`discover_reasons` embeds tickets, clusters them (k-means, deterministic) and describes
each cluster with c-TF-IDF keywords, its size and the tickets nearest its centre. Unlike
BERTopic, no ticket is left out as noise (-1): every ticket gets a cluster and a membership
score, and tickets that fit their cluster poorly are only *flagged* as outliers.
:meth:`ReasonDiscovery.assign` places new tickets in the same clusters by the same rule, and
:meth:`ReasonDiscovery.compare_with` holds the clusters against an existing label column: how
pure each cluster is, and which clusters the labels do not explain (a new reason hiding in
labelled data).

Features
--------
Tickets are represented by an encoder's embedding (``encoder``, as in :mod:`cxml.encoders`)
next to a lexical block (TF-IDF of stemmed words reduced by truncated SVD, i.e. LSA), each
L2-normalised. Greeting, sign-off and signature lines are left out of both, and
per-language means are subtracted from both blocks (``center_languages``), so that the
language a ticket is written in weighs less than what it is about (on the demo data this
raises the agreement of e5-small clusters with the agents' reasons from 0.26 to 0.33 ARI).

Examples
--------
>>> import cxml
>>> from cxml.discovery import discover_reasons
>>> data = cxml.make_webshop(300, seed=0)
>>> found = discover_reasons(data.tickets, n_reasons=8, encoder="hash")
>>> found.clusters[["label", "size"]].shape
(8, 2)
>>> found.assignments[["cluster", "membership", "outlier"]].shape[0]
300
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from cxml import encoders
from cxml.checks import reject_single_string
from cxml.encoders import resolve_spec
from cxml.io import to_markdown
from cxml.knowledge.retrieval import STOP_WORDS, ctfidf_keywords, tokenize
from cxml.language import detect_languages
from cxml.schema import as_tickets

__all__ = ["discover_reasons", "ReasonDiscovery", "LabelComparison"]

logger = logging.getLogger(__name__)

_FEATURES = ("hybrid", "embedding", "lexical")
#: Languages with fewer tickets than this are centred with the overall mean.
MIN_LANGUAGE_TICKETS = 10
#: Dimensions of the lexical (LSA) block.
LSA_DIM = 50
#: Tickets over which silhouettes are computed when choosing the number of clusters.
SILHOUETTE_SAMPLE = 3000


#: Greetings, sign-offs and politeness of Finnish and English customer messages: frequent in every
#: reason, so left out of the words that describe clusters (they would otherwise group tickets by style).
BOILERPLATE: frozenset[str] = frozenset("""
dear customer service hello hi hey hiya there good morning afternoon evening sir madam whom concern kind best
regards sincerely thanks thank thx cheers advance looking forward reply many lot please asap urgent regards
greetings chat conversation ty hyvä asiakaspalvelu hei moi moikka heippa terve vaan hyvää päivää arvoisa
ystävällisin terveisin kiitos kiitti kiitoksia etukäteen vastauksesta odotan vastaustanne ystävällisesti paljon
kiireellinen kiire mukavaa päivänjatkoa keskustelu vastatkaa mahdollisimman pian t message viesti facebook
instagram messenger whatsapp
""".split())
_BOILERPLATE_STEMS = frozenset(t for w in BOILERPLATE for t in tokenize(w))
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_BOILERPLATE_RE = re.compile(r"(?<![^\W_])(?:" + "|".join(sorted(map(re.escape, BOILERPLATE), key=len, reverse=True))
                             + r")(?![^\W_])", re.IGNORECASE)


def _lexical_tokens(text: str) -> list[str]:
    """Stemmed word tokens without numbers (order numbers, amounts) and boilerplate."""
    return [t for t in tokenize(text) if t not in _BOILERPLATE_STEMS and not any(c.isdigit() for c in t)]


def _strip_boilerplate(text: str) -> str:
    """Drop the lines that hold only greetings and sign-offs ("Dear customer service,", "Terveisin"),
    and a signature: a last line of one to three capitalised words ("Pekka Virtanen")."""
    kept = []
    for line in text.splitlines():
        words = [w.lower() for w in _WORD.findall(line)]
        if words and all(w in BOILERPLATE or w in STOP_WORDS for w in words):
            continue
        kept.append(line)
    while len(kept) > 1 and (not kept[-1].strip() or _is_signature(kept[-1])):
        kept.pop()
    out = "\n".join(kept).strip()
    return out or text


def _is_signature(line: str) -> bool:
    """One to three capitalised words and nothing else ("Pekka Virtanen", "t. Olli"): a name."""
    words = line.split()
    if words[:1] == ["t."]:
        words = words[1:]
    return 1 <= len(words) <= 3 and all(w[0].isupper() and w.replace("-", "").replace("'", "").isalpha()
                                        for w in words)


def _keyword_text(text: str) -> str:
    """The text c-TF-IDF keywords are taken from: greeting, sign-off and signature lines and
    boilerplate words removed."""
    return _BOILERPLATE_RE.sub(" ", _strip_boilerplate(text))


def _normalize(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


# =========================================================================== featurizer
class _Featurizer:
    """Embedding + LSA blocks with per-language centring, fitted on the discovery tickets."""

    def __init__(self, features: str, encoder: str, center_languages: bool, random_state: int) -> None:
        self.features = features
        self.encoder = encoder
        self.center_languages = center_languages
        self.random_state = random_state

    def fit_transform(self, texts: list[str], languages: list[str | None]) -> np.ndarray:
        blocks = []
        self.encoder_spec_: str | None = None
        if self.features in ("hybrid", "embedding"):
            self.encoder_spec_ = resolve_spec(self.encoder, texts)
            if self.encoder_spec_ == "tfidf":
                raise ValueError("discover_reasons: encoder='tfidf' is not an embedding; use features='lexical' "
                                 "for word features only")
            blocks.append(self._embed(texts))
        self.tfidf_: Any = None
        self.svd_: Any = None
        if self.features in ("hybrid", "lexical"):
            blocks.append(self._fit_lexical(texts))
        self.means_: list[dict[str, np.ndarray]] = []
        self.global_means_: list[np.ndarray] = []
        counts = pd.Series([lang for lang in languages if lang], dtype=object).value_counts()
        self.languages_ = sorted(str(k) for k, v in counts.items() if v >= MIN_LANGUAGE_TICKETS)
        langs = np.asarray([lang if lang in self.languages_ else "" for lang in languages], dtype=object)
        out: list[np.ndarray] = []
        for B in blocks:
            means = {}
            if self.center_languages:
                for lang in self.languages_:
                    means[lang] = B[langs == lang].mean(axis=0)
            self.means_.append(means)
            self.global_means_.append(B.mean(axis=0) if self.center_languages else np.zeros(B.shape[1]))
            out.append(self._center(B, langs, len(out)))
        return self._combine(out)

    def transform(self, texts: list[str], languages: list[str | None]) -> np.ndarray:
        blocks = []
        if self.encoder_spec_ is not None:
            blocks.append(self._embed(texts))
        if self.tfidf_ is not None:
            blocks.append(self._lexical(texts))
        langs = np.asarray([lang if lang in self.languages_ else "" for lang in languages], dtype=object)
        return self._combine([self._center(B, langs, i) for i, B in enumerate(blocks)])

    # ------------------------------------------------------------------ blocks
    def _embed(self, texts: list[str]) -> np.ndarray:
        enc = encoders.load(str(self.encoder_spec_))
        return _normalize(np.asarray(enc.encode([_strip_boilerplate(t) for t in texts]), dtype=np.float64))

    def _fit_lexical(self, texts: list[str]) -> np.ndarray:
        min_df = 2 if len(texts) >= 20 else 1
        self.tfidf_ = TfidfVectorizer(analyzer=_lexical_tokens, sublinear_tf=True, min_df=min_df, max_df=0.5,
                                      dtype=np.float64)
        try:
            T = self.tfidf_.fit_transform(texts)
        except ValueError:  # no words at all (e.g. only numbers)
            self.tfidf_ = None
            return np.zeros((len(texts), 1))
        dim = min(LSA_DIM, T.shape[1] - 1, len(texts) - 1)
        if dim >= 2:
            self.svd_ = TruncatedSVD(dim, random_state=self.random_state).fit(T)
        return self._lexical(texts)

    def _lexical(self, texts: list[str]) -> np.ndarray:
        T = self.tfidf_.transform(texts)
        Z = self.svd_.transform(T) if self.svd_ is not None else T.toarray()
        return _normalize(Z)

    def _center(self, B: np.ndarray, langs: np.ndarray, block: int) -> np.ndarray:
        if not self.center_languages:
            return B
        blank = ~B.any(axis=1)  # no known word: stays blank rather than pointing away from the mean
        B = B - self.global_means_[block]
        for lang, mean in self.means_[block].items():
            rows = langs == lang
            B[rows] += self.global_means_[block] - mean
        B[blank] = 0.0
        return _normalize(B)

    @staticmethod
    def _combine(blocks: list[np.ndarray]) -> np.ndarray:
        if len(blocks) == 1:
            return blocks[0]
        return _normalize(np.hstack(blocks))

    def describe(self) -> str:
        parts = []
        if self.encoder_spec_ is not None:
            parts.append(f"encoder '{self.encoder_spec_}'")
        if self.tfidf_ is not None:
            parts.append(f"LSA of stemmed words ({len(self.tfidf_.vocabulary_)} terms)")
        centred = f", centred per language ({', '.join(self.languages_)})" if self.center_languages else ""
        return " + ".join(parts) + centred


# =========================================================================== clustering
def _kmeans(X: np.ndarray, k: int, random_state: int) -> np.ndarray:
    """k-means centres, L2-normalised (spherical assignment by cosine)."""
    km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(X)
    return _normalize(km.cluster_centers_)


def _nearest(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    S = X @ centroids.T
    idx = np.argmax(S, axis=1)
    return idx, S[np.arange(len(X)), idx]


def _select_clusters(X: np.ndarray, n_clusters: int | None, *, k_range: tuple[int, int] = (2, 20),
                    min_cluster_size: int = 5, random_state: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """k-means with the number of clusters chosen by silhouette (deterministic).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        L2-normalised rows.
    n_clusters : int or None
        Fixed number of clusters; None chooses it from ``k_range``.
    k_range : (int, int), default=(2, 20)
        Smallest and largest number of clusters tried (clipped to what ``n`` allows).
    min_cluster_size : int, default=5
        A candidate whose smallest cluster is smaller is not chosen (unless none qualifies).
    random_state : int, default=0

    Returns
    -------
    centroids : ndarray of shape (k, d)
        L2-normalised, ordered by cluster size (largest first).
    labels : ndarray of shape (n,)
        Nearest centroid (cosine) of each row.
    selection : DataFrame
        One row per candidate: ``k``, ``silhouette``, ``smallest``, ``chosen``.
    """
    n = len(X)
    if n < 2:
        C = _normalize(X[:1]) if n else np.zeros((0, X.shape[1]))
        return C, np.zeros(n, dtype=np.int64), pd.DataFrame(columns=["k", "silhouette", "smallest", "chosen"])
    if n_clusters is not None:
        candidates = [max(1, min(int(n_clusters), n))]
    else:
        lo, hi = int(k_range[0]), int(k_range[1])
        hi = max(2, min(hi, n - 1))
        candidates = list(range(max(2, min(lo, hi)), hi + 1))
    rows = []
    fits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    sample = min(n, SILHOUETTE_SAMPLE)
    for k in candidates:
        C = _kmeans(X, k, random_state)
        labels, _ = _nearest(X, C)
        C, labels = _order(X, C, labels)
        fits[k] = (C, labels)
        sizes = np.bincount(labels, minlength=len(C))
        sil = float("nan")
        if len(candidates) > 1 and 1 < len(C) < n:
            sil = float(silhouette_score(X, labels, metric="cosine", sample_size=sample if sample < n else None,
                                         random_state=random_state))
        rows.append({"k": len(C), "silhouette": sil, "smallest": int(sizes.min()), "chosen": False})
    table = pd.DataFrame(rows)
    ok = table[table["smallest"] >= min_cluster_size]
    pool = ok if len(ok) else table.iloc[:1]
    pick = int(pool["silhouette"].fillna(-np.inf).to_numpy().argmax()) if len(pool) > 1 else 0
    chosen_row = pool.index[pick]
    table.loc[chosen_row, "chosen"] = True
    best = fits[candidates[table.index.get_loc(chosen_row)]]
    return best[0], best[1], table


def _order(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop empty clusters and number the rest by size, largest first (ties: first member)."""
    sizes = np.bincount(labels, minlength=len(C))
    keep = np.flatnonzero(sizes > 0)
    first = np.array([np.flatnonzero(labels == c)[0] for c in keep])
    order = keep[np.lexsort((first, -sizes[keep]))]
    C = C[order]
    labels, _ = _nearest(X, C)
    return C, labels


# =========================================================================== results
@dataclass
class LabelComparison:
    """How discovered clusters map to an existing label column.

    Attributes
    ----------
    clusters : DataFrame
        One row per cluster: ``label`` (keywords), ``size``, ``top_label``, ``purity`` (share of
        the top label), ``top_label_recall`` (share of the top label's tickets in this cluster),
        ``label_mix`` (the three most common labels with shares), ``information`` (bits: how far
        the cluster's label mix is from the overall mix, a Kullback-Leibler divergence),
        ``label_entropy`` (0 = one label, 1 = as mixed as all tickets), ``explained`` and
        ``why``.
    labels : DataFrame
        One row per existing label: ``size``, ``top_cluster``, ``top_cluster_share``,
        ``n_clusters`` (clusters holding at least 10 % of the label).
    crosstab : DataFrame
        Ticket counts, clusters as rows, labels as columns.
    adjusted_rand, nmi, purity : float
        Agreement of clusters and labels (ARI, normalised mutual information, weighted purity).
    unexplained : list of int
        Clusters the labels do not explain: candidates for a new reason.
    """

    clusters: pd.DataFrame
    labels: pd.DataFrame
    crosstab: pd.DataFrame
    adjusted_rand: float
    nmi: float
    purity: float
    unexplained: list[int] = field(default_factory=list)

    def to_markdown(self) -> str:
        """A Markdown summary: agreement, then the clusters (unexplained first)."""
        head = (f"Clusters vs labels: adjusted Rand {self.adjusted_rand:.3f}, NMI {self.nmi:.3f}, "
                f"purity {self.purity:.3f}.")
        if self.unexplained:
            head += f" Not explained by the labels: cluster(s) {', '.join(map(str, self.unexplained))}."
        t = self.clusters.reset_index()
        t["order"] = ~t["explained"]
        t = t.sort_values(["order", "size"], ascending=[False, False], kind="stable").drop(columns="order")
        cols = ["cluster", "label", "size", "top_label", "purity", "label_entropy", "label_mix", "explained"]
        return head + "\n\n" + to_markdown(t[cols])


class ReasonDiscovery:
    """Discovered ticket clusters; made by :func:`discover_reasons`.

    Attributes
    ----------
    clusters : DataFrame
        Indexed by ``cluster`` (0 = largest): ``label`` (top keywords joined by " / "),
        ``keywords`` (list, c-TF-IDF, best first), ``size``, ``share``, ``mean_membership``,
        ``n_outliers``, ``outlier_threshold``, ``examples`` (PII-scrubbed texts nearest the
        centre).
    assignments : DataFrame
        One row per ticket, the caller's index: ``id``, ``cluster``, ``label``, ``membership``
        (cosine similarity to the cluster's centre), ``outlier`` (membership below the
        cluster's threshold; the ticket still belongs to its nearest cluster).
    n_reasons : int
    selection : DataFrame
        Candidates tried when the number of clusters was chosen: ``k``, ``silhouette``,
        ``smallest``, ``chosen`` (one row when ``n_reasons`` was given).
    features : str
        What the tickets were represented by.
    centroids : ndarray of shape (n_reasons, d)
    """

    def __init__(self, *, clusters: pd.DataFrame, assignments: pd.DataFrame, centroids: np.ndarray,
                 selection: pd.DataFrame, featurizer: _Featurizer, thresholds: np.ndarray, scrub_pii: bool,
                 tickets: pd.DataFrame) -> None:
        self.clusters = clusters
        self.assignments = assignments
        self.centroids = centroids
        self.selection = selection
        self.n_reasons = int(len(centroids))
        self._featurizer = featurizer
        self._thresholds = thresholds
        self._scrub_pii = scrub_pii
        self._tickets = tickets
        self.features = featurizer.describe()

    def __repr__(self) -> str:
        return (f"ReasonDiscovery(n_reasons={self.n_reasons}, tickets={len(self.assignments)}, "
                f"outliers={int(self.assignments['outlier'].sum())})")

    # ------------------------------------------------------------------ assign
    def assign(self, tickets: Any, columns: dict[str, Any] | None = None) -> pd.DataFrame:
        """Place new tickets in the discovered clusters (nearest centre, same outlier rule).

        Parameters
        ----------
        tickets : DataFrame, Series or list of str
        columns : dict, optional
            Column mapping for :func:`cxml.schema.as_tickets`.

        Returns
        -------
        DataFrame
            As :attr:`assignments`: ``id``, ``cluster``, ``label``, ``membership``, ``outlier``,
            with the caller's index.
        """
        frame, texts, langs, empty = _prepare(tickets, columns, scrub_pii=self._scrub_pii,
                                              detect=self._featurizer.center_languages and bool(self._featurizer.languages_))
        X = self._featurizer.transform(texts, langs)
        idx, sim = _nearest(X, self.centroids)
        return self._frame(frame, idx, sim, empty)

    def _frame(self, frame: pd.DataFrame, idx: np.ndarray, sim: np.ndarray, empty: np.ndarray) -> pd.DataFrame:
        outlier = (sim < self._thresholds[idx]) | empty
        labels = self.clusters["label"].to_numpy()
        return pd.DataFrame({"id": frame["id"].to_numpy(), "cluster": idx.astype(np.int64),
                             "label": labels[idx] if len(idx) else np.array([], dtype=object),
                             "membership": sim.astype(np.float64), "outlier": outlier}, index=frame.index)

    # ------------------------------------------------------------------ compare
    def compare_with(self, labels: Any, *, min_purity: float = 0.5, max_entropy: float = 0.85,
                     min_size: int = 5) -> LabelComparison:
        """Compare the clusters with an existing label column (e.g. the agents' ``reason``).

        A cluster is *explained* by the labels when its most common label covers at least
        ``min_purity`` of it, or when a few labels dominate it: its ``label_entropy`` (entropy
        of its label mix divided by the entropy of all tickets' label mix; 0 = one label,
        1 = as mixed as all tickets) stays below ``max_entropy``. A cluster whose tickets carry
        labels about as mixed as all tickets do is one the labels say nothing about: the agents
        had no fitting label and spread it over several, which is what a new contact reason
        looks like in labelled data (or a cluster of style rather than topic: read the
        keywords). A new reason that agents consistently filed under one existing label looks
        *explained*; look for labels split over several clusters in
        :attr:`LabelComparison.labels`.

        Parameters
        ----------
        labels : str, Series or array-like
            A column name of the tickets given to :func:`discover_reasons`, a Series aligned
            with their index, or one label per ticket in their order. Missing labels are left
            out.
        min_purity : float, default=0.5
        max_entropy : float, default=0.85
        min_size : int, default=5
            Clusters with fewer labelled tickets are never reported as unexplained.

        Returns
        -------
        LabelComparison
        """
        y = self._labels(labels)
        known = y.notna().to_numpy()
        if not known.any():
            raise ValueError("compare_with: every label is missing")
        clusters = self.assignments["cluster"].to_numpy()[known]
        yk = y.to_numpy()[known].astype(str)
        ct = pd.crosstab(pd.Series(clusters, name="cluster"), pd.Series(yk, name="label"))
        ct = ct.reindex(range(self.n_reasons), fill_value=0)
        prior = ct.sum(axis=0).to_numpy(dtype=np.float64)
        prior = prior / prior.sum()
        h_all = float(-np.sum(np.where(prior > 0, prior * np.log(np.where(prior > 0, prior, 1)), 0.0)))
        rows = []
        unexplained = []
        for c, counts in ct.iterrows():
            n_c = int(counts.sum())
            if n_c == 0:
                rows.append({"cluster": c, "label": self.clusters.loc[c, "label"], "size": 0, "top_label": None,
                             "purity": float("nan"), "top_label_recall": float("nan"), "label_mix": "",
                             "information": float("nan"), "label_entropy": float("nan"), "explained": True,
                             "why": "no labelled tickets"})
                continue
            p = counts.to_numpy(dtype=np.float64) / n_c
            info = float(np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1) / prior), 0.0)))
            entropy = float(-np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0.0)))
            label_entropy = entropy / h_all if h_all > 0 else 0.0
            top = counts.idxmax()
            purity = float(p.max())
            recall = float(counts[top] / ct[top].sum())
            order = np.argsort(-p, kind="stable")[:3]
            mix = ", ".join(f"{ct.columns[j]} {p[j]:.0%}" for j in order if p[j] > 0)
            explained = purity >= min_purity or label_entropy < max_entropy or n_c < min_size
            if n_c < min_size:
                why = f"too few labelled tickets ({n_c}) to tell"
            elif purity >= min_purity:
                why = f"mostly '{top}' ({purity:.0%})"
            elif label_entropy < max_entropy:
                why = f"a mix of a few labels ({mix})"
            else:
                why = (f"labels about as mixed as in all tickets (label entropy {label_entropy:.2f}; most "
                       f"common '{top}' {purity:.0%}): no existing label fits")
                unexplained.append(int(c))
            rows.append({"cluster": int(c), "label": self.clusters.loc[c, "label"], "size": n_c, "top_label": top,
                         "purity": purity, "top_label_recall": recall, "label_mix": mix, "information": info,
                         "label_entropy": label_entropy, "explained": explained, "why": why})
        table = pd.DataFrame(rows).set_index("cluster")
        by_label = []
        for lab in ct.columns:
            col = ct[lab]
            share = col / max(col.sum(), 1)
            by_label.append({"label": lab, "size": int(col.sum()), "top_cluster": int(col.idxmax()),
                             "top_cluster_share": float(share.max()), "n_clusters": int((share >= 0.1).sum())})
        label_table = pd.DataFrame(by_label).set_index("label").sort_values("size", ascending=False, kind="stable")
        purity_all = float(ct.max(axis=1).sum() / ct.to_numpy().sum())
        return LabelComparison(clusters=table, labels=label_table, crosstab=ct,
                               adjusted_rand=float(adjusted_rand_score(yk, clusters)),
                               nmi=float(normalized_mutual_info_score(yk, clusters)), purity=purity_all,
                               unexplained=unexplained)

    def _labels(self, labels: Any) -> pd.Series:
        index = self.assignments.index
        if isinstance(labels, str):
            if labels not in self._tickets.columns:
                raise KeyError(f"compare_with: {labels!r} is not a column of the discovery tickets (columns: "
                               f"{[c for c in self._tickets.columns if c != 'text'][:20]}); pass the labels "
                               "themselves instead")
            return pd.Series(self._tickets[labels].to_numpy(), index=index)
        if isinstance(labels, pd.Series):
            if labels.index.equals(index):
                return labels
            if len(labels) == len(index) and not set(index).issubset(set(labels.index)):
                return pd.Series(labels.to_numpy(), index=index)
            return labels.reindex(index)
        values = list(labels)
        if len(values) != len(index):
            raise ValueError(f"compare_with: got {len(values)} labels for {len(index)} tickets")
        return pd.Series(values, index=index, dtype=object)

    # ------------------------------------------------------------------ report
    def examples(self, cluster: int, n: int = 5) -> list[str]:
        """The ``n`` tickets nearest the centre of ``cluster`` (PII-scrubbed)."""
        a = self.assignments
        rows = np.flatnonzero(a["cluster"].to_numpy() == cluster)
        best = rows[np.argsort(-a["membership"].to_numpy()[rows], kind="stable")[:n]]
        return [self._tickets["text"].iloc[i] for i in best]

    def to_markdown(self, n_examples: int = 1) -> str:
        """The clusters as a Markdown table (keywords, size, share, outliers, an example)."""
        t = self.clusters.reset_index()
        t["example"] = [(" ".join(ex[0].split())[:120] if ex else "") for ex in t["examples"]]
        cols = ["cluster", "label", "size", "share", "n_outliers", "example"]
        head = (f"{self.n_reasons} clusters of {len(self.assignments)} tickets "
                f"({int(self.assignments['outlier'].sum())} flagged as outliers); features: {self.features}.")
        return head + "\n\n" + to_markdown(t[cols])


# =========================================================================== main entry
def _prepare(tickets: Any, columns: dict[str, Any] | None, *, scrub_pii: bool, detect: bool
             ) -> tuple[pd.DataFrame, list[str], list[str | None], np.ndarray]:
    reject_single_string(tickets, "discover_reasons()", expected="a list of texts or a ticket DataFrame")
    frame = as_tickets(tickets, columns, allow_empty_text=True, scrub_pii=scrub_pii)
    texts = [str(t) for t in frame["text"].tolist()]
    empty = frame["empty_text"].to_numpy(dtype=bool)
    if "language" in frame.columns:
        langs: list[str | None] = [None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                                   else str(v).strip().lower()[:2] or None for v in frame["language"].tolist()]
    elif detect:
        langs = detect_languages(texts)
    else:
        langs = [None] * len(texts)
    return frame, texts, langs, empty


def discover_reasons(tickets: Any, n_reasons: int | None = None, encoder: str = "auto", random_state: int = 0, *,
                     columns: dict[str, Any] | None = None, features: str = "hybrid",
                     k_range: tuple[int, int] = (2, 20), min_cluster_size: int | None = None,
                     center_languages: bool = True, outlier_share: float = 0.02, n_keywords: int = 8,
                     n_examples: int = 3, scrub_pii: bool = True) -> ReasonDiscovery:
    """Cluster tickets into candidate contact reasons, each described by keywords and examples.

    Parameters
    ----------
    tickets : DataFrame, Series or list of str
        Tickets (a DataFrame goes through :func:`cxml.schema.as_tickets`). Labels are not
        needed; a ``language`` column is used when present, else languages are detected.
    n_reasons : int, optional
        Number of clusters. None chooses it by silhouette (cosine) over ``k_range``, among
        the candidates whose smallest cluster has at least ``min_cluster_size`` tickets.
    encoder : str, default="auto"
        Encoder spec (:mod:`cxml.encoders`): ``"auto"`` (multilingual e5-small unless all
        texts are English), ``"e5-small"``, ``"minilm"``, ``"hash"`` (fast, lexical only: for
        tests), a model folder. Ignored with ``features="lexical"``.
    random_state : int, default=0
        Seed of k-means and the SVD: the same tickets and settings give the same clusters.
    columns : dict, optional
        Column mapping for :func:`cxml.schema.as_tickets`, e.g. ``{"text": ["title", "body"]}``.
    features : {"hybrid", "embedding", "lexical"}, default="hybrid"
        The encoder's embedding next to LSA of stemmed words, the embedding alone, or the
        words alone.
    k_range : (int, int), default=(2, 20)
        Numbers of clusters tried when ``n_reasons`` is None.
    min_cluster_size : int, optional
        Default: 1 % of the tickets, at least 5.
    center_languages : bool, default=True
        Subtract each language's mean vector, so clusters follow topics rather than languages.
    outlier_share : float, default=0.02
        Share of the tickets flagged as outliers: those whose membership falls furthest below
        their cluster's median membership (the distances pooled over clusters). The same
        per-cluster thresholds flag new tickets in :meth:`ReasonDiscovery.assign`. Outliers
        keep their cluster.
    n_keywords : int, default=8
        c-TF-IDF keywords per cluster.
    n_examples : int, default=3
        Example tickets (nearest the centre) per cluster.
    scrub_pii : bool, default=True
        Remove personal data from the texts first (examples and keywords are shown to people).

    Returns
    -------
    ReasonDiscovery

    Notes
    -----
    Silhouettes of real ticket embeddings are low (0.03-0.1) and often keep rising with the
    number of clusters: the automatic choice is a starting point, and ``selection`` shows
    the whole curve. For a fixed granularity, pass ``n_reasons``.

    Measured on the demo data (600 tickets + 40 planted about a new topic): adjusted Rand
    index against the agents' reasons 0.23 with ``encoder="hash"`` and 0.33 with
    ``"e5-small"`` (shuffled labels: 0.00); per-language centring raises e5's from 0.26. A
    new topic written in both languages tends to form one cluster per language, even with
    e5-small: the word block does not cross languages.
    """
    if features not in _FEATURES:
        raise ValueError(f"discover_reasons: features must be one of {_FEATURES}, got {features!r}")
    if n_reasons is not None and (isinstance(n_reasons, bool) or not isinstance(n_reasons, (int, np.integer))
                                  or n_reasons < 1):
        raise ValueError(f"discover_reasons: n_reasons must be a positive integer or None, got {n_reasons!r}")
    if not isinstance(encoder, str) or not encoder.strip():
        raise ValueError(f"discover_reasons: encoder must be a spec string such as 'auto' or 'hash', got {encoder!r}")
    if not 0 <= outlier_share < 0.5:
        raise ValueError(f"discover_reasons: outlier_share must be in [0, 0.5), got {outlier_share!r}")
    lo, hi = k_range
    if not (1 <= int(lo) <= int(hi)):
        raise ValueError(f"discover_reasons: k_range must be (low, high) with 1 <= low <= high, got {k_range!r}")
    seed = int(random_state) if random_state is not None else 0
    frame, texts, langs, empty = _prepare(tickets, columns, scrub_pii=scrub_pii, detect=center_languages)
    n = len(texts)
    if n == 0:
        raise ValueError("discover_reasons: no tickets")
    if min_cluster_size is None:
        min_cluster_size = max(5, math.ceil(0.01 * n))
    featurizer = _Featurizer(features, encoder, center_languages, seed)
    X = featurizer.fit_transform(texts, langs)
    centroids, idx, selection = _select_clusters(X, n_reasons, k_range=(int(lo), int(hi)),
                                                min_cluster_size=int(min_cluster_size), random_state=seed)
    _, sim = _nearest(X, centroids)
    k = len(centroids)
    # outliers: membership furthest below the cluster's median (shortfalls pooled over clusters)
    medians = np.array([np.median(sim[idx == c]) for c in range(k)])
    shortfall = float(np.quantile(sim - medians[idx], outlier_share)) if outlier_share > 0 else -np.inf
    thresholds = medians + min(shortfall, 0.0)
    kw = ctfidf_keywords([_keyword_text(t) for t in texts], idx.tolist(), n_words=n_keywords)
    rows = []
    outlier = (sim < thresholds[idx]) | empty
    for c in range(k):
        members = np.flatnonzero(idx == c)
        near = members[np.argsort(-sim[members], kind="stable")[:n_examples]]
        words = kw.get(c, [])
        rows.append({"cluster": c, "label": " / ".join(words[:3]) if words else f"cluster {c}", "keywords": words,
                     "size": int(len(members)), "share": len(members) / n,
                     "mean_membership": float(sim[members].mean()), "n_outliers": int(outlier[members].sum()),
                     "outlier_threshold": float(thresholds[c]), "examples": [texts[i] for i in near]})
    clusters = pd.DataFrame(rows).set_index("cluster")
    result = ReasonDiscovery(clusters=clusters, assignments=pd.DataFrame(), centroids=centroids,
                             selection=selection, featurizer=featurizer, thresholds=thresholds,
                             scrub_pii=scrub_pii, tickets=frame)
    result.assignments = result._frame(frame, idx, sim, empty)
    logger.info("discover_reasons: %d clusters of %d tickets (%d outliers)", k, n, int(outlier.sum()))
    return result
