"""Batch scoring: the Scorer contract, chunked file scoring, exactly-once resume after SIGKILL, the CLI."""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxml.schema import ValidationError
from cxml.scoring import ResumeError, Scorer, model_hash, score_file
from cxml.scoring import parts as part_files

TARGETS = ("reason", "priority")
#: What a backlog export holds: text and the context the model uses.
FILE_COLUMNS = ["id", "subject", "body", "channel", "segment", "language", "error_code"]
SCORE_COLUMNS = ["reason", "reason_confidence", "reason_action", "reason_abstain_reason", "priority",
                 "priority_confidence", "priority_action", "priority_abstain_reason", "error"]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def webshop():
    from cxml.datasets import make_webshop

    return make_webshop(n_tickets=900, seed=1)


@pytest.fixture(scope="module")
def triage(webshop):
    from cxml.triage import Triage

    return Triage(targets=TARGETS, encoder="hash", features="tfidf", cv=3).fit(webshop.tickets.head(600))


@pytest.fixture(scope="module")
def model_dir(triage, tmp_path_factory) -> Path:
    return triage.save(tmp_path_factory.mktemp("model") / "triage")


@pytest.fixture(scope="module")
def bundle(triage, webshop):
    from cxml.bundle import HelpdeskModel
    from cxml.knowledge import KnowledgeBase

    return HelpdeskModel(triage=triage, knowledge=KnowledgeBase(encoder="hash").add(webshop.articles))


@pytest.fixture()
def backlog(webshop) -> pd.DataFrame:
    """Unseen tickets with bad rows: blank text, a number, bytes that are not UTF-8, no text at all."""
    df = webshop.tickets.iloc[600:700].copy().astype({"subject": object, "body": object})
    df.loc[df.index[3], ["subject", "body"]] = ["  ", ""]
    df.loc[df.index[10], "body"] = 42
    df.loc[df.index[11], "body"] = b"\xff\xfe broken"
    df.loc[df.index[12], ["subject", "body"]] = [None, None]
    df.loc[df.index[13], "body"] = "Ostin kengät mutta ne ovat liian pienet".encode()  # valid UTF-8 bytes
    return df


def _ticket_file(df: pd.DataFrame, path: Path) -> Path:
    """Write tickets as CSV / JSON Lines / Parquet (text columns only: what a backlog export holds)."""
    df = df[FILE_COLUMNS]
    if path.suffix == ".parquet":
        df.astype({"subject": "string", "body": "string"}).to_parquet(path, index=False)
    elif path.suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            for rec in df.to_dict(orient="records"):
                fh.write(json.dumps({k: (None if isinstance(v, float) and np.isnan(v) else v)
                                     for k, v in rec.items()}, ensure_ascii=False) + "\n")
    return path


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"id": str}, keep_default_na=False, na_values=[""])
    return pd.read_json(path, lines=True, dtype={"id": str})


# --------------------------------------------------------------------------- Scorer
def test_scorer_one_row_per_input_in_order_with_errors(triage, backlog) -> None:
    batch = backlog.set_axis(pd.Index(np.arange(len(backlog))[::-1] * 7, name="pos"))  # any index, kept
    out = Scorer(triage)(batch)
    assert out.index.equals(batch.index)
    assert list(out.columns) == ["id", *SCORE_COLUMNS]
    assert out["id"].tolist() == batch["id"].tolist()
    err = out["error"]
    assert err.iloc[3].startswith("empty text") and "'subject' and 'body'" in err.iloc[3]
    assert err.iloc[10] == "column 'body' holds a non-text value 42 of type int; expected a string"
    assert "not valid UTF-8" in err.iloc[11]
    assert err.iloc[12].startswith("missing text")
    assert err.isna().sum() == len(batch) - 4  # valid UTF-8 bytes (row 13) are fine
    bad = [3, 10, 11, 12]
    assert out.iloc[bad][["reason", "reason_confidence", "reason_action", "priority"]].isna().all().all()
    good = [i for i in range(len(batch)) if i not in bad]
    direct = triage.predict(batch.iloc[good].drop(columns="id").reset_index(drop=True))
    for col in SCORE_COLUMNS[:-1]:
        np.testing.assert_array_equal(out[col].iloc[good].astype(object).fillna("-").to_numpy(),
                                      direct[col].astype(object).fillna("-").to_numpy(), err_msg=col)


