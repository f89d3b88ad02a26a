"""cxml import + cxml train + cxml score (+ cxml report) end to end on Freshdesk and Zendesk exports."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from vendor_exports import REASON_FIELD, as_freshdesk, as_zendesk

from cxml.cli import main
from cxml.io import read_table


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.parametrize("vendor", ["freshdesk", "zendesk"])
def test_import_train_score_report(vendor, history, tmp_path, capsys):
    old, new = history.iloc[:280], history.iloc[280:340]
    if vendor == "freshdesk":  # the API's ticket list, saved as one JSON file
        (tmp_path / "export.json").write_text(json.dumps(as_freshdesk(old)))
        (tmp_path / "new.json").write_text(json.dumps(as_freshdesk(new)))
        export, batch, extra = tmp_path / "export.json", tmp_path / "new.json", []
    else:  # incremental export pages: a folder of pages, and a JSON Lines file of pages
        folder = tmp_path / "export"
        folder.mkdir()
        for i, page in enumerate(as_zendesk(old, per_page=100)):
            (folder / f"page_{i:03d}.json").write_text(json.dumps(page))
        (tmp_path / "new.jsonl").write_text("\n".join(json.dumps(p) for p in as_zendesk(new, per_page=25)))
        export, batch, extra = folder, tmp_path / "new.jsonl", ["--fields", f"{REASON_FIELD}=reason"]
    tickets = tmp_path / "tickets.parquet"
    out = run(["import", "--vendor", vendor, str(export), "--out", str(tickets), *extra], capsys)
    assert f"imported 280 {vendor} tickets to {tickets}" in out
    frame = read_table(tickets)
    assert frame["reason"].tolist() == old["reason"].tolist()
    assert frame["channel"].tolist() == old["channel"].tolist()
    assert frame["priority"].tolist() == old["priority"].tolist()
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert isinstance(frame["thread"].iloc[0][0]["body"], str)

    model = tmp_path / "model"
    out = run(["train", "--tickets", str(tickets), "--targets", "reason,priority", "--encoder", "hash",
               "--out", str(model)], capsys)
    assert "trained reason, priority on 280 tickets" in out

    new_tickets = tmp_path / "new.parquet"
    run(["import", "--vendor", vendor, str(batch), "--out", str(new_tickets), *extra], capsys)
    scores = tmp_path / "scores.csv"
    run(["score", "--model", str(model), "--input", str(new_tickets), "--output", str(scores), "--quiet"], capsys)
    scored = pd.read_csv(scores)
    assert len(scored) == 60
    assert set(scored["reason_action"]) <= {"auto", "suggest", "abstain"}
    assert scored["id"].astype(str).tolist() == read_table(new_tickets)["id"].astype(str).tolist()

    out = run(["report", "--tickets", str(tickets), "--out", str(tmp_path / "report")], capsys)
    assert (tmp_path / "report" / "report.html").exists()


def test_import_csv_output_articles_and_errors(fixtures_dir, payloads, tmp_path, capsys):
    out = run(["import", "--vendor", "zammad", str(fixtures_dir / "zammad"), "--out", str(tmp_path / "t.csv")],
              capsys)
    assert "imported 3 zammad tickets" in out and "skipped 1: merged ticket" in out
    back = pd.read_csv(tmp_path / "t.csv")
    assert json.loads(back.loc[0, "thread"])[0]["role"] == "customer"
    out = run(["import", "--vendor", "freshdesk", "--articles",
               str(payloads / "freshdesk_api_v2" / "solution_articles.json"), "--out", str(tmp_path / "a.jsonl")],
              capsys)
    assert "imported 1 freshdesk articles" in out and "draft article" in out
    assert main(["import", "--vendor", "zendesk", str(payloads / "freshdesk_api_v2" / "ticket_1.json"),
                 "--out", str(tmp_path / "x.parquet")]) == 1
    assert "looks like a payload from freshdesk" in capsys.readouterr().err


def test_sync_needs_its_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CXML_NO_SUCH_TOKEN", raising=False)
    assert main(["sync", "--vendor", "zendesk", "--subdomain", "acme", "--token-env", "CXML_NO_SUCH_TOKEN",
                 "--model", str(tmp_path)]) == 1
    assert "environment variable CXML_NO_SUCH_TOKEN is not set" in capsys.readouterr().err
