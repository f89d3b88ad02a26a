"""Fixtures of the serve tests: one small demo model (hash encoder) for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="cxml serve needs the 'serve' extra: pip install 'cxml[serve]'")
pytest.importorskip("prometheus_client", reason="cxml serve needs the 'serve' extra: pip install 'cxml[serve]'")
pytest.importorskip("httpx", reason="the serve tests need httpx (the 'serve' extra)")

from ._support import build_model  # noqa: E402


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bundle (triage reason + priority, knowledge base, proactive helper) with the hash encoder."""
    return build_model(tmp_path_factory.mktemp("serve-model") / "model")
