"""Shared fixtures. Tests run offline: the hub is never contacted."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Offline by default, like many of our users' servers: a test that tries to download fails.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# `make test` runs two pytest-xdist workers on two cores: each keeps to one thread (torch, ONNX Runtime, BLAS), or
# two workers with a thread per core each would oversubscribe the cores (set before any test imports torch).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[_name] = "1"
# ONNX exports of the encoders go to a folder of this test run, not the user's ~/.cache
os.environ.setdefault("CXML_CACHE_DIR", tempfile.mkdtemp(prefix="cxml-test-cache-"))


def _data_root() -> Path:
    env = os.environ.get("CXML_DATA")
    if env:
        return Path(env)
    here = Path.cwd() / "../shared/datasets"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[1] / "../shared/datasets"


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The public data sets (CXML_DATA, default ../shared/datasets); skips when absent."""
    root = _data_root()
    if not root.is_dir():
        pytest.skip(f"public data sets not found at {root}: set CXML_DATA to the datasets folder")
    return root


@pytest.fixture(scope="session")
def webshop_small():
    """A small deterministic demo data set (synthetic)."""
    from cxml.datasets import make_webshop

    return make_webshop(n_tickets=600, seed=0)


@pytest.fixture(scope="module")
def split(webshop_small):
    """``webshop_small``'s tickets as (train: first 450, test: last 150), fresh copies per test module."""
    tickets = webshop_small.tickets
    return tickets.iloc[:450].copy(), tickets.iloc[450:].copy()
