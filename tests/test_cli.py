"""The command line: thin argument parsing over the public API."""

from __future__ import annotations

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
