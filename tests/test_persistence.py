from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import cxml
from cxml.persistence import (
    DIGEST_KEY,
    ArtifactError,
    ArtifactLoadError,
    ChecksumError,
    DimensionMismatchError,
    FormatVersionError,
    ManifestError,
    OutputExistsError,
    OutputNotWritableError,
    UnlistedFileError,
    UnsafeArtifactError,
    check_dimensions,
    check_save_path,
    dump_estimator,
    load_estimator,
    manifest_digest,
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


def test_overwrite_is_atomic_and_explicit(tmp_path):
    TinyModel().fit().save(tmp_path / "m")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        cxml.save(TinyModel().fit(), tmp_path / "m")  # the default never replaces
    with pytest.raises(OutputExistsError):
        cxml.save(TinyModel().fit(), tmp_path / "m", overwrite=False)
    TinyModel(dim=4).fit().save(tmp_path / "m", overwrite=True)
    assert cxml.load(tmp_path / "m").dim == 4
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


def reseal(path: Path, manifest: dict) -> None:
    """Write ``manifest`` with a matching digest: a consistent manifest that says something else."""
    manifest[DIGEST_KEY] = manifest_digest(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def rehash(path: Path, manifest: dict, name: str) -> None:
    import hashlib

    manifest["files"][name] = hashlib.sha256((path / name).read_bytes()).hexdigest()


def test_dimension_mismatch_names_all_three(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["encoder"]["dim"] = 16
    reseal(path, manifest)
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


# ---------------------------------------------------------------------------------------------------------------
# issue 14: writes that never destroy, a sealed manifest, every load error an ArtifactError naming the file


def test_save_never_deletes_a_folder_that_is_not_an_artifact(tmp_path):
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    (victim / "thesis.txt").write_text("years of work")
    (victim / "tickets.csv").write_text("id,text\n1,a\n")
    for overwrite in (False, True):
        with pytest.raises(OutputExistsError, match="not a cxml model directory.*thesis.txt"):
            TinyModel().fit().save(victim, overwrite=overwrite)
    assert sorted(p.name for p in victim.iterdir()) == ["sub", "thesis.txt", "tickets.csv"]
    assert (victim / "thesis.txt").read_text() == "years of work"


def test_save_never_turns_a_file_into_a_model(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(OutputExistsError, match="a file"):
        TinyModel().fit().save(target, overwrite=True)
    assert target.read_text() == "keep me"


def test_old_artifact_is_kept_until_the_new_one_is_complete(tmp_path):
    path = TinyModel(dim=4).fit().save(tmp_path / "m")

    class Failing(TinyModel):
        def _save_artifact(self, directory, *, allow_pickle):
            super()._save_artifact(directory, allow_pickle=allow_pickle)
            raise RuntimeError("disk full")

    Failing._artifact_kind = "test_head"
    with pytest.raises(RuntimeError, match="disk full"):
        cxml.save(Failing().fit(), path, overwrite=True)
    assert cxml.load(path).dim == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_output_location_is_checked_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritableError, match="cannot create"):
        check_save_path(blocker / "model")
    assert check_save_path(tmp_path / "new" / "model") == tmp_path / "new" / "model"


def test_unwritable_folder_is_refused_up_front(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # what a read-only folder answers a non-root user
    with pytest.raises(OutputNotWritableError, match="cannot write in"):
        check_save_path(tmp_path / "model")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only folders")
def test_read_only_folder_is_refused_up_front(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputNotWritableError, match="cannot write"):
            check_save_path(ro / "model")
    finally:
        ro.chmod(0o700)


def test_manifest_carries_its_own_digest(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest[DIGEST_KEY] == manifest_digest(manifest)


def test_single_byte_flips_in_the_manifest_never_load_silently(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    raw = (path / "manifest.json").read_bytes()
    original = json.loads(raw)
    rng = np.random.default_rng(14)
    for pos in rng.choice(len(raw), size=40, replace=False):
        flipped = bytearray(raw)
        flipped[pos] ^= 1 << int(rng.integers(0, 7))
        (path / "manifest.json").write_bytes(bytes(flipped))
        try:
            cxml.load(path)
        except ArtifactError:
            continue
        # loading is only right when the flip changed nothing that JSON reads (e.g. whitespace)
        assert json.loads(bytes(flipped)) == original, f"flip at byte {pos} loaded silently"


def test_renamed_class_is_refused(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    text = (path / "manifest.json").read_text()
    (path / "manifest.json").write_text(text.replace('"y": [\n      0,', '"y": [\n      7,'))
    assert (path / "manifest.json").read_text() != text
    with pytest.raises(ManifestError, match="digest"):
        cxml.load(path)


def test_file_dropped_from_the_manifest_is_refused(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["files"]["vectors.npy"]
    reseal(path, manifest)
    with pytest.raises(UnlistedFileError, match=r"not listed in the manifest: \['vectors.npy'\]"):
        cxml.load(path)
    (path / "notes.txt").write_text("dropped in later")
    manifest["files"]["vectors.npy"] = json.loads(json.dumps(manifest))["files"].get("vectors.npy", "")
    with pytest.raises(ChecksumError):
        cxml.load(path)


@pytest.mark.parametrize("head", ["../head.skops", "/tmp/head.skops", "sub/../../head.skops"])
def test_paths_outside_the_directory_are_refused(tmp_path, head):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["model"]["files"]["head"] = head
    reseal(path, manifest)
    with pytest.raises(ManifestError, match="outside the artifact directory"):
        cxml.load(path)
    manifest["model"]["files"]["head"] = "other.skops"  # inside, but not listed: never checksummed
    reseal(path, manifest)
    with pytest.raises(ManifestError, match="does not list"):
        cxml.load(path)


def test_missing_manifest_key_is_named(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["files"]
    reseal(path, manifest)
    with pytest.raises(ManifestError, match="no 'files' key.*copy it again"):
        cxml.load(path)


def test_swapped_kind_is_an_artifact_error(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["kind"] = "triage"
    reseal(path, manifest)
    with pytest.raises(ArtifactLoadError, match="cannot load this 'triage' artifact.*retrain"):
        cxml.load(path)


def test_pickle_under_a_skops_name_is_named(tmp_path):
    import joblib

    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    joblib.dump({"a": 1}, path / "head.skops")
    rehash(path, manifest, "head.skops")
    reseal(path, manifest)
    with pytest.raises(ArtifactLoadError, match=r"head.skops is not a skops \(zip\) file.*pickle"):
        cxml.load(path)
    # load_estimator on its own names the file as well
    with pytest.raises(ArtifactLoadError, match="head.skops is not a readable skops file"):
        load_estimator(path / "head.skops")


def test_object_npy_is_named(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    np.save(path / "vectors.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    rehash(path, manifest, "vectors.npy")
    reseal(path, manifest)
    with pytest.raises(ArtifactLoadError, match="vectors.npy holds Python objects"):
        cxml.load(path)


def test_dangerous_type_is_refused_and_never_suggested(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    model = TinyModel(extra=FunctionTransformer(os.system)).fit()
    path = model.save(tmp_path / "m")
    for trusted in ((), ["posix.system", "nt.system"]):
        with pytest.raises(UnsafeArtifactError) as info:
            cxml.load(path, trusted=trusted)
        message = str(info.value)
        assert "system" in message and "malicious" in message
        assert "trusted=" not in message


def test_format_1_manifest_loads_with_a_warning(tmp_path):
    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 1
    del manifest[DIGEST_KEY]
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match="no digest"):
        assert cxml.load(path).dim == 8


def test_damaged_parquet_in_an_artifact_is_named(tmp_path):
    import pandas as pd

    path = TinyModel().fit().save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    pd.DataFrame({"a": [1, 2]}).to_parquet(path / "table.parquet")
    (path / "table.parquet").write_bytes((path / "table.parquet").read_bytes()[:40])
    rehash(path, manifest, "table.parquet")
    reseal(path, manifest)
    with pytest.raises(ArtifactLoadError, match=r"table.parquet cannot be read as parquet"):
        cxml.load(path)