def test_scorer_dtypes_stable_for_empty_and_all_bad_batches(triage, backlog) -> None:
    scorer = Scorer(triage)
    full, empty, all_bad = scorer(backlog), scorer(backlog.iloc[:0]), scorer(backlog.iloc[[3, 10, 11, 12]])
    for other in (empty, all_bad):
        assert list(other.columns) == list(full.columns)
        assert other.dtypes.equals(full.dtypes)
    assert all_bad["error"].notna().all()
    both = pd.concat([full, empty, all_bad])
    assert both.dtypes.equals(full.dtypes)
    assert str(full["reason_confidence"].dtype) == "float64"
    assert isinstance(full["reason"].dtype, pd.StringDtype)
    assert scorer.empty().drop(columns="id").dtypes.equals(full.drop(columns="id").dtypes)


def test_scorer_ids_need_not_be_unique_and_default_to_the_index(triage, backlog) -> None:
    dup = backlog.assign(id="same")
    out = Scorer(triage)(dup)
    assert (out["id"] == "same").all() and out["error"].isna().sum() == len(dup) - 4
    no_id = backlog.drop(columns="id").set_axis(pd.RangeIndex(5, 5 + len(backlog)))
    assert Scorer(triage)(no_id)["id"].tolist() == [str(i) for i in range(5, 5 + len(backlog))]
    with pytest.raises(ValidationError, match="id column 'ticket_no' is not in the batch"):
        Scorer(triage, id_column="ticket_no")(no_id)


def test_scorer_column_mapping_dict_and_cli_string(triage, backlog) -> None:
    renamed = backlog.rename(columns={"id": "ticket_no", "subject": "title", "body": "description"})
    expected = Scorer(triage)(backlog)
    for columns in ({"text": ["title", "description"], "id": "ticket_no"}, "text=title+description,id=ticket_no"):
        out = Scorer(triage, columns=columns)(renamed)
        assert list(out.columns) == ["ticket_no", *SCORE_COLUMNS]
        pd.testing.assert_frame_equal(out.drop(columns=["ticket_no", "error"]),
                                      expected.drop(columns=["id", "error"]))
        assert "'title' and 'description'" in out["error"].iloc[3]


def test_scorer_whole_batch_problems_raise(triage, backlog) -> None:
    with pytest.raises(ValidationError, match="no text column"):
        Scorer(triage)(backlog.drop(columns=["subject", "body"]))
    with pytest.raises(ValidationError, match=r"\['headline'\]"):
        Scorer(triage, columns={"text": "headline"})(backlog)
    with pytest.raises(TypeError, match="pandas DataFrame"):
        Scorer(triage)(backlog.to_dict(orient="records"))
    with pytest.raises(ValueError, match="k_articles"):
        Scorer(triage, k_articles=-1)


@pytest.mark.filterwarnings("ignore:Could not infer format:UserWarning")
def test_scorer_sets_aside_rows_another_column_rejects(triage, backlog) -> None:
    batch = backlog.astype({"created_at": object})
    batch.loc[batch.index[5], "created_at"] = "not a date"
    out = Scorer(triage)(batch)
    assert out["error"].iloc[5] == "invalid value in column 'created_at': 'not a date'"
    assert out["reason"].iloc[[4, 6]].notna().all()


def test_scorer_narrows_an_unexpected_error_down_to_its_row(triage, backlog, monkeypatch) -> None:
    real = type(triage).predict

    def flaky(self, tickets, columns=None):  # the Scorer hands triage one validated TicketBatch
        if any("BOOM" in text for text in tickets.texts):
            raise RuntimeError("head exploded")
        return real(self, tickets, columns=columns)

    monkeypatch.setattr(type(triage), "predict", flaky)
    batch = backlog.copy()
    batch.loc[batch.index[20], "body"] = "BOOM"
    out = Scorer(triage)(batch)
    assert out["error"].iloc[20] == "could not be scored: RuntimeError: head exploded"
    assert out["error"].isna().sum() == len(batch) - 5

    def broken(self, tickets, columns=None):
        raise RuntimeError("model is broken")

    monkeypatch.setattr(type(triage), "predict", broken)
    with pytest.raises(RuntimeError, match="model is broken"):  # every row fails: not the data's fault
        Scorer(triage)(batch)


