"""cxml models as MLflow pyfunc models (models from code), against a local file-store tracking URI."""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pandas as pd
import pytest

from cxml.datasets import make_webshop
from cxml.triage import TicketClassifier, Triage

# no usage reporting from a test run (and nothing written to ~/.config for it)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

needs_mlflow = pytest.mark.skipif(
    importlib.util.find_spec("mlflow") is None,
    reason="MLflow is not installed: pip install 'cxml[mlflow]'",
)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return make_webshop(300, seed=0).tickets


@pytest.fixture(scope="module")
def model_dir(data, tmp_path_factory):
    model = Triage(targets=("reason", "team"), encoder="hash", cv=3).fit(data)
    return model, model.save(tmp_path_factory.mktemp("cxml") / "triage")


@pytest.fixture
def tracking(tmp_path, monkeypatch):
    """A local file-store tracking URI in tmp_path (MLflow 3 keeps the file store only on request)."""
    import mlflow

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield uri
    mlflow.set_tracking_uri(None)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain strings (MLflow's schema enforcement refuses categoricals)."""
    return df.astype({c: object for c, dt in df.dtypes.items() if isinstance(dt, pd.CategoricalDtype)})


@needs_mlflow
def test_log_model_and_predict_from_the_tracking_store(model_dir, data, tracking):
    import mlflow

    from cxml.mlflow_model import log_model

    model, path = model_dir
    new = make_webshop(40, seed=5).tickets
    with mlflow.start_run() as run:
        info = log_model(path, artifact_path="cxml")
    assert run.info.run_id == info.run_id
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    out = pyfunc.predict(new)
    assert isinstance(out, pd.DataFrame) and len(out) == len(new)
    assert out.index.equals(new.index)
    assert out["id"].tolist() == new["id"].tolist()
    expected = model.predict(new)
    for target in ("reason", "team"):
        assert out[target].tolist() == expected[target].tolist()
        np.testing.assert_allclose(out[f"{target}_confidence"], expected[f"{target}_confidence"])
        assert out[f"{target}_action"].tolist() == expected[f"{target}_action"].tolist()
    assert out["error"].isna().all()
    # models from code: the pyfunc is the code file, the cxml directory an artifact, nothing pickled
    local = mlflow.artifacts.download_artifacts(info.model_uri)
    files = {os.path.relpath(os.path.join(d, f), local) for d, _, fs in os.walk(local) for f in fs}
    assert "_mlflow_model_code.py" in files
    assert not any(f.endswith((".pkl", ".pickle", ".cloudpickle")) for f in files), files
    assert any(f.endswith("manifest.json") for f in files)
    flavor = pyfunc.metadata.flavors["python_function"]
    assert flavor.get("model_code_path", "").endswith("_mlflow_model_code.py")
    assert pyfunc.metadata.metadata["cxml_kind"] == "triage"
    assert pyfunc.metadata.metadata["cxml_encoder"] == "hash"
    reqs = open(os.path.join(local, "requirements.txt"), encoding="utf-8").read()
    assert "cxml==" in reqs


@needs_mlflow
@pytest.mark.filterwarnings("ignore:TicketClassifier was fitted with context columns:UserWarning")
@pytest.mark.filterwarnings("ignore:Operation with range is deprecated")  # inside mlflow.models.utils
def test_input_example_signature_and_unwrapping(model_dir, data, tracking):
    import mlflow

    from cxml.mlflow_model import load_model, log_model

    model, path = model_dir
    cols = ["id", "subject", "body", "channel", "language"]
    with mlflow.start_run():
        info = log_model(path, input_example=data[cols].head(3))  # categoricals are fine here
    assert info.signature is not None
    assert [c.name for c in info.signature.inputs] == cols
    out = mlflow.pyfunc.load_model(info.model_uri).predict(_plain(data[cols].tail(5)))
    assert out["reason"].tolist() == model.predict(data.tail(5))["reason"].tolist()
    inner = load_model(info.model_uri)
    assert isinstance(inner, Triage) and list(inner.targets_) == ["reason", "team"]


@needs_mlflow
@pytest.mark.filterwarnings("ignore:TicketClassifier was fitted with context columns:UserWarning")
def test_save_model_without_tracking_and_bad_rows(model_dir, tmp_path):
    import mlflow

    from cxml.mlflow_model import save_model

    _, path = model_dir
    target = save_model(path, tmp_path / "pyfunc", columns={"text": "message"})
    pyfunc = mlflow.pyfunc.load_model(str(target))
    batch = pd.DataFrame({"id": ["a", "b", "c"], "message": ["Missä pakettini on? Seuranta ei päivity.", "",
                                                             "My card payment was declined at checkout"]})
    out = pyfunc.predict(batch)
    assert out["id"].tolist() == ["a", "b", "c"]
    assert out.loc[1, "error"] and out.loc[1, "reason"] is None   # one bad row does not fail the batch
    assert out.loc[[0, 2], "error"].isna().all()
    assert out.loc[2, "reason"] == "payment_failure"


@needs_mlflow
def test_refuses_what_it_cannot_serve(data, tmp_path):
    from cxml.mlflow_model import log_model
    from cxml.persistence import ArtifactError

    with pytest.raises(ArtifactError, match="manifest.json is missing"):
        log_model(tmp_path)
    clf = TicketClassifier(encoder="hash", features="tfidf", cv=3).fit(data, data["reason"])
    with pytest.raises(ArtifactError, match="ticket_classifier"):
        log_model(clf.save(tmp_path / "clf"))


def test_missing_mlflow_says_which_extra(monkeypatch, tmp_path):
    from cxml import mlflow_model

    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow -> ImportError
    with pytest.raises(ImportError, match=r"cxml\[mlflow\]"):
        mlflow_model.log_model(tmp_path)
