from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import cxml
from cxml.persistence import (
    ArtifactError,
    ChecksumError,
    DimensionMismatchError,
    FormatVersionError,
    UnsafeArtifactError,
    check_dimensions,
    dump_estimator,
    load_estimator,
    register_artifact,
)


class Unskoppable:
    """Stands for an object skops cannot represent (see the monkeypatch in the test)."""

    def __init__(self):
        self.value = 42


@register_artifact("test_head")
class TinyModel:
    def __init__(self, dim=8, head=None, extra=None):
        self.dim = dim
        self.head = head
        self.extra = extra

    def fit(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, self.dim))
        self.head = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
        return self

    def save(self, path, **kw):
        return cxml.save(self, path, **kw)

    def _save_artifact(self, directory: Path, *, allow_pickle: bool):
        files = {"head": dump_estimator(self.head, directory, "head")}
        if self.extra is not None:
            files["extra"] = dump_estimator(self.extra, directory, "extra", allow_pickle=allow_pickle)
        np.save(directory / "vectors.npy", np.zeros((3, self.dim), np.float32))
        return {"encoder": {"spec": "hash", "name": "test", "dim": self.dim}, "classes": {"y": [0, 1]},
                "files": files, "card": {"Training data": "40 random rows"}}

    @classmethod
    def _load_artifact(cls, directory, manifest, *, allow_pickle, trusted):
        files = manifest["model"]["files"]
        head = load_estimator(directory / files["head"], allow_pickle=allow_pickle, trusted=trusted)
        index = np.load(directory / "vectors.npy", allow_pickle=False)
        check_dimensions(encoder=manifest["encoder"]["dim"], head=head.n_features_in_, index=index.shape[1])
        extra = None
        if "extra" in files:
            extra = load_estimator(directory / files["extra"], allow_pickle=allow_pickle, trusted=trusted)
        return cls(dim=manifest["encoder"]["dim"], head=head, extra=extra)


def test_round_trip_manifest_and_card(tmp_path):
    model = TinyModel().fit()
    path = model.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format_version"] == cxml.persistence.FORMAT_VERSION
    assert manifest["kind"] == "test_head"
    assert manifest["encoder"] == {"spec": "hash", "name": "test", "dim": 8}
    assert {"cxml", "scikit-learn", "numpy", "skops"} <= set(manifest["versions"])
    assert set(manifest["files"]) == {"head.skops", "vectors.npy", "README.md"}
    card = (path / "README.md").read_text()
    assert "Training data" in card and "Intended use" in card and "Known limits" in card
    loaded = cxml.load(path)
    X = np.random.default_rng(1).normal(size=(5, 8))
    np.testing.assert_array_equal(loaded.head.predict_proba(X), model.head.predict_proba(X))
    assert not list(tmp_path.glob(".m.tmp-*")), "temporary directory left behind"


def test_overwrite_is_atomic_and_optional(tmp_path):
    TinyModel().fit().save(tmp_path / "m")
    with pytest.raises(FileExistsError):
        cxml.save(TinyModel().fit(), tmp_path / "m", overwrite=False)
    TinyModel().fit().save(tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_tampered_file_is_refused(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    with open(path / "vectors.npy", "r+b") as fh:
        fh.seek(-1, 2)
        fh.write(b"\x01")
    with pytest.raises(ChecksumError, match=r"checksum mismatch for \['vectors.npy'\]"):
        cxml.load(path)


def test_missing_file_is_refused(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    (path / "head.skops").unlink()
    with pytest.raises(ChecksumError, match="missing"):
        cxml.load(path)


def test_newer_format_says_upgrade(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = cxml.persistence.FORMAT_VERSION + 1
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(FormatVersionError, match="Upgrade cxml"):
        cxml.load(path)


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ArtifactError, match="manifest.json is missing"):
        cxml.load(tmp_path)


def test_dimension_mismatch_names_all_three(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["encoder"]["dim"] = 16
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DimensionMismatchError, match="encoder dim = 16, head n_features_in_ = 8, index d = 8"):
        cxml.load(path)
    check_dimensions(encoder=8, head=8, index=None)


def test_pickle_needs_explicit_opt_in(tmp_path, monkeypatch):
    import skops.io

    real_dump = skops.io.dump

    def dump(obj, file, **kw):
        if isinstance(obj, Unskoppable):
            raise TypeError("skops cannot represent this object")
        return real_dump(obj, file, **kw)

    monkeypatch.setattr(skops.io, "dump", dump)
    model = TinyModel(extra=Unskoppable()).fit()
    with pytest.raises(ArtifactError, match="allow_pickle=True"):
        model.save(tmp_path / "m")
    path = model.save(tmp_path / "m", allow_pickle=True)
    assert (path / "extra.pkl").exists()
    with pytest.raises(UnsafeArtifactError, match="pickle"):
        cxml.load(path)
    assert cxml.load(path, allow_pickle=True).extra.value == 42


def test_skops_file_that_cannot_load_back_is_not_kept(tmp_path):
    class Local:  # a local class: skops writes it, but cannot import it back
        pass

    with pytest.raises(ArtifactError, match="cannot save Local"):
        TinyModel(extra=Local()).fit().save(tmp_path / "m")
    assert not (tmp_path / "m").exists() and not list(tmp_path.iterdir())


def test_untrusted_skops_type_is_refused(tmp_path):
    import operator

    from sklearn.preprocessing import FunctionTransformer

    # a function reference in a model file is how a skops file could call arbitrary code on load
    model = TinyModel(extra=FunctionTransformer(operator.neg)).fit()
    path = model.save(tmp_path / "m")
    with pytest.raises(UnsafeArtifactError, match="_operator.neg"):
        cxml.load(path)
    assert cxml.load(path, trusted=["_operator.neg"]).extra.func is operator.neg
