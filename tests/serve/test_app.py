"""The HTTP API over real HTTP: ``cxml serve`` in a subprocess on a loopback port, called with httpx."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cxml.serve import WebhookQueue

from ._support import Server

KEY = "test-key-5f1c"
SHOP = "https://shop.example.fi"


@pytest.fixture(scope="module")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    queue = tmp_path_factory.mktemp("api") / "queue.sqlite"
    # two triage batches at once here (the other modules serve with the default one)
    srv = Server(model_dir, "--queue", str(queue), "--api-keys-env", "CXML_TEST_KEYS", "--cors-origin", SHOP,
                 "--max-body", "20000", "--batch-workers", "2", env={"CXML_TEST_KEYS": f"other-key,{KEY}"})
    with srv:
        srv.queue_path = queue  # type: ignore[attr-defined]
        yield srv


@pytest.fixture(scope="module")
def client(server: Server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as c:
        yield c


def test_concurrent_requests_on_two_batch_workers_get_their_own_answers(client: httpx.Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cxml.datasets import make_webshop

    tickets = make_webshop(n_tickets=60, seed=21).tickets
    bodies = [{"ticket": {"subject": s, "body": b, "channel": c, "language": lang}}
              for s, b, c, lang in zip(tickets["subject"], tickets["body"], tickets["channel"], tickets["language"],
                                       strict=True)][:24]

    def decisions(body: dict) -> dict:
        res = client.post("/v1/triage", json=body)
        assert res.status_code == 200, res.text
        return res.json()["results"][0]["decisions"]

    alone = [decisions(b) for b in bodies]
    with ThreadPoolExecutor(8) as pool:  # 8 clients at once: batches form and two of them run together
        together = list(pool.map(decisions, bodies))
    for one, many in zip(alone, together, strict=True):
        assert set(one) == set(many) == {"reason", "priority"}
        for target in one:  # a ticket's answer does not depend on the batch it shared (float noise aside)
            assert many[target]["label"] == one[target]["label"]
            assert many[target]["confidence"] == pytest.approx(one[target]["confidence"], abs=1e-4)


def test_health_ready_and_docs(server: Server, client: httpx.Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert set(ready["model"]["components"]) == {"triage", "knowledge", "proactive"}
    assert ready["model"]["targets"] == ["reason", "priority"]
    spec = client.get("/openapi.json").json()
    assert {"/v1/triage", "/v1/suggest", "/v1/proactive", "/v1/feedback", "/webhooks/{vendor}"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_triage_one_ticket_and_a_batch(client: httpx.Client) -> None:
    one = client.post("/v1/triage", json={"ticket": {"id": "T1", "subject": "Card declined",
                                                     "body": "My card payment failed at the checkout twice"}})
    assert one.status_code == 200, one.text
    res = one.json()["results"]
    assert len(res) == 1 and res[0]["id"] == "T1"
    reason = res[0]["decisions"]["reason"]
    assert reason["action"] in ("auto", "suggest", "abstain")
    assert len(reason["top3"]) == 3 and reason["top3"][0][0] == reason["label"]
    assert 0.0 <= reason["confidence"] <= 1.0
    assert reason["label"] == "payment_failure"
    batch = client.post("/v1/triage", json={"tickets": [
        {"text": "Where is my parcel? Tracking has not moved for a week"},
        {"subject": "Refund", "body": "I returned the shoes two weeks ago and still no money back", "id": 7},
        {"text": "Salasana ei toimi enkä pääse kirjautumaan", "language": "fi", "channel": "email"},
    ]})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["id"] for r in results] == [None, 7, None]
    assert all(set(r["decisions"]) == {"reason", "priority"} for r in results)


def test_triage_body_is_what_its_openapi_schema_says(client: httpx.Client) -> None:
    from cxml.serve.schemas import TriageResponse

    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/v1/triage"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/TriageResponse")
    r = client.post("/v1/triage", json={"tickets": [{"id": "a", "text": "Where is my parcel? No tracking yet"},
                                                    {"id": 2, "subject": "Refund", "body": "Money back please"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    # sent as built (no response-model pass): it must be exactly what that pass would have sent
    assert TriageResponse.model_validate(body).model_dump(mode="json") == body


def test_triage_matches_the_library(client: httpx.Client, model_dir: Path) -> None:
    import cxml

    ticket = {"subject": "Invoice", "body": "Please send me the invoice of order 123 for our accounting"}
    served = client.post("/v1/triage", json={"ticket": ticket}).json()["results"][0]["decisions"]
    local = cxml.load(model_dir).predict([ticket["subject"] + "\n" + ticket["body"]]).iloc[0]
    for target in ("reason", "priority"):
        assert served[target]["label"] == local[target]
        assert served[target]["confidence"] == pytest.approx(local[f"{target}_confidence"], abs=1e-6)


def test_suggest_articles_similar_tickets_and_macros(client: httpx.Client) -> None:
    r = client.post("/v1/suggest", json={"ticket": {"text": "my card was declined when paying"}, "k": 2,
                                         "similar": True, "macros": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["articles"] and body["articles"][0]["title"] == "Why was my card declined?"
    assert len(body["similar_tickets"]) == 2 and {"ticket_id", "answer"} <= set(body["similar_tickets"][0])
    assert body["macros"] and "macro" in body["macros"][0]


def test_proactive_offers_for_a_declined_card_and_not_without_error(client: httpx.Client) -> None:
    ctx = {"url": "https://shop.example.fi/checkout/payment?step=3", "language": "en"}
    r = client.post("/v1/proactive", json={**ctx, "error_code": "CARD_DECLINED",
                                           "error_message": "Payment 99123 failed: card declined (code 05)"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["should_offer"] is True
    assert body["suggestions"][0]["article_id"] == "KB026-en"
    assert "card_declined" in body["why"] and body["reason"]
    calm = client.post("/v1/proactive", json=ctx).json()
    assert calm["should_offer"] is False and "no error" in calm["reason"]
    fi = client.post("/v1/proactive", json={**ctx, "error_code": "CARD_DECLINED", "language": "fi"}).json()
    assert fi["suggestions"][0]["article_id"] == "KB026-fi"


def test_feedback_is_stored_durably(server: Server, client: httpx.Client) -> None:
    r = client.post("/v1/feedback", json={"kind": "labels_corrected", "ticket_id": "T9",
                                          "labels": {"reason": "refund"}, "source": "agent"})
    assert r.status_code == 201, r.text
    r2 = client.post("/v1/feedback", json={"kind": "article_helpful", "article_id": "KB026-en",
                                           "text": "card declined"})
    assert r2.status_code == 201
    queue = WebhookQueue(server.queue_path)  # type: ignore[attr-defined]
    try:
        fb = queue.feedback_frame()
    finally:
        queue.close()
    row = fb[fb["id"] == r.json()["id"]].iloc[0]
    assert row["kind"] == "labels_corrected" and row["labels"] == {"reason": "refund"}
    assert row["model"]  # the model version it was given against
    assert (fb["article_id"] == "KB026-en").any()


def test_metrics(client: httpx.Client) -> None:
    client.post("/v1/triage", json={"ticket": {"text": "where is my order"}})
    text = client.get("/metrics").text
    assert 'cxml_requests_total{method="POST",route="/v1/triage",status="200"}' in text
    assert "cxml_request_latency_seconds_bucket" in text
    assert 'cxml_decisions_total{action=' in text
    assert 'cxml_queue_events{state="pending"}' in text
    assert "cxml_triage_batch_size_count" in text


# ---------------------------------------------------------------------------------------------------------------
# bad input: 4xx, a JSON message naming the problem, and the service unharmed


def _error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()["error"]


def test_malformed_json(client: httpx.Client) -> None:
    err = _error(client.post("/v1/triage", content=b'{"ticket": {"text": "hi"', headers={
        "Content-Type": "application/json"}), 400)
    assert err["type"] == "malformed_json" and "not valid JSON" in err["message"]


def test_wrong_content_type(client: httpx.Client) -> None:
    err = _error(client.post("/v1/triage", content=b"text=hello", headers={
        "Content-Type": "application/x-www-form-urlencoded"}), 415)
    assert "application/json" in err["message"] and "x-www-form-urlencoded" in err["message"]
    err = _error(client.post("/v1/triage", content=b'{"ticket": {"text": "x"}}', headers={"Content-Type": ""}), 415)


def test_body_over_the_limit(client: httpx.Client) -> None:
    big = {"ticket": {"text": "x" * 30_000}}
    err = _error(client.post("/v1/triage", json=big), 413)
    assert "20000 bytes" in err["message"]

    def chunks():  # no Content-Length: the limit holds for a streamed body too
        for _ in range(30):
            yield b"x" * 1000

    err = _error(client.post("/v1/triage", content=chunks(), headers={"Content-Type": "application/json"}), 413)


def test_missing_and_wrong_fields(client: httpx.Client) -> None:
    err = _error(client.post("/v1/triage", json={"ticket": {"language": "en"}}), 422)
    assert "'text', 'subject' or 'body'" in err["message"] and err["field"] == "ticket"
    err = _error(client.post("/v1/triage", json={}), 422)
    assert "either 'ticket'" in err["message"]
    err = _error(client.post("/v1/feedback", json={"article_id": "KB1"}), 422)
    assert err["field"] == "kind" and "kind" in err["message"]
    err = _error(client.post("/v1/feedback", json={"kind": "article_liked", "article_id": "KB1"}), 422)
    assert "article_liked" in err["message"]
    err = _error(client.post("/v1/suggest", json={"ticket": {"text": "x"}, "k": 0}), 422)
    assert err["field"] == "k"
    err = _error(client.post("/v1/proactive", json={"language": "fi"}), 422)
    assert "'url'" in err["message"]


def test_api_keys(server: Server) -> None:
    ticket = {"ticket": {"text": "where is my order"}}
    err = _error(httpx.post(server.url + "/v1/triage", json=ticket), 401)
    assert "no API key" in err["message"] and err["field"] == "authorization"
    err = _error(httpx.post(server.url + "/v1/triage", json=ticket, headers={"Authorization": "Bearer nope"}), 401)
    assert "unknown API key" in err["message"]
    assert httpx.post(server.url + "/v1/triage", json=ticket,
                      headers={"Authorization": "Bearer other-key"}).status_code == 200
    # reload is an admin route: a key is needed
    _error(httpx.post(server.url + "/admin/reload", json={}), 401)
    # the widget's routes take an allow-listed origin instead of a key, triage does not
    ctx = {"url": "/checkout/payment", "error_code": "card_declined"}
    assert httpx.post(server.url + "/v1/proactive", json=ctx, headers={"Origin": SHOP}).status_code == 200
    _error(httpx.post(server.url + "/v1/proactive", json=ctx, headers={"Origin": "https://evil.example"}), 401)
    _error(httpx.post(server.url + "/v1/triage", json=ticket, headers={"Origin": SHOP}), 401)
    _error(httpx.post(server.url + "/v1/feedback", json={"kind": "labels_corrected", "text": "x",
                                                         "labels": {"reason": "refund"}},
                      headers={"Origin": SHOP}), 401)


def test_cors_preflight(server: Server) -> None:
    r = httpx.options(server.url + "/v1/proactive", headers={
        "Origin": SHOP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SHOP
    r = httpx.options(server.url + "/v1/proactive", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_bad_input_left_nothing_behind(server: Server, client: httpx.Client) -> None:
    queue = WebhookQueue(server.queue_path)  # type: ignore[attr-defined]
    try:
        assert sum(queue.counts().values()) == 0
        kinds = set(queue.feedback_frame()["kind"])
    finally:
        queue.close()
    assert "article_liked" not in kinds
    # and the service still answers
    assert client.post("/v1/triage", json={"ticket": {"text": "where is my order"}}).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert "Traceback" not in server.output()


def test_unknown_route_is_json(client: httpx.Client) -> None:
    err = _error(client.get("/v2/nothing"), 404)
    assert "/v2/nothing" in err["message"]
    assert json.loads(client.get("/healthz").text)["status"] == "ok"
