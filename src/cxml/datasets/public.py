"""Loaders for the public benchmark data sets, read in place from :func:`data_dir`.

:func:`load_banking77`, :func:`load_banking77_oos`, :func:`load_bueck`, :func:`load_endava`,
:func:`load_stackfaq` and :func:`load_bitext` read the sets from ``CXML_DATA`` (default ``../shared/datasets``);
nothing is copied into the project. A missing set raises :class:`cxml.exceptions.DatasetNotFoundError`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

from cxml.exceptions import DatasetNotFoundError

__all__ = [
    "data_dir",
    "load_banking77",
    "load_banking77_oos",
    "load_bitext",
    "load_bueck",
    "load_endava",
    "load_stackfaq",
]


def data_dir() -> Path:
    """The folder holding the public data sets.

    Resolution order: the environment variable ``CXML_DATA``; ``../shared/datasets`` relative to the current
    working directory when it exists; ``shared/datasets`` next to the repository.

    Returns
    -------
    pathlib.Path
        The data folder.

    Raises
    ------
    DatasetNotFoundError
        When the folder does not exist.
    """
    env = os.environ.get("CXML_DATA")
    if env:
        root = Path(env).expanduser()
    else:
        root = Path.cwd() / "../shared/datasets"
        if not root.is_dir():
            root = Path(__file__).resolve().parents[4] / "shared/datasets"
    if not root.is_dir():
        raise DatasetNotFoundError(
            f"public data sets not found at {root}: set the environment variable CXML_DATA to the folder "
            "that holds banking77/, banking77_oos/, customer_support_tickets_bueck/, ..."
        )
    return root.resolve()


def _file(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.is_file():
        raise DatasetNotFoundError(f"{path} not found: is CXML_DATA pointing at the right folder?")
    return path


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def load_banking77(split: Literal["train", "test"] = "train") -> pd.DataFrame:
    """Banking77 (PolyAI, CC BY 4.0): English online-banking queries, 77 intents.

    Parameters
    ----------
    split : {"train", "test"}
        10,003 training or 3,080 test rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` and ``label`` (the intent).
    """
    _check_choice("split", split, ("train", "test"))
    frame = pd.read_csv(_file("banking77", f"{split}.csv"))
    return frame.rename(columns={"category": "label"})[["text", "label"]]


def load_banking77_oos(
    split: Literal["train", "valid", "test"] = "train",
    oos: Literal["none", "id", "ood", "all"] = "none",
) -> pd.DataFrame:
    """BANKING77-OOS (Zhang et al. 2021): 50 in-scope Banking77 intents plus out-of-scope queries.

    Parameters
    ----------
    split : {"train", "valid", "test"}
        In scope: 5,905 / 1,506 / 2,000 rows.
    oos : {"none", "id", "ood", "all"}
        Which out-of-scope rows to add, all labelled ``"oos"``: ``"id"`` in-domain OOS (queries of the 27
        held-out Banking77 intents; 2,062 / 530 / 1,080 rows), ``"ood"`` out-of-domain OOS (general queries
        from CLINC150; valid 200, test 1,000, **none for train**), ``"all"`` both (for train: in-domain only).

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (an empty string for the few empty queries of the files), ``label``, ``scope``
        (``"in"``, ``"id_oos"`` or ``"ood_oos"``) and
        ``label_original`` (the held-out intent of in-domain OOS rows; the label itself for in-scope rows;
        missing for out-of-domain rows).

    Raises
    ------
    ValueError
        For ``split="train", oos="ood"``: there is no out-of-domain training file.
    """
    _check_choice("split", split, ("train", "valid", "test"))
    _check_choice("oos", oos, ("none", "id", "ood", "all"))
    if split == "train" and oos == "ood":
        raise ValueError(
            "banking77_oos has no out-of-domain OOS rows for split='train' (only valid and test); "
            "use oos='id' or oos='all' for training"
        )
    frames = []
    inscope = pd.read_csv(_file("banking77_oos", f"{split}.csv"))
    inscope["scope"] = "in"
    inscope["label_original"] = inscope["label"]
    frames.append(inscope)
    if oos in ("id", "all"):
        extra = pd.read_csv(_file("banking77_oos", f"id-oos_{split}.csv"))
        extra["scope"] = "id_oos"
        frames.append(extra)
    if oos in ("ood", "all") and split != "train":
        extra = pd.read_csv(_file("banking77_oos", f"ood-oos_{split}.csv"))
        extra["scope"] = "ood_oos"
        extra["label_original"] = None
        frames.append(extra)
    frame = pd.concat(frames, ignore_index=True)
    frame["text"] = frame["text"].fillna("")  # the files hold a few empty queries
    return frame[["text", "label", "scope", "label_original"]]


_BUECK_FILES: dict[str, str] = {
    "aa": "aa_dataset-tickets-multi-lang-5-2-50-version.prefix.csv",
    "20k": "dataset-tickets-multi-lang-4-20k.prefix.csv",
    "4k": "dataset-tickets-multi-lang3-4k.prefix.csv",
    "german": "dataset-tickets-german_normalized.csv",
    "german_50": "dataset-tickets-german_normalized_50_5_2.prefix.csv",
}


def _near_duplicate_groups(texts: Sequence[str], threshold: float) -> np.ndarray:
    """Connected components of the graph linking texts whose TF-IDF cosine similarity is >= ``threshold``."""
    n = len(texts)
    if n < 2:
        return np.zeros(n, dtype=int)
    X = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    k = min(6, n)
    dist, idx = NearestNeighbors(n_neighbors=k, metric="cosine").fit(X).kneighbors(X)
    rows = np.repeat(np.arange(n), k)
    keep = (1.0 - dist.ravel()) >= threshold
    graph = coo_matrix((np.ones(int(keep.sum())), (rows[keep], idx.ravel()[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # number groups in order of first appearance, so ids do not depend on the solver
    _, first = np.unique(labels, return_index=True)
    remap = np.empty(labels.max() + 1, dtype=int)
    remap[np.argsort(np.argsort(first))] = np.arange(len(first))
    return remap[labels]


def load_bueck(
    file: Literal["aa", "20k", "4k", "german", "german_50"] = "aa",
    *,
    unescape: bool = True,
    group_threshold: float | None = 0.6,
) -> pd.DataFrame:
    """Multilingual customer-support tickets (Tobias Bueck; synthetic; **CC BY-NC 4.0**, non-commercial).

    The files are prefixes of the originals (see ``SOURCE.md``): ``"aa"`` 1,872 rows (en/de),
    ``"20k"`` 2,181 (en/de), ``"4k"`` 1,167 (en/de/es/fr/pt), ``"german"`` 2,125, ``"german_50"`` 3,182
    (42 hierarchical queues, 5 priorities). The German files have no ``answer`` or ``type``.

    Parameters
    ----------
    file : {"aa", "20k", "4k", "german", "german_50"}
        Which file.
    unescape : bool, default True
        Turn the literal ``\\n`` sequences in the text fields into real line breaks.
    group_threshold : float or None, default 0.6
        The tickets come in paraphrase families (the same ticket rewritten), so a random split leaks. A
        ``group`` column numbers near-duplicate clusters: connected components of the graph that links each
        ticket to those of its 5 nearest neighbours (TF-IDF of subject and body) with cosine similarity
        >= ``group_threshold``. Use it with :class:`sklearn.model_selection.GroupKFold`. None skips it. At
        0.6, the nearest neighbours linked share their queue and priority in over 99 % of cases, while less
        similar neighbours often do not (measured on the ``"aa"`` and ``"german"`` files).

    Returns
    -------
    pandas.DataFrame
        ``subject``, ``body``, ``answer``, ``type``, ``queue``, ``priority``, ``language`` (missing where the
        file has no such field), the file's other columns (``version``, ``business_type``, ``tag_*``),
        a ``tags`` list (the non-empty ``tag_*`` values) and ``group`` (unless ``group_threshold`` is None).
    """
    _check_choice("file", file, tuple(_BUECK_FILES))
    frame = pd.read_csv(_file("customer_support_tickets_bueck", _BUECK_FILES[file]))
    for col in ("subject", "body", "answer", "type", "queue", "priority", "language"):
        if col not in frame.columns:
            frame[col] = None
    text_cols = ["subject", "body", "answer"]
    for col in text_cols:
        if unescape:
            frame[col] = frame[col].where(frame[col].isna(), frame[col].astype(str).str.replace("\\n", "\n"))
    tag_cols = [c for c in frame.columns if re.fullmatch(r"tag_\d+", str(c))]
    frame["tags"] = [[str(v) for v in row if isinstance(v, str) and v] for row in frame[tag_cols].to_numpy()]
    first = ["subject", "body", "answer", "type", "queue", "priority", "language"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    if group_threshold is not None:
        texts = (frame["subject"].fillna("") + " " + frame["body"].fillna("")).tolist()
        frame["group"] = _near_duplicate_groups(texts, float(group_threshold))
    return frame


def load_endava() -> pd.DataFrame:
    """Endava IT helpdesk tickets (anonymised, English; first 5,431 rows of ``all_tickets.csv``).

    Returns
    -------
    pandas.DataFrame
        ``title`` (empty string where missing), ``body``, ``ticket_type``, ``category``, ``sub_category1``,
        ``sub_category2``, ``business_service``, ``urgency``, ``impact`` (integer codes; no names published).

    Notes
    -----
    ``urgency`` and ``impact`` take a default value (3 and 4) exactly when ``ticket_type == 1``: evaluate
    priority on ``ticket_type == 0`` only (576 rows).
    """
    frame = pd.read_csv(_file("endava_it_tickets", "all_tickets.prefix5431.csv"))
    frame["title"] = frame["title"].fillna("")
    return frame


def load_stackfaq() -> tuple[pd.DataFrame, pd.DataFrame]:
    """StackFAQ (Karan & Šnajder 2018): 125 web-app FAQ threads and 1,249 paraphrased user queries.

    Returns
    -------
    queries : pandas.DataFrame
        ``query`` and ``thread_id`` (the thread it paraphrases); the ``"*"`` placeholders are dropped.
    threads : pandas.DataFrame
        ``id`` (0..124), ``title`` (the question), ``body`` (the answers joined by blank lines) and
        ``answers`` (list of str).
    """
    with _file("stackfaq", "stackExchange-FAQ.json").open(encoding="utf-8") as fh:
        pairs = json.load(fh)["root"]["qapair"]
    threads: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    for i, pair in enumerate(pairs):
        answers = pair.get("answer", [])
        if isinstance(answers, str):
            answers = [answers]
        answers = [str(a).strip() for a in answers]
        threads.append({"id": i, "title": str(pair["question"]).strip(), "body": "\n\n".join(answers),
                        "answers": answers})  # fmt: skip
        rephr = pair.get("rephr", [])
        if isinstance(rephr, str):
            rephr = [rephr]
        queries.extend({"query": q.strip(), "thread_id": i} for q in rephr if q and q.strip() != "*")
    return pd.DataFrame(queries), pd.DataFrame(threads)


def load_bitext(which: Literal["20k", "8k"] = "20k") -> pd.DataFrame:
    """Bitext customer-support utterances (synthetic, CDLA-Sharing-1.0): 11 categories, 27 intents.

    Parameters
    ----------
    which : {"20k", "8k"}
        ``"20k"`` 21,534 imbalanced rows, ``"8k"`` 8,175 balanced rows. Category names differ slightly between
        the files (INVOICES/INVOICE, REFUNDS/REFUND, SHIPPING/SHIPPING_ADDRESS).

    Returns
    -------
    pandas.DataFrame
        ``text`` (the utterance), ``category``, ``intent`` and ``flags`` (linguistic-variation tags).
    """
    _check_choice("which", which, ("20k", "8k"))
    name = (
        "bitext_customer_support_20k_utterances.csv"
        if which == "20k"
        else "bitext_customer_service_8k_utterances.csv"
    )
    frame = pd.read_csv(_file("bitext_customer_support", name), encoding="utf-8-sig")
    frame = frame.rename(columns={"utterance": "text"})
    return frame[["text", "category", "intent", "flags"]]
