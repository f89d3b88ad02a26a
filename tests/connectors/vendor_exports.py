"""Vendor-shaped exports of cxml's synthetic web shop tickets (ground truth known), one builder per vendor.

Each builder writes the tickets in the shape the vendor's API returns them (see tests/fixtures/connectors/README.md
for the references); :data:`EXPORTS` pairs it with the ``read_tickets`` options that name the contact reason.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# ---------------------------------------------------------------------------------------------------------------
# vendor-shaped histories built from cxml's synthetic web shop (ground truth known)

_ZD_CHANNEL = {"email": "email", "chat": "chat", "web_form": "web", "social": "twitter", "phone": "voice"}
_ZD_PRIORITY = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}
_FD_SOURCE = {"email": 1, "web_form": 2, "phone": 3, "social": 5, "chat": 7}
_FD_PRIORITY = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
REASON_FIELD = 27642


def _iso(ts: Any) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    ts = pd.Timestamp(ts)
    ts = ts.tz_localize("Europe/Helsinki") if ts.tzinfo is None else ts
    return ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(ticket_id: str) -> int:
    return int("".join(ch for ch in str(ticket_id) if ch.isdigit()))


def as_zendesk(tickets: pd.DataFrame, *, per_page: int = 100) -> list[dict[str, Any]]:
    """Zendesk incremental export pages (``include=users,groups``) of the web shop tickets."""
    teams = {name: 9000 + i for i, name in enumerate(sorted(tickets["team"].astype(str).unique()))}
    records, users = [], {}
    for row in tickets.to_dict("records"):
        tid = _num(row["id"])
        requester = 10_000 + _num(row["customer_id"]) % 1_000_000
        agent = 500 + len(str(row["agent"]))
        users[requester] = {"id": requester, "role": "end-user", "locale": row["language"]}
        users[agent] = {"id": agent, "role": "agent", "locale": "fi"}
        comments = [{"id": tid * 10, "type": "Comment", "author_id": requester, "public": True,
                     "created_at": _iso(row["created_at"]),
                     "html_body": "".join(f"<p>{line}</p>" for line in str(row["body"]).split("\n") if line)}]
        if row.get("answer") and not pd.isna(row["first_response_at"]):
            comments.append({"id": tid * 10 + 1, "type": "Comment", "author_id": agent, "public": True,
                             "created_at": _iso(row["first_response_at"]), "body": row["answer"]})
        records.append({
            "id": tid, "via": {"channel": _ZD_CHANNEL[row["channel"]]}, "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["created_at"]), "subject": row["subject"], "description": row["body"],
            "priority": _ZD_PRIORITY[row["priority"]], "status": "open", "requester_id": requester,
            "assignee_id": agent, "group_id": teams[str(row["team"])], "tags": [],
            "custom_fields": [{"id": REASON_FIELD, "value": row["reason"]}], "comments": comments, "type": None,
        })
    pages = []
    for start in range(0, len(records), per_page):
        chunk = records[start:start + per_page]
        pages.append({"tickets": chunk, "users": [users[t["requester_id"]] for t in chunk],
                      "groups": [{"id": i, "name": n} for n, i in teams.items()],
                      "after_cursor": f"c{start // per_page + 1}", "end_of_stream": start + per_page >= len(records)})
    return pages


def as_freshdesk(tickets: pd.DataFrame) -> list[dict[str, Any]]:
    """Freshdesk tickets (``include=conversations,stats``) of the web shop tickets."""
    out = []
    for row in tickets.to_dict("records"):
        tid = _num(row["id"])
        convs = []
        if row.get("answer") and not pd.isna(row["first_response_at"]):
            convs.append({"id": tid * 10, "ticket_id": tid, "incoming": False, "private": False, "user_id": 77,
                          "body": f"<div>{row['answer']}</div>", "created_at": _iso(row["first_response_at"])})
        out.append({
            "id": tid, "subject": row["subject"], "source": _FD_SOURCE[row["channel"]],
            "priority": _FD_PRIORITY[row["priority"]], "status": 2, "type": row["reason"],
            "description": "".join(f"<div>{line}</div>" for line in str(row["body"]).split("\n") if line),
            "requester_id": _num(row["customer_id"]), "responder_id": 77, "group_id": None, "tags": [],
            "created_at": _iso(row["created_at"]), "updated_at": _iso(row["created_at"]), "spam": False,
            "custom_fields": {"cf_team": row["team"]},
            "stats": {"first_responded_at": _iso(row["first_response_at"]), "resolved_at": _iso(row["resolved_at"])},
            "conversations": convs,
        })
    return out




_IC_CHANNEL = {"email": "email", "chat": "conversation", "web_form": "conversation", "social": "facebook",
               "phone": "phone_call"}
_IC_PRIORITY = {"low": "not_priority", "medium": "not_priority", "high": "priority", "urgent": "priority"}
_HS_SOURCE = {"email": "EMAIL", "chat": "CHAT", "web_form": "FORM", "social": "CHAT", "phone": "PHONE"}
_ZM_TYPE = {"email": "email", "chat": "chat", "web_form": "web", "social": "twitter status", "phone": "phone"}
_ZM_PRIORITY = {"low": "1 low", "medium": "2 normal", "high": "3 high", "urgent": "3 high"}


def _epoch(ts: Any) -> int | None:
    iso = _iso(ts)
    return None if iso is None else int(pd.Timestamp(iso).timestamp())


def as_intercom(tickets: pd.DataFrame) -> dict[str, Any]:
    """An Intercom conversation list page; the reason is a custom attribute."""
    conversations = []
    for row in tickets.to_dict("records"):
        parts = []
        if row.get("answer") and not pd.isna(row["first_response_at"]):
            parts.append({"type": "conversation_part", "id": "p1", "part_type": "comment",
                          "body": f"<p>{row['answer']}</p>", "created_at": _epoch(row["first_response_at"]),
                          "author": {"type": "admin", "id": "77"}})
        conversations.append({
            "type": "conversation", "id": str(_num(row["id"])), "title": row["subject"],
            "created_at": _epoch(row["created_at"]), "state": "open", "priority": _IC_PRIORITY[row["priority"]],
            "source": {"type": _IC_CHANNEL[row["channel"]], "delivered_as": "customer_initiated",
                       "body": "".join(f"<p>{x}</p>" for x in str(row["body"]).split("\n") if x),
                       "author": {"type": "user", "id": row["customer_id"]}, "url": row["url"] or None},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": row["customer_id"]}]},
            "custom_attributes": {"reason": row["reason"]},
            "statistics": {"first_admin_reply_at": _epoch(row["first_response_at"])},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts},
            "tags": {"type": "tag.list", "tags": []},
        })
    return {"type": "conversation.list", "conversations": conversations}


def as_hubspot(tickets: pd.DataFrame) -> dict[str, Any]:
    """A HubSpot CRM search page; the reason is ``hs_ticket_category``."""
    return {"results": [{
        "id": str(_num(row["id"])), "archived": False, "createdAt": _iso(row["created_at"]),
        "properties": {"subject": row["subject"], "content": row["body"], "createdate": _iso(row["created_at"]),
                       "hs_pipeline": "0", "hs_pipeline_stage": "1", "hs_ticket_priority": row["priority"].upper(),
                       "hs_ticket_category": row["reason"], "source_type": _HS_SOURCE[row["channel"]],
                       "first_agent_reply_date": _iso(row["first_response_at"])},
    } for row in tickets.to_dict("records")], "paging": None}


def as_livechat(tickets: pd.DataFrame) -> dict[str, Any]:
    """A LiveChat ``list_archives`` page; the reason is the thread's tag."""
    chats = []
    for row in tickets.to_dict("records"):
        cid = row["customer_id"]
        events = [{"id": f"{row['id']}_{i}", "type": "message", "visibility": "all", "text": line,
                   "author_id": cid, "created_at": _iso(row["created_at"])}
                  for i, line in enumerate(x for x in str(row["body"]).split("\n") if x)]
        if row.get("answer") and not pd.isna(row["first_response_at"]):
            events.append({"id": f"{row['id']}_a", "type": "message", "visibility": "all", "text": row["answer"],
                           "author_id": "agent@example.com", "created_at": _iso(row["first_response_at"])})
        chats.append({"id": f"CH{_num(row['id'])}", "users": [
            {"id": cid, "type": "customer", "last_visit": {"last_pages": [{"url": row["url"] or None,
                                                                           "title": row["page_title"] or None}]}},
            {"id": "agent@example.com", "type": "agent"}],
            "thread": {"id": f"TH{_num(row['id'])}", "created_at": _iso(row["created_at"]), "active": False,
                       "events": events, "tags": [row["reason"]], "properties": {}}})
    return {"chats": chats, "found_chats": len(chats), "next_page_id": None}


