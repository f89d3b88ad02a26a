"""Storage of a knowledge base as an artifact directory: faiss files, parquet tables and a JSON manifest.

Nothing is pickled: the lexical index and the language maps are rebuilt from the stored passages and titles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxml import encoders
from cxml.checks import is_missing
from cxml.knowledge import dense
from cxml.persistence import check_dimensions

__all__ = ["write_state", "read_state"]


def write_state(kb: Any, directory: Path) -> dict[str, Any]:
    """Write ``kb``'s indexes and tables into ``directory``; return its manifest entry (with the model card)."""
    if not kb._has_tickets():
        kb._check_fitted()
    kb.dense_.save(directory / "kb.faiss")
    arts = kb.articles_.copy()
    arts["tags"] = [list(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else [] for v in arts["tags"]]
    for c in arts.columns:  # extra metadata columns of mixed type: keep them as text
        if c != "tags" and arts[c].dtype == object:
            arts[c] = [None if is_missing(v) else (v if isinstance(v, str) else json.dumps(v, default=str))
                       for v in arts[c]]
    arts.to_parquet(directory / "articles.parquet", index=False)
    kb.passages_.to_parquet(directory / "passages.parquet", index=False)
    files = {"index": "kb.faiss", "articles": "articles.parquet", "passages": "passages.parquet"}
    if kb._has_tickets():
        kb.tickets_.to_parquet(directory / "tickets.parquet", index=False)
        assert kb.ticket_dense_ is not None  # _has_tickets checked it
        kb.ticket_dense_.save(directory / "tickets.faiss")
        files.update(tickets="tickets.parquet", ticket_index="tickets.faiss")
    enc = kb.encoder_
    card = {
        "Knowledge base": (f"{len(kb.articles_)} articles in {len(kb._group_names)} groups, "
                           f"{len(kb.passages_)} passages, languages {', '.join(kb.languages_) or '-'}; "
                           f"faiss {kb.dense_.kind} index; fusion `{kb.fusion}`"
                           + ("; learned ranker from feedback" if getattr(kb, "ranker_", None) else "")),
        "Calibration": f"each suggestion's score is the calibrated probability that it answers the ticket "
                       f"(the raw cosine is the separate `similarity` column); default gate: {_gate(kb)}; "
                       f"calibrated on {kb.calibration_source_}; cross-lingual language map "
                       f"`{kb.language_map}`.",
        "Personal data": "Ticket texts and answers were scrubbed with cxml.pii before indexing; the "
                         "lexical index is rebuilt from stored passages on load.",
    }
    return {"encoder": {"spec": kb.encoder_spec_, "name": enc.name, "dim": int(enc.dim)},
            "params": kb.get_params(), "files": files, "next_pid": int(kb.next_pid_),
            "next_tid": int(getattr(kb, "next_tid_", 0)), "calibration": kb.calib_,
            "threshold": float(kb.threshold_), "calibration_source": kb.calibration_source_,
            "ranker": getattr(kb, "ranker_", None), "index_kind": kb.dense_.kind,
            "ticket_index_kind": (kb.ticket_dense_.kind if kb._has_tickets() and kb.ticket_dense_ is not None
                                  else None), "card": card}


def _gate(kb: Any) -> str:
    strict = float(kb.calib_.get("strict", kb.threshold_))
    model = kb.calib_.get("answerable")
    what = (f"probability that the base answers the query >= {strict:.3f} (answerability model, out-of-fold "
            f"AUC {float(model['auc']):.2f})" if model else f"the best match above {strict:.3f} of the calibration "
            "quantile")
    if kb.target_precision is None:
        return (f"strict, {what} (also gap_report's); "
                "a precision gate on the probability per call (suggest(..., target_precision=...))")
    return (f"probability >= {kb.threshold_:.3f}, for a precision of {float(kb.target_precision):.0%} on the "
            f"calibration sample; gap_report's strict gate: {what}")


def read_state(cls: type, directory: Path, manifest: dict[str, Any]) -> Any:
    """A knowledge base of class ``cls`` read from an artifact directory written by :func:`write_state`."""
    m = manifest["model"]
    params = dict(m["params"])
    if "hnsw_threshold" in params:  # written before the IVF option (cxml 0.1.0 development)
        params.setdefault("ann_threshold", params.pop("hnsw_threshold"))
    params.setdefault("language_map", "none")  # written before the option: calibrated without a language map
    kb = cls(**params)
    kb.encoder_spec_ = manifest["encoder"]["spec"]
    kb._encoder = encoders.load(kb.encoder_spec_)
    files = m["files"]
    arts = pd.read_parquet(directory / files["articles"])
    arts["tags"] = [list(v) if v is not None else [] for v in arts["tags"]]
    kb.articles_ = arts
    kb.passages_ = pd.read_parquet(directory / files["passages"])
    kb.dense_ = dense.read_index(directory / files["index"], kb._settings(), kb.passages_["pid"].to_numpy(),
                             m.get("index_kind"), "passages")
    check_dimensions(encoder=kb._encoder.dim, index=kb.dense_.index.d, where=str(directory))
    kb.next_pid_ = int(m["next_pid"])
    kb.next_tid_ = int(m.get("next_tid", 0))
    kb.calib_ = m["calibration"]
    kb.threshold_ = float(m["threshold"])
    kb.calibration_source_ = m["calibration_source"]
    kb.ranker_ = m.get("ranker")
    kb._sync()
    kb.tickets_ = None
    kb.ticket_dense_ = None
    if "tickets" in files:
        kb.tickets_ = pd.read_parquet(directory / files["tickets"])
        kb.ticket_dense_ = dense.read_index(directory / files["ticket_index"], kb._settings(),
                                        kb.tickets_["tid"].to_numpy(), m.get("ticket_index_kind"), "tickets")
        check_dimensions(encoder=kb._encoder.dim, index=kb.ticket_dense_.index.d, where=str(directory))
        kb._sync_tickets()
    kb._fit_language_maps()  # after the tickets: language_map="centre" reads their embeddings
    return kb
