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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Test files holding tests marked ``slow`` run first, each file's tests together and in their order.

    ``make test`` hands whole files to its pytest-xdist workers in this order: the long files start early, so the
    two workers run out of work at about the same time instead of one finishing a long file alone.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: False (slow) first


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
