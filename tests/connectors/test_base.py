"""Shared connector pieces: loading what users have, timestamps, enums, decisions (cxml.connectors._base)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxml.connectors import ConnectorError, read_tickets
from cxml.connectors._base import Decisions, ReadContext, dig, load_pages, map_enum, pseudonym, timestamp


def test_timestamps_are_tz_aware_utc():
    ctx = ReadContext("zendesk")
    assert timestamp("2024-05-02T11:20:00+03:00", ctx, "r", "f") == pd.Timestamp("2024-05-02T08:20:00Z")
    assert timestamp(1717236000, ctx, "r", "f") == pd.Timestamp("2024-06-01T10:00:00Z")
    assert timestamp(1717236000123, ctx, "r", "f") == pd.Timestamp("2024-06-01T10:00:00.123Z")  # epoch ms
    assert timestamp("1717236000", ctx, "r", "f") == pd.Timestamp("2024-06-01T10:00:00Z")
    helsinki = ReadContext("freshdesk", tz="Europe/Helsinki")
    assert timestamp("2024-01-15 12:00:00", helsinki, "r", "f") == pd.Timestamp("2024-01-15T10:00:00Z")
    assert timestamp(None, ctx, "r", "f") is None and timestamp("", ctx, "r", "f") is None
    with pytest.raises(ConnectorError, match=r"zendesk: ticket 1: field 'updated_at' holds True"):
        timestamp(True, ctx, "ticket 1", "updated_at")


def test_unknown_enum_warns_once_per_value():
    ctx = ReadContext("zammad")
    with pytest.warns(UserWarning) as caught:
        assert map_enum("5 blocker", {"low": "low"}, ctx, "priority") == "5 blocker"
        assert map_enum("5 blocker", {"low": "low"}, ctx, "priority") == "5 blocker"
    assert len(caught) == 1
    assert map_enum("LOW", {"low": "low"}, ctx, "priority") == "low" and map_enum(None, {}, ctx, "x") is None


def test_loading_files_folders_and_errors(tmp_path):
    page = {"tickets": [{"id": 1}], "end_of_stream": True}
    (tmp_path / "a.json").write_text(json.dumps(page))
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": 2}) + "\n\n" + json.dumps({"id": 3}) + "\n")
    (tmp_path / "ignored.txt").write_text("x")
    assert load_pages(tmp_path, "zendesk") == [page, {"id": 2}, {"id": 3}]
    assert load_pages(json.dumps([page, page]), "zendesk") == [page, page]  # JSON text: a list of pages
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\nnot json\n')
    with pytest.raises(ConnectorError, match=r"bad.jsonl is neither JSON nor JSON Lines \(line 2"):
        load_pages(tmp_path / "bad.jsonl", "zendesk")
    with pytest.raises(FileNotFoundError, match="zendesk: no such file or folder"):
        load_pages(tmp_path / "missing.json", "zendesk")
    with pytest.raises(ConnectorError, match="zendesk: cannot read int"):
        load_pages(42, "zendesk")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConnectorError, match=r"holds no .json, .jsonl or .csv pages"):
        load_pages(empty, "zendesk")


def test_skips_are_logged_with_counts_and_reasons(caplog):
    records = [{"id": 1, "spam": True, "created_at": "2024-01-01T00:00:00Z"},
               {"id": 2, "created_at": "2024-01-01T00:00:00Z", "source": 1, "description": "a", "requester_id": 1},
               {"id": 3, "source": 1, "requester_id": 1}]
    with caplog.at_level("WARNING", logger="cxml.connectors"):
        frame = read_tickets(records, "freshdesk", errors="skip")
    assert frame["id"].tolist() == ["2"]
    assert [(s["position"], s["id"]) for s in frame.attrs["skipped"]] == [(0, "1"), (2, "3")]
    assert "freshdesk: skipped 2 of 3 records: 1 spam; 1 freshdesk: ticket 3 (record 2): field 'created_at'" in caplog.text


def test_no_tickets_and_unknown_vendor_and_errors_option():
    with pytest.raises(ConnectorError, match="zendesk: no tickets in the data"):
        read_tickets({"tickets": []}, "zendesk")
    with pytest.raises(ConnectorError, match=r"unknown vendor 'jira'; choose one of \['zendesk'"):
        read_tickets([], "jira")
    with pytest.raises(ValueError, match="errors must be 'raise' or 'skip'"):
        read_tickets([], "zendesk", errors="ignore")


def test_decisions_from_a_parquet_row_and_nan_probabilities():
    row = {"reason": "refund", "reason_action": "suggest", "reason_confidence": np.float32(0.5),
           "reason_top3": np.array([np.array(["refund", "0.5"], dtype=object), np.array(["return", "0.25"])]),
           "priority": None, "priority_action": "suggest", "priority_top3": None}
    dec = Decisions.of(row)
    assert dec.suggest["reason"] == [("refund", 0.5), ("return", 0.25)]
    note = dec.note()
    assert "cxml suggests reason: refund (50%), return (25%)" in note
    assert "nan" not in note


def test_small_helpers():
    assert dig({"a": {"b": [{"c": 1}]}}, "a.b.0.c") == 1 and dig({"a": 1}, "a.b") is None
    assert dig({"a": [1]}, "a.5", "x") == "x"
    assert pseudonym("Maija@Example.com ") == pseudonym("maija@example.com") and pseudonym("") is None
    assert "maija" not in pseudonym("maija@example.com")


@pytest.mark.parametrize("vendor, path", [("zendesk", "zendesk/incremental_page1.json"),
                                          ("hubspot", "hubspot/tickets_search.json"),
                                          ("livechat", "livechat/archives.json")])
def test_each_vendor_module_reads_as_the_dispatcher(fixtures_dir, vendor, path):
    import importlib

    module = importlib.import_module(f"cxml.connectors.{vendor}")
    direct = module.read_tickets(fixtures_dir / path, errors="skip")
    pd.testing.assert_frame_equal(direct, read_tickets(fixtures_dir / path, vendor, errors="skip"))
    if vendor == "zendesk":
        articles = module.read_articles(fixtures_dir / "zendesk" / "articles.json")
        assert articles["id"].tolist() == ["360001", "360002"]
    else:
        assert not hasattr(module, "read_articles")
