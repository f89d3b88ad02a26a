"""Feature blocks side by side: the stacked CSR matrix, and the block-by-block product prediction uses."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cxml.triage.blocks import BlockRows, hstack_csr


def _blocks(rng: np.random.Generator, n: int) -> list[tuple[object, float]]:
    out: list[tuple[object, float]] = []
    for _ in range(int(rng.integers(0, 5))):
        w = int(rng.integers(0, 40))
        if rng.random() < 0.4:
            dense = rng.normal(size=(n, w)).astype(np.float32)
            dense[rng.random((n, w)) < 0.3] = 0.0  # a dense block's zeros are not stored
            out.append((dense, float(rng.choice([1.0, 0.5, 2.0, 0.0]))))
        else:
            block = sp.random(n, w, density=float(rng.random()), format="csr", dtype=np.float32,
                              random_state=int(rng.integers(2**31)))
            out.append((block, float(rng.choice([1.0, 1 / np.sqrt(2), 0.5]))))
    return out


def _scipy_stack(blocks: list[tuple[object, float]], n: int) -> sp.csr_matrix:
    parts = [b * np.float32(s) if sp.issparse(b) else sp.csr_matrix(b * np.float32(s)) for b, s in blocks]
    return sp.hstack(parts, format="csr", dtype=np.float32) if parts else sp.csr_matrix((n, 0), dtype=np.float32)


@pytest.mark.parametrize("seed", range(40))
def test_hstack_csr_is_scipys_stack_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 5)) if seed % 2 else int(rng.integers(0, 80))
    blocks = _blocks(rng, n)
    got, want = hstack_csr(blocks, n), _scipy_stack(blocks, n)
    assert got.shape == want.shape and got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)
    assert got.indices.dtype == want.indices.dtype


@pytest.mark.parametrize("seed", range(20))
def test_block_rows_multiply_as_the_stacked_matrix(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    blocks = _blocks(rng, n)
    rows = BlockRows(blocks, n)
    stacked = rows.tocsr()
    assert rows.shape == stacked.shape
    W = rng.normal(size=(rows.shape[1], 7))
    # equal but for the float32 rounding of each scaled entry (scaled after the product, not before): at most
    # 2**-24 of each term, so of the sum of the terms' magnitudes
    bound = 2.0**-23 * (abs(stacked) @ np.abs(W)) + 1e-12
    assert np.all(np.abs(rows.dot(W) - stacked @ W) <= bound)
    assert np.all(np.abs(rows.dot(W[:, 0]) - stacked @ W[:, 0]) <= bound[:, 0])
    assert rows.all_finite()


def test_block_rows_refuse_misshapen_input() -> None:
    with pytest.raises(ValueError, match="expected 3"):
        BlockRows([(np.ones((3, 2)), 1.0), (sp.csr_matrix(np.ones((2, 2))), 1.0)], 3)
    with pytest.raises(ValueError, match="expected 2"):
        hstack_csr([(np.ones((3, 2)), 1.0)], 2)
    rows = BlockRows([(np.ones((2, 2)), 1.0)], 2)
    with pytest.raises(ValueError, match="W has 3 rows, the blocks are 2 wide"):
        rows.dot(np.ones((3, 1)))
    nan = BlockRows([(np.array([[np.nan, 1.0]]), 1.0)], 1)
    assert not nan.all_finite()