def test_scorer_adds_articles_and_suggests_each_text_once(bundle, backlog, webshop, monkeypatch) -> None:
    kb = bundle.knowledge
    batch = backlog.copy()
    art = webshop.articles.iloc[0]
    batch.loc[batch.index[[30, 31]], ["subject", "body"]] = [art["title"], art["body"]]
    seen: list[int] = []
    real = type(kb).suggest_many

    def spy(self, queries, k=5, **kwargs):
        seen.append(len(queries))
        return real(self, queries, k=k, **kwargs)

    monkeypatch.setattr(type(kb), "suggest_many", spy)
    out = Scorer(bundle)(batch)
    assert list(out.columns) == ["id", *SCORE_COLUMNS[:-1], "article_id", "article_score", "error"]
    assert seen == [len(batch) - 4 - 1]  # bad rows left out, the duplicated text suggested once
    direct = real(kb, [f"{art['title']}\n{art['body']}"], k=1)
    assert out["article_id"].iloc[30] == str(direct["article_id"].iloc[0]) == out["article_id"].iloc[31]
    assert out["article_score"].iloc[30] == pytest.approx(direct["score"].iloc[0])
    assert out.iloc[[3, 10]][["article_id", "article_score"]].isna().all().all()
    top2 = Scorer(bundle, k_articles=2)(batch)
    assert ["article_id_1", "article_score_1", "article_id_2", "article_score_2"] == list(top2.columns[-5:-1])
    assert "article_id" not in Scorer(bundle, k_articles=0)(batch).columns


def test_scorer_loads_a_directory_once(model_dir, backlog) -> None:
    scorer = Scorer(model_dir)
    assert scorer.model_dir_ == Path(model_dir).resolve()
    assert scorer.model_hash_ == model_hash(model_dir) and len(scorer.model_hash_) == 64
    assert scorer.targets_ == list(TARGETS)
    assert scorer(backlog)["reason"].notna().sum() == len(backlog) - 4


# --------------------------------------------------------------------------- readers and progress
def test_chunks_are_exactly_chunk_size_rows(tmp_path, webshop) -> None:
    df = webshop.tickets.iloc[:257]
    for suffix in (".csv", ".jsonl", ".parquet"):
        path = _ticket_file(df, tmp_path / f"in{suffix}")
        chunks = list(part_files.ChunkReader(path, 50))
        assert [c.n_rows for c in chunks] == [50] * 5 + [7], suffix
        assert [c.start for c in chunks] == list(range(0, 257, 50))
        frame = chunks[1].to_pandas()
        assert frame.index.tolist() == list(range(50, 100))
        assert frame["id"].tolist() == df["id"].iloc[50:100].tolist()
        assert frame["body"].tolist() == df["body"].iloc[50:100].tolist()  # multi-line bodies survive
        assert part_files.count_rows(path, part_files.table_format(path)) == 257, suffix


