"""Knowledge gaps: tickets that found no good article, clustered into topics and described by keywords.

scikit-learn is imported inside the functions that use it (loaded on first use).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cxml.knowledge.lexical import STOP_WORDS

__all__ = ["GAP_COLUMNS", "ctfidf_keywords", "cluster", "topic_table"]

GAP_COLUMNS = ["topic", "volume", "share", "keywords", "examples", "top_reason"]

def ctfidf_keywords(docs: Sequence[str], labels: Sequence[int] | np.ndarray,
                    n_words: int = 8) -> dict[int, list[str]]:
    """Class-based TF-IDF keywords (as in BERTopic): words frequent in a topic, rare elsewhere.

    Parameters
    ----------
    docs : sequence of str
    labels : sequence of int
        Topic of each document.
    n_words : int, default=8

    Returns
    -------
    dict
        Topic -> keywords, best first.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(labels)
    topics = sorted(set(labels.tolist()))
    docs = [re.sub(r"\[[A-Z]+\]", " ", d) for d in docs]  # PII placeholders are not topics
    joined = [" ".join(d for d, lab in zip(docs, labels, strict=True) if lab == t) for t in topics]
    stop = sorted(STOP_WORDS)
    vec = CountVectorizer(token_pattern=r"(?u)\b[^\W\d_][^\W_]{2,}\b", stop_words=stop, lowercase=True)
    try:
        tf = vec.fit_transform(joined).astype(np.float64)
    except ValueError:  # empty vocabulary
        return {t: [] for t in topics}
    words = np.asarray(vec.get_feature_names_out())
    counts = np.asarray(tf.sum(axis=0)).ravel()  # f_t: frequency of each word over all topics
    avg = float(tf.sum()) / max(len(topics), 1)  # A: average number of words per topic
    tf = sp.csr_matrix(tf.multiply(1.0 / np.maximum(tf.sum(axis=1), 1)))
    idf = np.log(1.0 + avg / np.maximum(counts, 1))
    scores = tf.multiply(idf).toarray()
    out = {}
    for row, t in enumerate(topics):
        best = np.argsort(-scores[row], kind="stable")[:n_words]
        out[t] = [str(words[j]) for j in best if scores[row, j] > 0]
    return out




def cluster(X: np.ndarray, n_topics: int | None, random_state: int) -> np.ndarray:
    """k-means on embeddings; the number of topics by silhouette when not given."""
    from sklearn.cluster import KMeans

    n = len(X)
    if n < 3:
        return np.zeros(n, np.int64)
    if n_topics is not None:
        k = max(1, min(int(n_topics), n))
        return KMeans(k, n_init=4, random_state=random_state).fit_predict(X).astype(np.int64)
    from sklearn.metrics import silhouette_score

    best, best_s = np.zeros(n, np.int64), -1.0
    for k in range(2, min(12, n - 1) + 1):
        lab = KMeans(k, n_init=4, random_state=random_state).fit_predict(X)
        if len(set(lab.tolist())) < 2:
            continue
        s = silhouette_score(X, lab, metric="cosine", random_state=random_state)
        if s > best_s + 1e-9:
            best, best_s = lab.astype(np.int64), s
    return best


def topic_table(texts: list[str], X: np.ndarray, reasons: pd.Series | None, n_total: int, *,
                n_topics: int | None, n_examples: int, n_keywords: int, random_state: int) -> pd.DataFrame:
    """Topics of unanswered tickets, ranked by volume.

    Parameters
    ----------
    texts : list of str
        The unanswered tickets' scrubbed texts.
    X : ndarray
        Their embeddings.
    reasons : Series, optional
        Their contact reasons (``top_reason``).
    n_total : int
        All tickets (for ``share``).

    Returns
    -------
    DataFrame
        ``topic``, ``volume``, ``share``, ``keywords``, ``examples``, ``top_reason``.
    """
    labels = cluster(X, n_topics, random_state)
    kw = ctfidf_keywords(texts, labels, n_words=n_keywords)
    rows = []
    for topic in sorted(set(labels.tolist())):
        idx = np.flatnonzero(labels == topic)
        centre = X[idx].mean(axis=0)
        near = idx[np.argsort(-(X[idx] @ centre), kind="stable")[:n_examples]]
        reason = None
        if reasons is not None:
            vc = reasons.iloc[idx].dropna().astype(str).value_counts()
            reason = vc.index[0] if len(vc) else None
        rows.append({"volume": len(idx), "share": len(idx) / n_total, "keywords": kw.get(topic, []),
                     "examples": [texts[i] for i in near], "top_reason": reason})
    out = pd.DataFrame(rows).sort_values("volume", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "topic", np.arange(len(out)))
    return out[GAP_COLUMNS]
