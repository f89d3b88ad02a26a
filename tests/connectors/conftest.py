"""Fixtures of the connector tests: spec-built payloads, vendor-shaped histories and a fake helpdesk server.

The fake helpdesk is a real HTTP server on a loopback port (``http.server`` in a thread). It serves Zendesk's
cursor-based incremental export or Freshdesk's ticket list from pages given by the test, answers ticket lookups
from its own store, applies the updates it receives (tags, priority, notes) and records every request. Faults are
scripted per method and occurrence: a 429 with ``Retry-After``, a 500 before or after the update is applied, or a
hold (the update is applied, the response withheld) so that a test can kill the client mid-request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_helpdesk import FakeHelpdesk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "connectors"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The spec-built payloads under tests/fixtures/connectors."""
    return FIXTURES


@pytest.fixture(scope="session")
def payloads(data_root) -> Path:
    """The shared real payloads ($CXML_DATA/helpdesk_payloads); skips when absent."""
    root = data_root / "helpdesk_payloads"
    if not root.is_dir():
        pytest.skip(f"shared helpdesk payloads not found at {root}: set CXML_DATA to the datasets folder")
    return root


@pytest.fixture(scope="session")
def history():
    """The synthetic web shop's tickets (ground truth) for vendor-shaped exports."""
    from cxml.datasets import make_webshop

    return make_webshop(n_tickets=360, seed=11).tickets


@pytest.fixture
def fake_helpdesk():
    """A factory: ``fake_helpdesk(vendor, pages, faults=...)`` -> a started :class:`FakeHelpdesk`."""
    servers = []

    def start(vendor: str, pages: list[Any], faults: dict[tuple[str, int], dict[str, Any]] | None = None,
              per_page: int = 100) -> FakeHelpdesk:
        server = FakeHelpdesk(vendor, pages, faults, per_page).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