def as_zammad(tickets: pd.DataFrame) -> list[dict[str, Any]]:
    """Zammad tickets (``expand=true``) with their articles inline; the reason is a custom attribute."""
    out = []
    for row in tickets.to_dict("records"):
        tid = _num(row["id"])
        articles = [{"id": tid * 10, "ticket_id": tid, "sender": "Customer", "internal": False,
                     "type": _ZM_TYPE[row["channel"]], "content_type": "text/plain", "body": row["body"],
                     "created_at": _iso(row["created_at"])}]
        if row.get("answer") and not pd.isna(row["first_response_at"]):
            articles.append({"id": tid * 10 + 1, "ticket_id": tid, "sender": "Agent", "internal": False,
                             "type": "email", "content_type": "text/html", "body": f"<p>{row['answer']}</p>",
                             "created_at": _iso(row["first_response_at"])})
        out.append({"id": tid, "number": str(30000 + tid), "title": row["subject"], "state": "open",
                    "priority": _ZM_PRIORITY[row["priority"]], "group": row["team"], "customer_id": 100 + tid,
                    "created_at": _iso(row["created_at"]), "create_article_type": _ZM_TYPE[row["channel"]],
                    "contact_reason": row["reason"], "articles": articles})
    return out


#: vendor -> (export builder, read_tickets keyword arguments that name the reason)
EXPORTS: dict[str, tuple[Any, dict[str, Any]]] = {
    "zendesk": (as_zendesk, {"fields": {REASON_FIELD: "reason"}}),
    "freshdesk": (as_freshdesk, {}),
    "intercom": (as_intercom, {}),
    "hubspot": (as_hubspot, {}),
    "livechat": (as_livechat, {}),
    "zammad": (as_zammad, {"fields": {"contact_reason": "reason"}}),
}
