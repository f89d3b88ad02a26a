"""`cxml demo`, the main job, end to end."""

from __future__ import annotations

import pytest

import cxml
from cxml.bundle import HelpdeskModel
from cxml.cli.demo import run_demo


def _check(summary, out, capsys):
    text = capsys.readouterr().out
    for section in ("1. Data", "2. Training", "3. Save and load", "4. Scoring", "5. Triage decisions",
                    "6. Proactive help", "Summary"):
        assert section in text
    assert "route ->" in text and "first response due" in text and "offer now:" in text
    model = cxml.load(out)
    assert isinstance(model, HelpdeskModel)
    assert set(model.components) == {"triage", "knowledge", "proactive"}
    assert summary["backlog"]["reason"]["accuracy"] > 0.5
    return text


def test_demo_fast_encoder(tmp_path, capsys):
    out = tmp_path / "demo"
    summary = run_demo(n_tickets=400, n_backlog=60, encoder="hash", out=out)
    _check(summary, out, capsys)
    assert summary["encoder"] == "hash"


@pytest.mark.slow
def test_demo_with_the_real_default_encoder(tmp_path, capsys):
    """The default ('auto') picks the multilingual encoder for the bilingual demo data."""
    out = tmp_path / "demo"
    summary = run_demo(n_tickets=250, n_backlog=30, out=out)
    text = _check(summary, out, capsys)
    assert summary["encoder"] == "e5-small"
    assert "'auto' -> 'e5-small' (multilingual" in text
    # a page never seen in history: the semantic fallback finds the card article from the Finnish message
    assert '/kampanja/joulu + "Maksu 4411' in text
    assert '-> "Korttimaksu hylättiin" [fi] (semantic)' in text
