"""Every path once with the real default encoder (``encoder="auto"``: e5-small for the bilingual demo data)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ._support import Server, build_model


@pytest.mark.slow
def test_service_with_the_real_encoder(tmp_path: Path) -> None:
    model = build_model(tmp_path / "model", n_tickets=240, encoder="auto")
    with Server(model, "--queue", str(tmp_path / "q.sqlite")) as srv:
        ready = httpx.get(srv.url + "/readyz").json()
        assert ready["model"]["warm_s"] > 0
        tickets = [{"subject": "Card declined", "body": "My card payment failed at the checkout twice."},
                   {"subject": "Maksu ei mene läpi", "body": "Korttimaksu hylättiin kassalla, mitä teen?",
                    "language": "fi"}]
        r = httpx.post(srv.url + "/v1/triage", json={"tickets": tickets}, timeout=120)
        assert r.status_code == 200, r.text
        for res in r.json()["results"]:
            assert "payment_failure" in [label for label, _ in res["decisions"]["reason"]["top3"]]
        s = httpx.post(srv.url + "/v1/suggest", json={"ticket": tickets[1], "k": 3}, timeout=120).json()
        assert s["articles"] and all(a["language"] == "fi" for a in s["articles"])
        p = httpx.post(srv.url + "/v1/proactive", timeout=120, json={
            "url": "https://shop.example.fi/kampanja/joulu", "language": "fi",
            "error_message": "Maksu 4411 epäonnistui: pankki hylkäsi kortin"}).json()
        assert p["suggestions"] and p["suggestions"][0]["level"] == "semantic"
        assert p["should_offer"] is False  # a guess from an unseen context is not offered proactively
        assert "KB026-fi" in [x["article_id"] for x in p["suggestions"]]
