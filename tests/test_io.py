"""cxml.io: one place that reads every input format, honestly (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxml.io import check_csv, read_table, write_table
from cxml.schema import ValidationError


def _rows(n: int = 300) -> list[str]:
    return [f"T{i:06d},Tilaus {i} ei ole tullut,{'refund' if i % 2 else 'delivery'},normal" for i in range(1, n + 1)]


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("id,text,reason,priority\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_stray_quotes_stop_with_the_line_numbers(tmp_path):
    rows = _rows()
    rows[9] = 'T000010,"Tilaus 10 ei ole tullut,refund,normal'  # a body that starts with a quote
    rows[14] = 'T000015,Tilaus 15 ei ole tullut",delivery,normal'  # and one that ends with one
    path = _csv(tmp_path / "t.csv", rows)
    assert len(pd.read_csv(path)) == 295  # what pandas alone does: five rows gone, no error
    with pytest.raises(ValidationError, match=r"quote at line 11 .* lines 12, 13, 14, 15 .*stray quote"):
        read_table(path)


def test_a_stray_quote_over_two_lines_is_caught(tmp_path):
    rows = _rows(20)
    rows[4] = 'T000005,"Tilaus 5 ei ole tullut,refund,normal'
    rows[5] = 'T000006,Tilaus 6 ei ole tullut",delivery,normal'
    with pytest.raises(ValidationError, match=r"line 6 .* lines 6, 7"):
        read_table(_csv(tmp_path / "t.csv", rows))


def test_an_unclosed_quote_is_caught(tmp_path):
    rows = _rows(20)
    rows[17] = 'T000018,"Tilaus 18 ei ole tullut,refund'
    with pytest.raises(ValidationError, match=r"line 19"):
        read_table(_csv(tmp_path / "t.csv", rows))


def test_quoted_multiline_fields_with_commas_are_fine(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text('id,text,reason,priority\nT1,"I ordered shoes, socks, hats\nand also gloves, scarfs, belts",'
                    'refund,high\nT2,"Hei,\nkiitos ""paljon""",orders,low\nT3,ok,a,b\n', encoding="utf-8")
    df = read_table(path)
    assert df["id"].tolist() == ["T1", "T2", "T3"]
    assert df["text"][1] == 'Hei,\nkiitos "paljon"'
    assert check_csv(path).n_records == 3


def test_latin1_csv_names_the_line_the_encoding_and_the_fix(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("id,text\n1,Hyvä päivä\n".encode("latin-1"))
    with pytest.raises(ValidationError, match=r"latin.csv is not UTF-8: byte 0xe4 at line 2, column 6.*"
                                              r"cp1252.*iconv -f cp1252 -t utf-8.*encoding='cp1252'"):
        read_table(path)
    assert read_table(path, encoding="cp1252")["text"].tolist() == ["Hyvä päivä"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfid,text\n1,Hyv\xc3\xa4\n")
    assert read_table(bom).columns.tolist() == ["id", "text"]


def test_empty_and_broken_jsonl_are_named(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"empty.jsonl is empty: it holds no JSON records"):
        read_table(empty)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": \n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"broken.jsonl: line 2 is not valid JSON"):
        read_table(broken)
    listed = tmp_path / "list.jsonl"
    listed.write_text('[1, 2]\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"line 1 holds a JSON list, not an object"):
        read_table(listed)


def test_corrupt_parquet_is_named(tmp_path):
    good = write_table(pd.DataFrame({"id": ["1", "2"], "text": ["a", "b"]}), tmp_path / "good.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValidationError, match=r"bad.parquet is not a readable Parquet file.*Export it again"):
        read_table(bad)
    assert read_table(good)["text"].tolist() == ["a", "b"]


def test_cli_train_and_report_stop_on_quote_damage(tmp_path, capsys):
    from cxml.cli import main

    rows = _rows()
    rows[9] = 'T000010,"Tilaus 10 ei ole tullut,refund,normal'
    rows[14] = 'T000015,Tilaus 15 ei ole tullut",delivery,normal'
    path = _csv(tmp_path / "t.csv", rows)
    assert main(["train", "--tickets", str(path), "--out", str(tmp_path / "m"), "--encoder", "hash",
                 "--features", "tfidf", "--targets", "reason"]) == 1
    assert "lines 12, 13, 14, 15" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
    assert main(["report", "--tickets", str(path), "--out", str(tmp_path / "r")]) == 1
    assert "quote at line 11" in capsys.readouterr().err
