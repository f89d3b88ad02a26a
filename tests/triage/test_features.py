"""Context one-hots: the matrix built in one pass is the one stacked block by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cxml.triage.features import ContextEncoder


def _blockwise(enc: ContextEncoder, frame: pd.DataFrame, n: int, overrides: dict | None = None) -> sp.csr_matrix:
    """One sparse block per column, stacked (the construction the one-pass build replaced)."""
    blocks = []
    for c, cats in enc.categories_.items():
        if overrides and c in overrides and c not in frame.columns:
            values = list(overrides[c])
        elif c in frame.columns:
            values = frame[c].tolist()
        else:
            values = [None] * n
        rows, cols = [], []
        for i, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            if str(v) in cats:
                rows.append(i)
                cols.append(cats.index(str(v)))
        blocks.append(sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(cats))))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def test_context_one_hot_equals_the_stacked_blocks():
    train = pd.DataFrame({"channel": ["email", "chat", "phone"] * 4, "segment": ["b2b", "b2c"] * 6,
                          "language": ["en", "fi", "sv", "en"] * 3})
    enc = ContextEncoder(["channel", "segment", "language", "reason"]).fit(train)
    frame = pd.DataFrame({"channel": ["chat", None, "fax", "email", np.nan],
                          "segment": ["b2c", "b2b", pd.NA, "b2c", "b2b"]}, dtype=object)
    overrides = {"language": ["fi", "en", None, "xx", "sv"]}
    for ov in (None, overrides):
        got = enc.transform(frame, 5, ov)
        want = _blockwise(enc, frame, 5, ov)
        assert got.shape == want.shape == (5, enc.dim) and got.dtype == np.float32
        assert np.array_equal(got.toarray(), want.toarray())
        assert np.array_equal(got.indices, want.indices) and np.array_equal(got.indptr, want.indptr)
    empty = ContextEncoder(["channel"]).fit(None).transform(frame, 5)
    assert empty.shape == (5, 0)
