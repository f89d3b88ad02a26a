"""The command line: thin argument parsing over the public API."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cxml
from cxml.cli import main
from cxml.datasets import make_webshop
from cxml.io import parse_columns, read_table, write_table


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"cxml {cxml.__version__}"


def test_console_script_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "cxml.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"cxml {cxml.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_parse_columns():
    assert parse_columns("text=title+description,reason=category") == {
        "text": ["title", "description"], "reason": "category"}
    assert parse_columns("text=body") == {"text": ["body"]}
    assert parse_columns(None) is None
    with pytest.raises(ValueError, match="canonical=source"):
        parse_columns("reason")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tables_round_trip(tmp_path, suffix):
    df = make_webshop(n_tickets=30, seed=3).tickets[["id", "subject", "body", "reason"]]
    back = read_table(write_table(df, tmp_path / f"t{suffix}"))
    assert back["id"].tolist() == df["id"].tolist()
    assert back["body"].tolist() == df["body"].tolist()


def test_unknown_table_format_is_clear(tmp_path):
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(ValueError, match=r"\.csv, \.jsonl or \.parquet"):
        read_table(tmp_path / "t.xlsx")


def test_report_command_writes_html(tmp_path, capsys):
    data = make_webshop(n_tickets=400, seed=2)
    export = data.tickets.rename(columns={"subject": "title", "body": "description"})
    src = write_table(export, tmp_path / "export.parquet")
    assert main(["report", "--tickets", str(src), "--out", str(tmp_path / "rep"),
                 "--columns", "text=title+description"]) == 0
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert "report written to" in capsys.readouterr().out


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["report", "--tickets", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 1
    assert "no such file" in capsys.readouterr().err


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    from cxml.cli.demo import run_demo

    out = tmp_path_factory.mktemp("m") / "demo"
    run_demo(n_tickets=400, n_backlog=40, encoder="hash", out=out)
    return out


def test_suggest_text_and_proactive(demo_model, capsys):
    capsys.readouterr()
    assert main(["suggest", "--model", str(demo_model), "--language", "en",
                 "I want to return the shoes I ordered, how do I get a return label?"]) == 0
    out = capsys.readouterr().out
    assert "1." in out or "no good article" in out
    # nothing reaches the threshold: say so, and still show the closest articles marked as such
    assert main(["suggest", "--model", str(demo_model), "--language", "en", "zzzz qqqq xxxx"]) == 0
    out = capsys.readouterr().out
    assert "no good article for this ticket: none reaches the calibrated score threshold (" in out
    assert "the closest, for an agent to judge:" in out and "   1. " in out
    assert main(["suggest", "--model", str(demo_model), "--url", "https://shop.example.fi/checkout/payment",
                 "--error", "CARD_DECLINED", "--language", "en", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["suggestions"][0]["level"] in {"error+url", "error"}
    assert res["should_offer"] is True


def test_train_and_evaluate_commands(tmp_path, capsys):
    data = make_webshop(n_tickets=400, seed=4)
    src = write_table(data.tickets.rename(columns={"reason": "category"}), tmp_path / "t.csv")
    out = tmp_path / "model"
    assert main(["train", "--tickets", str(src), "--targets", "reason", "--columns", "reason=category",
                 "--encoder", "hash", "--out", str(out)]) == 0
    assert (out / "manifest.json").exists()
    test = write_table(make_webshop(n_tickets=120, seed=5).tickets.rename(columns={"reason": "category"}),
                       tmp_path / "h.parquet")
    assert main(["evaluate", "--model", str(out), "--tickets", str(test), "--columns", "reason=category",
                 "--out", str(tmp_path / "eval")]) == 0
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert 0.5 < metrics["reason"]["accuracy"] <= 1.0
    assert cxml.load(out).get_params()["class_weight"] is None
    balanced = tmp_path / "balanced"
    assert main(["train", "--tickets", str(src), "--targets", "reason", "--columns", "reason=category",
                 "--encoder", "hash", "--class-weight", "balanced", "--out", str(balanced)]) == 0
    assert cxml.load(balanced).get_params()["class_weight"] == "balanced"
    assert "class_weight='balanced'" in (balanced / "README.md").read_text()  # the model card says so


@pytest.fixture(scope="module")
def kb_models(tmp_path_factory):
    """Tiny saved knowledge bases (hash encoder): with tickets and macros, with tickets only, with none."""
    from cxml.knowledge import KnowledgeBase

    data = make_webshop(n_tickets=150, seed=0)
    root = tmp_path_factory.mktemp("kb")
    tickets = data.tickets[data.tickets["language"] == "en"]
    full = KnowledgeBase(encoder="hash").add(data.articles).add_tickets(tickets)
    no_macro = KnowledgeBase(encoder="hash").add(data.articles).add_tickets(tickets.drop(columns=["macro"]))
    bare = KnowledgeBase(encoder="hash").add(data.articles)
    return {"full": full.save(root / "full"), "no_macro": no_macro.save(root / "no_macro"),
            "bare": bare.save(root / "bare"), "tickets": tickets}


def test_suggest_similar_tickets_with_answers(kb_models, capsys):
    t = kb_models["tickets"].iloc[0]
    text = f"{t['subject']}\n{t['body']}"
    capsys.readouterr()
    assert main(["suggest", "--model", str(kb_models["full"]), "--similar", "-k", "2", text]) == 0
    out = capsys.readouterr().out
    assert out.startswith("similar past tickets:")
    assert f"1. ticket {t['id']} (similarity 1.00)" in out  # the ticket itself is the nearest past ticket
    assert out.count("   answer: ") == 2 and t["answer"].split()[0] in out
    assert "macros" not in out
    assert main(["suggest", "--model", str(kb_models["full"]), "--similar", "--json", text]) == 0
    res = json.loads(capsys.readouterr().out)
    assert list(res) == ["similar_tickets"] and len(res["similar_tickets"]) == 3
    assert res["similar_tickets"][0]["ticket_id"] == str(t["id"])
    assert res["similar_tickets"][0]["answer"]


def test_suggest_macros(kb_models, capsys):
    tickets = kb_models["tickets"]
    t = tickets[tickets["macro"].notna()].iloc[0]
    capsys.readouterr()
    assert main(["suggest", "--model", str(kb_models["full"]), "--macros", f"{t['subject']}\n{t['body']}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("macros used on similar tickets:")
    lines = [x for x in out.splitlines()[1:] if x.strip()]
    assert 1 <= len(lines) <= 3 and lines[0].startswith("1. ")
    assert main(["suggest", "--model", str(kb_models["full"]), "--macros", "--similar", "--json", "-k", "3",
                 f"{t['subject']}\n{t['body']}"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res) == {"similar_tickets", "macros"} and len(res["macros"]) <= 3
    api = cxml.load(kb_models["full"]).suggest_macros(f"{t['subject']}\n{t['body']}", k=3)
    assert [m["macro"] for m in res["macros"]] == api["macro"].tolist()  # the CLI only prints the API's answer
    assert t["macro"] in api["macro"].tolist()  # the ticket itself (similarity 1) votes for its macro
    scores = [m["score"] for m in res["macros"]]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-9


@pytest.mark.parametrize(("model", "flag", "message"), [
    ("bare", "--similar", "needs past tickets"),
    ("bare", "--macros", "needs past tickets"),
    ("no_macro", "--macros", "no indexed ticket records a 'macro'"),
])
def test_suggest_similar_and_macros_errors_are_clear(kb_models, capsys, model, flag, message):
    capsys.readouterr()
    assert main(["suggest", "--model", str(kb_models[model]), flag, "my parcel has not arrived"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cxml suggest: error: ") and message in err and str(kb_models[model]) in err
    assert "Traceback" not in err


def test_suggest_similar_needs_text_not_session(kb_models, capsys):
    assert main(["suggest", "--model", str(kb_models["full"]), "--similar", "--url", "https://x/checkout"]) == 1
    assert "--similar and --macros need a ticket text" in capsys.readouterr().err


# --------------------------------------------------------------------------- issue 14: writes that never destroy
def test_train_never_destroys_what_is_at_out(tmp_path, capsys):
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    (victim / "thesis.txt").write_text("years of work")
    tickets = write_table(make_webshop(n_tickets=120, seed=2).tickets, victim / "tickets.csv")
    args = ["train", "--tickets", str(tickets), "--encoder", "hash", "--features", "tfidf", "--targets", "reason"]
    assert main([*args, "--out", str(victim)]) == 1
    assert "not a cxml model directory" in capsys.readouterr().err
    assert sorted(p.name for p in victim.iterdir()) == ["sub", "thesis.txt", "tickets.csv"]
    assert main([*args, "--out", str(victim / "thesis.txt"), "--overwrite"]) == 1
    assert (victim / "thesis.txt").read_text() == "years of work"

    model = tmp_path / "model"
    assert main([*args, "--out", str(model)]) == 0
    assert main([*args, "--out", str(model)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--out", str(model), "--overwrite"]) == 0
    cxml.load(model)


def test_train_checks_the_output_before_training(tmp_path, capsys, monkeypatch):
    from cxml.triage import Triage

    tickets = write_table(make_webshop(n_tickets=60, seed=2).tickets, tmp_path / "t.csv")
    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(Triage, "fit", lambda *a, **k: pytest.fail("trained before checking --out"))
    assert main(["train", "--tickets", str(tickets), "--out", str(tmp_path / "file" / "model")]) == 1
    assert "cannot create" in capsys.readouterr().err


def test_latin1_tickets_name_the_fix_and_encoding_reads_them(tmp_path, capsys):
    shop = make_webshop(n_tickets=120, seed=2).tickets[["id", "subject", "body", "reason", "created_at"]]
    path = tmp_path / "latin.csv"
    path.write_bytes(shop.to_csv(index=False).encode("cp1252", errors="replace"))
    assert main(["report", "--tickets", str(path), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "latin.csv is not UTF-8" in err and "--encoding cp1252" in err
    assert main(["report", "--tickets", str(path), "--out", str(tmp_path / "r"), "--encoding", "cp1252"]) == 0
