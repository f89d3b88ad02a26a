"""Scoring on Dask: a real two-process LocalCluster gives the local Scorer's output row for row."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxml.scoring import Scorer, dask_engine, score_file

COLUMNS = ["id", "subject", "body", "channel", "segment", "language", "error_code"]


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    from cxml.datasets import make_webshop

    df = make_webshop(n_tickets=700, seed=3).tickets[COLUMNS].astype({"subject": object, "body": object})
    df.loc[5, "body"] = df.loc[5, "subject"] = ""  # a row that cannot be scored travels too
    return df


@pytest.fixture(scope="module")
def model_dir(tickets, tmp_path_factory) -> Path:
    from cxml.triage import Triage

    model = Triage(targets=("reason",), encoder="hash", features="tfidf", cv=3)
    model.fit(__import__("cxml").make_webshop(n_tickets=500, seed=0).tickets)
    return model.save(tmp_path_factory.mktemp("dask-model") / "triage")


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


def test_missing_dask_names_the_extra(monkeypatch, tmp_path, model_dir) -> None:
    for name in ("dask", "dask.dataframe", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    with pytest.raises(ImportError, match=r"engine='dask' needs .* pip install \"cxml\[dask\]\""):
        dask_engine.score_dask(model_dir, str(tmp_path / "in.parquet"))
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(ImportError, match=r"engine='dask' needs .* pip install \"cxml\[dask\]\""):
        score_file(model_dir, src, tmp_path / "out.csv", engine="dask")
    assert not (tmp_path / "out.csv.parts").exists()


def test_worker_cache_loads_once_and_refuses_another_model(model_dir, tickets) -> None:
    dask_engine.clear_cache()
    digest = Scorer(model_dir).model_hash_
    options = {"columns": None, "id_column": "id", "k_articles": 1, "allow_pickle": False}
    first = dask_engine._cached_scorer(str(model_dir), digest, options)
    assert dask_engine._cached_scorer(str(model_dir), digest, options) is first
    out = dask_engine.score_partition(tickets.head(10), str(model_dir), digest, options)
    pd.testing.assert_frame_equal(out, Scorer(model_dir)(tickets.head(10)))
    with pytest.raises(RuntimeError, match="differs from the one the client loaded"):
        dask_engine._cached_scorer(str(model_dir), "0" * 64, options)
    dask_engine.clear_cache()


def test_score_dask_matches_local_scorer_row_for_row(client, model_dir, tickets, tmp_path) -> None:
    dd = pytest.importorskip("dask.dataframe")
    expected = Scorer(model_dir)(tickets)

    ddf = dd.from_pandas(tickets, npartitions=4)
    got = dask_engine.score_dask(model_dir, ddf, scheduler=client)
    assert isinstance(got, pd.DataFrame) and got.index.equals(tickets.index)
    # dask turns the input's str ids into string[pyarrow]; every score column keeps the Scorer's dtype
    pd.testing.assert_frame_equal(got.drop(columns="id"), expected.drop(columns="id"))
    assert got["id"].tolist() == expected["id"].tolist()
    assert got["error"].notna().sum() == 1

    lazy = dask_engine.score_dask(model_dir, ddf, compute=False)
    assert list(lazy.columns) == list(expected.columns)

    data = tmp_path / "tickets.parquet"
    tickets.astype({"subject": "string", "body": "string"}).to_parquet(data, index=False, row_group_size=200)
    from_path = dask_engine.score_dask(model_dir, data, scheduler=client.scheduler.address)
    from_path = from_path.reset_index(drop=True)
    for col in expected.columns:
        np.testing.assert_array_equal(from_path[col].astype(object).fillna("-").to_numpy(),
                                      expected[col].astype(object).fillna("-").to_numpy(), err_msg=col)


def test_score_file_engine_dask_equals_local(client, model_dir, tickets, tmp_path) -> None:
    src = tmp_path / "in.parquet"
    tickets.astype({"subject": "string", "body": "string"}).to_parquet(src, index=False)
    local = score_file(model_dir, src, tmp_path / "local.parquet", chunk_size=150, quiet=True)
    remote = score_file(model_dir, src, tmp_path / "dask.parquet", chunk_size=150, quiet=True, engine="dask",
                        scheduler=client)
    assert (remote.n_rows, remote.n_parts, remote.n_errors) == (local.n_rows, local.n_parts, local.n_errors)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask.parquet"),
                                  pd.read_parquet(tmp_path / "local.parquet"))
    with pytest.raises(ValueError, match="needs the model as a directory"):
        score_file(Scorer(model_dir).model_, src, tmp_path / "x.parquet", engine="dask", scheduler=client)
