"""Every reader's frame feeds Triage.fit, KnowledgeBase.add_tickets and write_report, with values right.

Each vendor's export is built from cxml's synthetic web shop (ground truth known) in that vendor's API shape.
"""

from __future__ import annotations

import pandas as pd
import pytest
from vendor_exports import EXPORTS

from cxml.connectors import read_tickets

# web shop channel -> what each vendor can express (Intercom web forms arrive in the messenger, etc.)
_EXPECTED_CHANNEL = {
    "zendesk": {"web_form": "web_form"}, "freshdesk": {}, "intercom": {"web_form": "chat", "social": "social"},
    "hubspot": {"social": "chat"}, "livechat": {"email": "chat", "web_form": "chat", "social": "chat"},
    "zammad": {},
}
_EXPECTED_PRIORITY = {"intercom": {"low": "medium", "medium": "medium", "high": "high", "urgent": "high"},
                      "zammad": {"urgent": "high"}}


@pytest.fixture(scope="module")
def sample(history):
    return history.iloc[:160].reset_index(drop=True)


@pytest.mark.parametrize("vendor", list(EXPORTS))
def test_mapped_values_match_the_ground_truth(vendor, sample):
    build, kwargs = EXPORTS[vendor]
    frame = read_tickets(build(sample), vendor, scrub_pii=False, **kwargs)
    assert len(frame) == len(sample) and frame.attrs["skipped"] == []
    truth = sample.set_index(sample["id"].map(lambda i: "".join(ch for ch in i if ch.isdigit()).lstrip("0")))
    ids = frame["id"].str.extract(r"(\d+)", expand=False).str.lstrip("0")
    truth = truth.loc[ids.tolist()].reset_index(drop=True)
    # timestamps: tz-aware, the same instants
    assert str(frame["created_at"].dt.tz) == "UTC"
    expected = pd.to_datetime(truth["created_at"]).dt.tz_localize("Europe/Helsinki").dt.tz_convert("UTC")
    assert (frame["created_at"] == expected).all()
    # channel and priority through each vendor's enums
    channel = truth["channel"].map(lambda c: _EXPECTED_CHANNEL[vendor].get(c, "chat" if vendor == "livechat" else c))
    assert frame["channel"].tolist() == channel.tolist()
    if vendor != "livechat":
        priority = truth["priority"].map(lambda p: _EXPECTED_PRIORITY.get(vendor, {}).get(p, p))
        assert frame["priority"].astype(str).tolist() == priority.tolist()
        assert frame["priority_raw"].notna().all()
    else:
        assert frame["priority"].isna().all()
    # the customer's message and the first agent reply
    first_lines = truth["body"].str.split("\n").str[0]
    assert all(line in body for line, body in zip(first_lines, frame["body"], strict=True))
    answered = (truth["answer"].notna() & truth["first_response_at"].notna()).to_numpy()
    if vendor != "hubspot":  # a CRM ticket object carries no thread
        assert (frame.loc[answered, "answer"].str.len() > 0).all()
        assert (frame.loc[answered, "first_response_at"] == pd.to_datetime(truth.loc[answered, "first_response_at"])
                .dt.tz_localize("Europe/Helsinki").dt.tz_convert("UTC").dt.floor("s")).all()
    assert all(t[0]["role"] == "customer" for t in frame["thread"])
    if vendor != "livechat":
        reason = frame["reason"]
    else:
        reason = frame["tags"].str[0]
    assert reason.tolist() == truth["reason"].tolist()


@pytest.mark.parametrize("vendor", list(EXPORTS))
def test_frames_are_accepted_by_triage_knowledge_and_report(vendor, sample, history, tmp_path):
    from cxml.knowledge import KnowledgeBase
    from cxml.reports import write_report
    from cxml.triage import Triage

    build, kwargs = EXPORTS[vendor]
    frame = read_tickets(build(sample), vendor, **kwargs)
    if vendor == "livechat":
        frame["reason"] = frame["tags"].str[0]
    targets = ("reason",) if vendor == "livechat" else ("reason", "priority")
    model = Triage(targets=targets, encoder="hash", cv=3).fit(frame)
    decisions = model.predict(frame.iloc[:5])
    assert set(decisions["reason_action"]) <= {"auto", "suggest", "abstain"}
    kb = KnowledgeBase(encoder="hash").add_tickets(frame)
    similar = kb.similar_tickets(frame["text"].iloc[0], k=1)
    assert str(similar["ticket_id"].iloc[0]) == str(frame["id"].iloc[0])
    path = write_report(frame, tmp_path / "report", title=f"{vendor} report")
    assert path.exists() and "data:image/png;base64," in path.read_text()
