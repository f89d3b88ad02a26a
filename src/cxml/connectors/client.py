"""An HTTP client for the helpdesk APIs: sends :class:`WriteBack` requests and pulls new tickets.

:func:`make_client` gives a :class:`HelpdeskClient` for any vendor (authentication per vendor, below). Every
request honours HTTP 429 by waiting the ``Retry-After`` the server asks for (seconds or an HTTP date), retries
5xx answers and connection errors with exponential backoff, and fails with :class:`ConnectorError` naming the
vendor, method, path and status otherwise. For Zendesk and Freshdesk it also pulls new tickets page by page
(:meth:`HelpdeskClient.fetch_incremental`, :meth:`HelpdeskClient.iter_new_tickets`), keeping the cursor in a
small JSON state file written atomically (a temporary file renamed over the old one), so a sync that crashes
resumes at the page it was on.

==========  ===================================================  =============================================
vendor      authentication                                       incremental source
==========  ===================================================  =============================================
zendesk     ``email/token:TOKEN`` basic auth (API token), or     ``GET /api/v2/incremental/tickets/cursor.json``
            ``Bearer TOKEN`` (OAuth) when no email is given       (``start_time``, then ``cursor``)
freshdesk   ``TOKEN:X`` basic auth (API key)                     ``GET /api/v2/tickets?updated_since=..&page=N``
intercom    ``Bearer TOKEN``                                     (send only)
hubspot     ``Bearer TOKEN`` (private app token)                 (send only)
livechat    ``Bearer TOKEN`` (personal access token)             (send only)
zammad      ``Token token=TOKEN``                                (send only)
==========  ===================================================  =============================================
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cxml.connectors._base import VENDORS, WriteBack
from cxml.exceptions import ConnectorError

__all__ = ["CursorState", "HelpdeskClient", "Page", "make_client"]

logger = logging.getLogger("cxml.connectors.client")

_INCREMENTAL = ("zendesk", "freshdesk")


@dataclass
class Page:
    """One page of new or updated tickets.

    Attributes
    ----------
    tickets : list of dict
        The vendor's ticket objects.
    cursor : Any
        The cursor this page was fetched with (None: the first page from ``start_time``).
    next_cursor : Any
        The cursor of the page after it.
    end : bool
        Whether this was the last page for now (poll again later from ``next_cursor``).
    """

    tickets: list[dict[str, Any]]
    cursor: Any
    next_cursor: Any
    end: bool


@dataclass
class CursorState:
    """Where a sync stands: the cursor of the page being worked on, tickets done on it, a write in flight.

    Saved as JSON with an atomic rename after every change, so a crash leaves either the old or the new state.
    """

    path: Path
    vendor: str
    cursor: Any = None
    done: list[str] = field(default_factory=list)
    pending: str | None = None
    written: int = 0

    @classmethod
    def load(cls, path: str | os.PathLike[str], vendor: str) -> CursorState:
        path = Path(path)
        if not path.exists():
            return cls(path, vendor)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConnectorError(f"{vendor}: sync state {path} cannot be read ({exc}); fix or remove it to start "
                                 "over from --since.") from None
        if data.get("vendor") != vendor:
            raise ConnectorError(f"{vendor}: sync state {path} belongs to {data.get('vendor')!r}; use another "
                                 "--state file per helpdesk.")
        return cls(path, vendor, data.get("cursor"), list(data.get("done") or []), data.get("pending"),
                   int(data.get("written", 0)))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"vendor": self.vendor, "cursor": self.cursor, "done": self.done,
                              "pending": self.pending, "written": self.written})
        handle, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def mark_pending(self, ticket_id: str) -> None:
        self.pending = ticket_id
        self.save()

    def mark_done(self, ticket_id: str, *, wrote: bool) -> None:
        if ticket_id not in self.done:
            self.done.append(ticket_id)
        self.pending = None
        self.written += int(wrote)
        self.save()

    def advance(self, next_cursor: Any) -> None:
        self.cursor = next_cursor
        self.done = []
        self.pending = None
        self.save()


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HelpdeskClient:
    """HTTP access to one helpdesk account.

    Parameters
    ----------
    vendor : str
        One of :data:`cxml.connectors.VENDORS`.
    base_url : str
        The account's API root, e.g. ``https://acme.zendesk.com`` or ``https://acme.freshdesk.com``.
    token : str
        API token / key (never logged).
    email : str, optional
        Zendesk: the agent e-mail the API token belongs to.
    max_retries : int, default 6
        Retries per request after 429, 5xx or a connection error.
    backoff_s, max_backoff_s : float
        First backoff after a 5xx and its cap (doubling in between).
    max_wait_s : float, default 900
        Longest ``Retry-After`` honoured; a longer one is an error (the quota is spent for a long while).
    timeout_s : float, default 30
        Per-request timeout.
    start_time : int, default 0
        Epoch seconds to start pulling from when there is no saved cursor.
    per_page : int, default 100
        Freshdesk page size (at most 100).
    transport : httpx.BaseTransport, optional
        For tests (e.g. ``httpx.MockTransport``).
    sleep : callable, default time.sleep
        How to wait (tests may record waits instead).
    """

    def __init__(self, vendor: str, base_url: str, token: str, email: str | None = None, *,
                 max_retries: int = 6, backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 max_wait_s: float = 900.0, timeout_s: float = 30.0, start_time: int = 0, per_page: int = 100,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if vendor not in VENDORS:
            raise ConnectorError(f"unknown vendor {vendor!r}; choose one of {list(VENDORS)}.")
        if not token:
            raise ConnectorError(f"{vendor}: no API token given; pass token= (cxml sync reads it from --token-env).")
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_wait_s = max_wait_s
        self.start_time = int(start_time)
        self.per_page = min(int(per_page), 100)
        self._sleep = sleep
        self.state: CursorState | None = None
        auth: httpx.Auth | None = None
        headers = {"Accept": "application/json", "User-Agent": "cxml-connectors"}
        if vendor == "zendesk":
            if email:
                auth = httpx.BasicAuth(f"{email}/token", token)
            else:
                headers["Authorization"] = f"Bearer {token}"
        elif vendor == "freshdesk":
            auth = httpx.BasicAuth(token, "X")
        elif vendor == "zammad":
            headers["Authorization"] = f"Token token={token}"
        else:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.base_url, auth=auth, headers=headers, timeout=timeout_s,
                                  transport=transport)

    def __repr__(self) -> str:  # the token stays out of reprs and logs
        return f"HelpdeskClient({self.vendor!r}, {self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HelpdeskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------------------------
    # requests

    def request(self, method: str, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None,
                already_applied: Callable[[], bool] | None = None) -> httpx.Response:
        """One request with the retry policy; ``already_applied`` is asked before re-sending a write after a 5xx
        or a lost connection (the first attempt may have landed)."""
        attempt = 0
        while True:
            error: str
            try:
                response = self._http.request(method, path, json=json_body, params=params)
            except httpx.TransportError as exc:
                response = None
                error = f"connection error ({type(exc).__name__})"
            if response is not None:
                if response.status_code < 400:
                    return response
                if response.status_code == 429:
                    wait = _retry_after(response.headers.get("Retry-After"))
                    wait = self._backoff(attempt) if wait is None else wait
                    if wait > self.max_wait_s:
                        raise ConnectorError(f"{self.vendor}: {method} {path}: rate limited for {wait:.0f} s "
                                             f"(Retry-After), over max_wait_s={self.max_wait_s:.0f}; run later.")
                    if attempt >= self.max_retries:
                        raise ConnectorError(f"{self.vendor}: {method} {path}: still rate limited (429) after "
                                             f"{attempt} retries.")
                    logger.info("%s: 429 on %s %s; waiting %.1f s as Retry-After asks", self.vendor, method, path,
                                wait)
                    self._sleep(wait)
                    attempt += 1
                    continue
                if response.status_code < 500:
                    raise ConnectorError(
                        f"{self.vendor}: {method} {path} answered {response.status_code}: "
                        f"{response.text[:300]!r}. Check the token, the base URL and the request.")
                error = f"HTTP {response.status_code}"
            if attempt >= self.max_retries:
                raise ConnectorError(f"{self.vendor}: {method} {path} failed after {attempt + 1} attempts "
                                     f"({error}); the helpdesk may be down, try again later.")
            wait = self._backoff(attempt)
            logger.info("%s: %s on %s %s; retrying in %.2f s", self.vendor, error, method, path, wait)
            self._sleep(wait)
            attempt += 1
            if method.upper() != "GET" and already_applied is not None and already_applied():
                logger.info("%s: %s %s had landed before the error; not sent again", self.vendor, method, path)
                return httpx.Response(200, request=httpx.Request(method, self.base_url + path))

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * (2 ** attempt)))

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document."""
        response = self.request("GET", path, params=params)
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(f"{self.vendor}: GET {path} did not answer JSON: {response.text[:200]!r}") from None

    def send(self, write_back: WriteBack, *, already_applied: Callable[[], bool] | None = None) -> None:
        """Send a :class:`WriteBack` (and the requests in its ``also``), retrying 429 / 5xx."""
        if write_back.vendor != self.vendor:
            raise ConnectorError(f"{self.vendor} client cannot send a {write_back.vendor} update.")
        for item in write_back.requests():
            self.request(item.method, item.path, json_body=item.json, already_applied=already_applied)

    # -----------------------------------------------------------------------------------------------------------
    # pulling tickets

    def _need_incremental(self) -> None:
        if self.vendor not in _INCREMENTAL:
            raise ConnectorError(f"{self.vendor}: pulling tickets is implemented for {list(_INCREMENTAL)}; for "
                                 f"{self.vendor} use its webhooks (cxml serve) or an export with cxml import.")

    def fetch_incremental(self, cursor: Any = None) -> Page:
        """One page of tickets created or updated since ``cursor`` (None: since ``start_time``)."""
        self._need_incremental()
        if self.vendor == "zendesk":
            params = {"cursor": cursor} if cursor else {"start_time": self.start_time}
            data = self.get_json("/api/v2/incremental/tickets/cursor.json", params)
            if not isinstance(data, Mapping) or "tickets" not in data:
                raise ConnectorError("zendesk: the incremental export answered without 'tickets'.")
            after = data.get("after_cursor") or cursor
            return Page(list(data["tickets"]), cursor, after, bool(data.get("end_of_stream")))
        position = cursor or {"updated_since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start_time)),
                              "page": 1}
        params = {"updated_since": position["updated_since"], "page": position["page"], "per_page": self.per_page,
                  "order_by": "updated_at", "order_type": "asc", "include": "description"}
        data = self.get_json("/api/v2/tickets", params)
        if not isinstance(data, list):
            raise ConnectorError("freshdesk: GET /api/v2/tickets answered something other than a list of tickets.")
        end = len(data) < self.per_page
        if end:
            latest = max((str(t.get("updated_at")) for t in data if t.get("updated_at")),
                         default=position["updated_since"])
            following = {"updated_since": latest, "page": 1}
        else:
            following = {"updated_since": position["updated_since"], "page": int(position["page"]) + 1}
        return Page(list(data), cursor, following, end)

    def fetch_ticket(self, ticket_id: str) -> dict[str, Any]:
        """The ticket as the API shows it now."""
        self._need_incremental()
        if self.vendor == "zendesk":
            return dict(self.get_json(f"/api/v2/tickets/{ticket_id}.json").get("ticket") or {})
        return dict(self.get_json(f"/api/v2/tickets/{ticket_id}"))

    def iter_new_tickets(self, state_path: str | os.PathLike[str], *, max_pages: int | None = None
                         ) -> Iterator[Page]:
        """Pages of new and updated tickets from the saved cursor, until the end of the stream.

        The state file is read first; a page is yielded with the tickets already done on it (after a crash)
        left out, and when the caller comes back for the next page the cursor moves past it and is saved. The
        state (``self.state``) also records the write in flight, see :class:`CursorState`.
        """
        self._need_incremental()
        self.state = CursorState.load(state_path, self.vendor)
        pages = 0
        while max_pages is None or pages < max_pages:
            page = self.fetch_incremental(self.state.cursor)
            done = set(self.state.done)
            yield Page([t for t in page.tickets if str(t.get("id")) not in done], page.cursor, page.next_cursor,
                       page.end)
            self.state.advance(page.next_cursor)
            pages += 1
            if page.end:
                return


def make_client(vendor: str, *, base_url: str, token: str, email: str | None = None, **kw: Any) -> HelpdeskClient:
    """A :class:`HelpdeskClient` for ``vendor`` (keyword options as in :class:`HelpdeskClient`)."""
    return HelpdeskClient(vendor, base_url, token, email, **kw)