@pytest.mark.filterwarnings("ignore:.*fitted with context columns:UserWarning")
def test_csv_and_jsonl_rows_that_do_not_read_become_errors(tmp_path, triage) -> None:
    csv = tmp_path / "in.csv"
    csv.write_bytes(b'id,subject,body\n1,Hello,"my parcel\nis late"\n2,Bad,"\xff\xfe"\n3,,\n4,Refund,please\n')
    out = tmp_path / "out.parquet"
    score_file(triage, csv, out, quiet=True)
    got = pd.read_parquet(out)
    assert got["id"].tolist() == ["1", "2", "3", "4"] and got["row"].tolist() == [0, 1, 2, 3]
    assert "not valid UTF-8" in got["error"][1] and got["error"][2].startswith("missing text")
    assert got["error"].isna().tolist() == [True, False, False, True]

    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"id": 7, "body": "where is my order"}\n\n{"id": 8, "body": \n[1, 2]\n'
                     '{"id": "x9", "body": 3.5}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    report = score_file(triage, jsonl, out, quiet=True)
    got = pd.read_json(out, lines=True, dtype={"id": str})
    assert report.n_rows == 4 and report.n_errors == 3
    assert got["row"].tolist() == [0, 1, 2, 3]
    assert got["id"].tolist()[0::3] == ["7", "x9"]
    assert got["error"][1].startswith("line 3 is not valid JSON")
    assert got["error"][2] == "line 4 is a JSON list, not an object with the ticket's fields"
    assert "non-text value 3.5" in got["error"][3]

    tail = tmp_path / "tail.jsonl"  # the last chunk holds nothing but an unreadable line
    tail.write_text('{"id": "a", "body": "parcel late"}\n{"id": "b", "body": "refund"}\n{broken\n', encoding="utf-8")
    report = score_file(triage, tail, tmp_path / "tail.parquet", chunk_size=2, quiet=True)
    got = pd.read_parquet(tmp_path / "tail.parquet")
    assert (report.n_rows, report.n_errors, report.n_parts) == (3, 1, 2)
    assert got["error"][2].startswith("line 3 is not valid JSON") and got["reason"][:2].notna().all()


def test_progress_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = part_files.Progress(1000, quiet=False, interval=0.0, stream=stream)
    progress.skip(200)
    progress.update(300)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert any("500/1,000 rows (50.0 %)" in line and "rows/s, ETA" in line for line in lines)
    assert "rows done in" in lines[-1]
    quiet = io.StringIO()
    progress = part_files.Progress(1000, quiet=True, interval=0.0, stream=quiet)
    progress.update(10)
    progress.close()
    assert quiet.getvalue() == ""


# --------------------------------------------------------------------------- score_file
@pytest.mark.parametrize("in_fmt, out_fmt", [("csv", "parquet"), ("jsonl", "csv"), ("parquet", "jsonl"),
                                             ("parquet", "parquet")])
def test_score_file_formats_match_the_scorer(tmp_path, model_dir, backlog, in_fmt, out_fmt) -> None:
    df = backlog.drop(index=backlog.index[[10, 11, 13]])  # CSV / Parquet cannot hold numbers or bytes as text
    src = _ticket_file(df, tmp_path / f"in.{in_fmt}")
    out = tmp_path / f"out.{out_fmt}"
    report = score_file(model_dir, src, out, chunk_size=40, quiet=True)
    assert (report.n_rows, report.n_errors, report.n_parts, report.n_resumed) == (len(df), 2, 3, 0)
    assert not Path(str(out) + ".parts").exists()
    got = _read(out)
    assert got["row"].tolist() == list(range(len(df)))
    assert got["id"].astype(str).tolist() == df["id"].tolist()
    expected = Scorer(model_dir)(df[FILE_COLUMNS])
    for col in ("reason", "priority", "reason_action", "error"):
        assert got[col].astype(object).where(got[col].notna(), None).tolist() == \
            expected[col].astype(object).where(expected[col].notna(), None).tolist(), col
    np.testing.assert_allclose(got["reason_confidence"].to_numpy(float),
                               expected["reason_confidence"].to_numpy(float), rtol=1e-12)


def test_score_file_empty_input_writes_an_empty_table(tmp_path, model_dir) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,subject,body\n", encoding="utf-8")
    report = score_file(model_dir, src, tmp_path / "out.parquet", quiet=True)
    got = pq.read_table(tmp_path / "out.parquet")
    assert report.n_rows == 0 and got.num_rows == 0
    assert got.column_names == ["id", "row", *SCORE_COLUMNS]
    assert got.schema.field("row").type == pa.int64() and got.schema.field("reason_confidence").type == pa.float64()


def test_interrupted_run_resumes_exactly_once(tmp_path, model_dir, backlog, monkeypatch) -> None:
    ok = backlog.drop(index=backlog.index[[10, 11, 13]])  # Parquet cannot hold numbers or bytes as text
    df = pd.concat([ok] * 3, ignore_index=True).assign(id=lambda d: [f"B{i}" for i in range(len(d))])
    src = _ticket_file(df, tmp_path / "in.parquet")
    reference = tmp_path / "ref.parquet"
    score_file(model_dir, src, reference, chunk_size=50, quiet=True)

    out = tmp_path / "out.parquet"
    real_call = Scorer.__call__
    calls = {"n": 0}

    def crash_on_third_chunk(self, batch):
        calls["n"] += 1
        if calls["n"] == 4:  # the first call scores the empty frame that gives the schema
            raise KeyboardInterrupt
        return real_call(self, batch)

    monkeypatch.setattr(Scorer, "__call__", crash_on_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        score_file(model_dir, src, out, chunk_size=50, quiet=True)
    monkeypatch.setattr(Scorer, "__call__", real_call)
    parts_dir = Path(str(out) + ".parts")
    progress = json.loads((parts_dir / "progress.json").read_text())
    assert [p["rows"] for p in progress["parts"]] == [[0, 50], [50, 100]]
    assert progress["chunk_size"] == 50 and progress["model_sha256"] == model_hash(model_dir)
    assert sorted(p.name for p in parts_dir.glob("part-*")) == ["part-000000.parquet", "part-000001.parquet"]
    assert not list(parts_dir.glob(".*tmp*"))

    with pytest.raises(ResumeError, match="Pass --resume"):
        score_file(model_dir, src, out, chunk_size=50, quiet=True)
    with pytest.raises(ResumeError, match=r"chunk_size differs.*pass --chunk-size 50"):
        score_file(model_dir, src, out, chunk_size=60, resume=True, quiet=True)
    with pytest.raises(ResumeError, match="the column mapping differs"):
        score_file(model_dir, src, out, chunk_size=50, resume=True, quiet=True, columns={"text": "body"})
    report = score_file(model_dir, src, out, chunk_size=50, resume=True, quiet=True)
    assert (report.n_resumed, report.n_parts, report.n_scored) == (2, 6, len(df) - 100)
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(reference))
    assert not parts_dir.exists()

    # a changed input is refused too, even an edit that keeps its size and modification time
    with pytest.raises(KeyboardInterrupt):
        monkeypatch.setattr(Scorer, "__call__", crash_on_third_chunk)
        calls["n"] = 0
        score_file(model_dir, src, out, chunk_size=50, quiet=True, overwrite=True)
    monkeypatch.setattr(Scorer, "__call__", real_call)
    os.utime(src, ns=(time.time_ns(), time.time_ns() + 10**9))  # touched, not changed: still resumable
    assert score_file(model_dir, src, out, chunk_size=50, resume=True, quiet=True).n_resumed == 2
    with pytest.raises(KeyboardInterrupt):
        monkeypatch.setattr(Scorer, "__call__", crash_on_third_chunk)
        calls["n"] = 0
        score_file(model_dir, src, out, chunk_size=50, quiet=True, overwrite=True)
    monkeypatch.setattr(Scorer, "__call__", real_call)
    st = src.stat()
    data = bytearray(src.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside a data page: same size
    src.write_bytes(bytes(data))
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (src.stat().st_size, src.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    with pytest.raises(ResumeError, match=r"the input file \(its path, size or content\) differs"):
        score_file(model_dir, src, out, chunk_size=50, resume=True, quiet=True)


def test_resume_without_parts_starts_fresh_and_rejects_bad_arguments(tmp_path, model_dir, backlog) -> None:
    src = _ticket_file(backlog.drop(index=backlog.index[[10, 11, 13]]), tmp_path / "in.csv")
    report = score_file(model_dir, src, tmp_path / "out.csv", resume=True, quiet=True)
    assert report.n_resumed == 0 and report.n_rows == len(backlog) - 3
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        score_file(model_dir, src, tmp_path / "o.csv", chunk_size=0)
    with pytest.raises(ValueError, match="engine must be one of"):
        score_file(model_dir, src, tmp_path / "o.csv", engine="spark")
    with pytest.raises(ValueError, match="cannot tell the format"):
        score_file(model_dir, src, tmp_path / "o.xlsx")
    with pytest.raises(FileNotFoundError):
        score_file(model_dir, tmp_path / "nope.csv", tmp_path / "o.csv")


# --------------------------------------------------------------------------- the CLI, killed and resumed
def _score_command(*args: str) -> list[str]:
    """``cxml score`` (once wired into cxml.cli), else the same command as ``python -m cxml.scoring``."""
    from cxml import cli

    parser = cli.build_parser()
    commands = next((a.choices for a in parser._actions if getattr(a, "choices", None) and "demo" in a.choices),
                    {})
    if "score" in commands:
        return [sys.executable, "-m", "cxml.cli", "score", *args]
    return [sys.executable, "-m", "cxml.scoring", *args]


def test_cli_score_options_match_python_m_cxml_batch() -> None:
    """``cxml score`` (cli.py) and ``python -m cxml.scoring`` define the same options with the same defaults."""
    import argparse

    from cxml import cli
    from cxml.scoring import add_score_arguments

    sub = next((a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is None or "score" not in sub.choices:
        pytest.skip("cxml score is not wired into cxml.cli yet")

    def options(parser: argparse.ArgumentParser) -> dict[str, tuple]:
        return {a.dest: (tuple(a.option_strings), a.default, a.required, tuple(a.choices or ()))
                for a in parser._actions if a.dest != "help"}

    assert options(sub.choices["score"]) == options(add_score_arguments(argparse.ArgumentParser()))


def test_cli_refuses_leftover_parts_without_resume(tmp_path, model_dir, backlog) -> None:
    src = _ticket_file(backlog.head(20), tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    Path(str(out) + ".parts").mkdir()
    proc = subprocess.run(_score_command("--model", str(model_dir), "--input", str(src), "--output", str(out)),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Pass --resume" in proc.stderr and "out.csv.parts" in proc.stderr


@pytest.mark.slow
def test_cli_sigkill_and_resume_is_exactly_once(tmp_path, model_dir) -> None:
    """SIGKILL ``cxml score`` at random points, resume each time: same output as one uninterrupted run."""
    from cxml.datasets import make_webshop

    tickets = make_webshop(n_tickets=10_000, seed=7).tickets[FILE_COLUMNS]
    rng = random.Random(1234)
    src = tmp_path / "backlog.jsonl"
    bad = set(rng.sample(range(len(tickets)), 60))
    with open(src, "w", encoding="utf-8") as fh:
        for i, rec in enumerate(tickets.to_dict(orient="records")):
            if i in bad:
                kind = i % 3
                rec["body"] = "" if kind == 0 else 12345 if kind == 1 else None
                rec["subject"] = "" if kind != 1 else None
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        fh.write("{not json}\n")
    n_rows = len(tickets) + 1
    args = ["--model", str(model_dir), "--input", str(src), "--chunk-size", "250"]  # 41 parts

    reference = tmp_path / "reference.parquet"
    subprocess.run(_score_command(*args, "--output", str(reference), "--quiet"), check=True, timeout=600)

    out = tmp_path / "scored.parquet"
    parts_dir = Path(str(out) + ".parts")
    kills = 0
    for attempt in range(12):
        cmd = _score_command(*args, "--output", str(out), *(["--resume"] if attempt else []))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if kills < 4:
            before = len(list(parts_dir.glob("part-*.parquet"))) if parts_dir.exists() else 0
            deadline = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < deadline:  # wait for a new part
                if parts_dir.exists() and len(list(parts_dir.glob("part-*.parquet"))) > before:
                    break
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.5))  # short: even a fast machine has parts left to kill
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
        _, stderr = proc.communicate(timeout=600)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, stderr
        assert parts_dir.exists() and (parts_dir / "progress.json").is_file()
        json.loads((parts_dir / "progress.json").read_text())  # never half-written
    assert proc.returncode == 0 and kills >= 3
    assert not parts_dir.exists()

    got, want = pd.read_parquet(out), pd.read_parquet(reference)
    assert len(got) == n_rows and got["row"].tolist() == list(range(n_rows))
    assert not got["id"].iloc[:-1].duplicated().any()
    pd.testing.assert_frame_equal(got, want)
    assert got["error"].notna().sum() == len(bad) + 1
    assert got["error"].iloc[-1].startswith(f"line {n_rows} is not valid JSON")


# --------------------------------------------------------------------------- issue 14: outputs, resume, parsing
def test_existing_output_is_refused_before_scoring(tmp_path, model_dir, backlog, monkeypatch) -> None:
    src = _ticket_file(backlog.head(20), tmp_path / "in.csv")
    precious = tmp_path / "precious.parquet"
    precious.write_bytes(b"not yours")
    called = []
    monkeypatch.setattr(Scorer, "__init__", lambda *a, **k: called.append(1))  # nothing may load or score
    with pytest.raises(FileExistsError, match="--overwrite"):
        score_file(model_dir, src, precious, quiet=True)
    with pytest.raises(FileExistsError, match="inside the model directory"):
        score_file(model_dir, src, model_dir / "scores.parquet", quiet=True, overwrite=True)
    with pytest.raises(FileExistsError, match="inside the model directory"):
        score_file(model_dir, src, model_dir / "tickets.parquet", quiet=True, overwrite=True)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PermissionError, match="cannot create"):
        score_file(model_dir, src, blocker / "out.csv", quiet=True)
    assert called == [] and precious.read_bytes() == b"not yours"
    monkeypatch.undo()
    report = score_file(model_dir, src, precious, quiet=True, overwrite=True)
    assert report.n_rows == 20 and len(pd.read_parquet(precious)) == 20
    import cxml

    cxml.load(model_dir)  # still intact


def test_cli_score_refuses_an_existing_output(tmp_path, model_dir, backlog) -> None:
    src = _ticket_file(backlog.head(20), tmp_path / "in.csv")
    out = tmp_path / "precious.parquet"
    out.write_bytes(b"keep")
    args = ["--model", str(model_dir), "--input", str(src), "--output", str(out), "--quiet"]
    proc = subprocess.run(_score_command(*args), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "--overwrite" in proc.stderr and out.read_bytes() == b"keep"
    assert not Path(str(out) + ".parts").exists()
    proc = subprocess.run(_score_command(*args, "--overwrite"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_parquet(out)) == 20


def test_resume_removes_the_temporary_file_of_a_killed_assembly(tmp_path, model_dir, backlog, monkeypatch) -> None:
    src = _ticket_file(backlog.drop(index=backlog.index[[10, 11, 13]]).head(60), tmp_path / "in.parquet")
    out = tmp_path / "out.csv"
    real_assemble = part_files.assemble

    def killed_while_assembling(parts, output, schema, fmt):
        part_files.tmp_path(output).write_text("half an output")  # what SIGKILL during assembly leaves
        raise KeyboardInterrupt

    monkeypatch.setattr(part_files, "assemble", killed_while_assembling)
    with pytest.raises(KeyboardInterrupt):
        score_file(model_dir, src, out, chunk_size=25, quiet=True)
    assert len(list(tmp_path.glob(".out.csv.tmp-*"))) == 1
    monkeypatch.setattr(part_files, "assemble", real_assemble)
    report = score_file(model_dir, src, out, chunk_size=25, resume=True, quiet=True)
    assert report.n_resumed == 3 and report.n_rows == 60
    assert not list(tmp_path.glob(".out.csv.tmp-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.csv"]


def test_stray_quote_in_a_csv_stops_scoring_with_the_lines(tmp_path, triage) -> None:
    rows = [f"T{i:06d},Tilaus {i} ei ole tullut" for i in range(1, 301)]
    rows[9] = 'T000010,"Tilaus 10 ei ole tullut'
    rows[14] = 'T000015,Tilaus 15 ei ole tullut"'
    src = tmp_path / "in.csv"
    src.write_text("id,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"quote at line 11 .* lines 12, 13, 14, 15"):
        score_file(triage, src, tmp_path / "out.parquet", quiet=True)
    assert not (tmp_path / "out.parquet").exists()


def test_long_values_in_messages_are_cut_between_characters(triage) -> None:
    nfd = "x" * 56 + "a\u0308" * 10  # repr: [' + 56 x: the cut falls between a and its combining mark
    raw = [b"\xc3\xa4" * 30]  # repr: the cut falls inside a \\xNN escape
    batch = pd.DataFrame({"id": ["1", "2"], "body": [[nfd], raw]})
    errors = Scorer(triage)(batch)["error"].tolist()
    for message in errors:
        shown = message.split("non-text value ", 1)[1].split(" of type", 1)[0]
        assert shown.endswith("…")
        assert not unicodedata.combining(shown[-2]) or shown[-3] != "x"  # never a bare mark after the cut
        assert not re.search(r"\\(x[0-9a-f]?)?…$", shown), shown
        message.encode("utf-8")
    assert errors[0].split("non-text value ", 1)[1].startswith("['" + "x" * 56 + "…")
