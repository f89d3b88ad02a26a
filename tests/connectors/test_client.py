"""The HTTP client: retry policy, authentication, incremental pages, the atomic cursor state."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from cxml.connectors import ConnectorError, WriteBack, make_client
from cxml.connectors.client import CursorState


def scripted(responses, seen):
    """A MockTransport answering with the next of ``responses`` and recording each request."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler)


def client_for(responses, seen, waits, vendor="zendesk", **kw):
    return make_client(vendor, base_url="https://acme.example.com", token="secret-token", email="a@example.com",
                       transport=scripted(responses, seen), sleep=waits.append, backoff_s=0.5, **kw)


def test_429_retry_after_seconds_and_http_date():
    seen, waits = [], []
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    client = client_for([httpx.Response(429, headers={"Retry-After": "7"}),
                         httpx.Response(429, headers={"Retry-After": later}),
                         httpx.Response(200, json={"ok": 1})], seen, waits)
    assert client.get_json("/api/v2/x") == {"ok": 1}
    assert waits[0] == 7.0 and 20 < waits[1] <= 30
    assert len(seen) == 3


def test_5xx_and_connection_errors_back_off_exponentially():
    seen, waits = [], []
    client = client_for([httpx.Response(500), httpx.ConnectError("refused"), httpx.Response(503),
                         httpx.Response(200, json=[])], seen, waits)
    assert client.get_json("/x") == []
    assert waits == [0.5, 1.0, 2.0]


def test_giving_up_and_client_errors_are_named():
    seen, waits = [], []
    client = client_for([httpx.Response(502)] * 3, seen, waits, max_retries=2)
    with pytest.raises(ConnectorError, match=r"zendesk: GET /x failed after 3 attempts \(HTTP 502\)"):
        client.get_json("/x")
    client = client_for([httpx.Response(404, text="RecordNotFound")], seen, waits)
    with pytest.raises(ConnectorError, match=r"zendesk: PUT /api/v2/tickets/1.json answered 404"):
        client.request("PUT", "/api/v2/tickets/1.json", json_body={})
    client = client_for([httpx.Response(429, headers={"Retry-After": "3600"})], seen, waits)
    with pytest.raises(ConnectorError, match="over max_wait_s=900"):
        client.get_json("/x")


def test_a_write_that_landed_before_a_5xx_is_not_sent_again():
    seen, waits = [], []
    client = client_for([httpx.Response(500)], seen, waits)
    wb = WriteBack("zendesk", "1", "PUT", "/api/v2/tickets/1.json", {"ticket": {"priority": "high"}})
    client.send(wb, already_applied=lambda: True)
    assert len(seen) == 1
    client = client_for([httpx.Response(500), httpx.Response(200, json={})], seen := [], waits)
    client.send(wb, already_applied=lambda: False)
    assert len(seen) == 2 and json.loads(seen[1].content) == wb.json


def test_send_follows_also_and_refuses_another_vendor():
    seen, waits = [], []
    client = client_for([httpx.Response(200, json={}), httpx.Response(201, json={})], seen, waits,
                        vendor="freshdesk")
    note = WriteBack("freshdesk", "1", "POST", "/api/v2/tickets/1/notes", {"body": "n", "private": True})
    client.send(WriteBack("freshdesk", "1", "PUT", "/api/v2/tickets/1", {"priority": 2}, (note,)))
    assert [(r.method, r.url.path) for r in seen] == [("PUT", "/api/v2/tickets/1"), ("POST", "/api/v2/tickets/1/notes")]
    with pytest.raises(ConnectorError, match="freshdesk client cannot send a zendesk update"):
        client.send(WriteBack("zendesk", "1", "PUT", "/x", {}))


@pytest.mark.parametrize("vendor, expected", [
    ("zendesk", "Basic " + base64.b64encode(b"a@example.com/token:secret-token").decode()),
    ("freshdesk", "Basic " + base64.b64encode(b"secret-token:X").decode()),
    ("zammad", "Token token=secret-token"),
    ("intercom", "Bearer secret-token"),
    ("hubspot", "Bearer secret-token"),
])
def test_authentication_per_vendor_and_no_token_in_repr(vendor, expected):
    seen, waits = [], []
    client = client_for([httpx.Response(200, json={})], seen, waits, vendor=vendor)
    client.get_json("/x")
    assert seen[0].headers["Authorization"] == expected
    assert "secret-token" not in repr(client)
    with pytest.raises(ConnectorError, match="no API token"):
        make_client(vendor, base_url="https://x", token="")


def test_zendesk_incremental_start_time_then_cursor():
    seen, waits = [], []
    client = client_for([httpx.Response(200, json={"tickets": [{"id": 1}], "after_cursor": "abc",
                                                   "end_of_stream": False}),
                         httpx.Response(200, json={"tickets": [], "after_cursor": "def", "end_of_stream": True})],
                        seen, waits, start_time=1700000000)
    first = client.fetch_incremental(None)
    assert (first.next_cursor, first.end) == ("abc", False)
    assert seen[0].url.params["start_time"] == "1700000000"
    second = client.fetch_incremental("abc")
    assert seen[1].url.params["cursor"] == "abc" and second.end


def test_freshdesk_pages_by_updated_since():
    seen, waits = [], []
    full = [{"id": i, "updated_at": f"2024-06-01T00:00:0{i}Z"} for i in range(2)]
    client = client_for([httpx.Response(200, json=full), httpx.Response(200, json=full[:1])], seen, waits,
                        vendor="freshdesk", per_page=2, start_time=0)
    page = client.fetch_incremental(None)
    assert page.next_cursor == {"updated_since": "1970-01-01T00:00:00Z", "page": 2} and not page.end
    last = client.fetch_incremental(page.next_cursor)
    assert last.end and last.next_cursor == {"updated_since": "2024-06-01T00:00:00Z", "page": 1}
    assert seen[1].url.params["include"] == "description" and seen[1].url.params["page"] == "2"


def test_other_vendors_do_not_pull():
    with pytest.raises(ConnectorError, match="pulling tickets is implemented for"):
        make_client("intercom", base_url="https://x", token="t").fetch_incremental()


def test_cursor_state_is_atomic_and_checked(tmp_path):
    path = tmp_path / "state.json"
    state = CursorState.load(path, "zendesk")
    state.mark_pending("7")
    state.mark_done("7", wrote=True)
    state.advance("abc")
    again = CursorState.load(path, "zendesk")
    assert (again.cursor, again.done, again.pending, again.written) == ("abc", [], None, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left behind
    with pytest.raises(ConnectorError, match="belongs to 'zendesk'"):
        CursorState.load(path, "freshdesk")
    path.write_text("{not json")
    with pytest.raises(ConnectorError, match="cannot be read"):
        CursorState.load(path, "zendesk")
