"""Log cxml models to MLflow as pyfunc models (``pip install cxml[mlflow]``).

:func:`log_model` logs a saved cxml model directory (a ``Triage``, ``KnowledgeBase`` or
``HelpdeskModel``) with MLflow's *models from code*: the pyfunc model is the code file
``cxml/_mlflow_model_code.py`` (no pickled wrapper) and the model directory goes in unchanged
as an artifact, so its checksums are verified again whenever MLflow loads it. The loaded
model scores a DataFrame of tickets with :class:`cxml.scoring.Scorer`::

    import mlflow
    from cxml.mlflow_model import log_model

    mlflow.set_tracking_uri("file:///srv/mlruns")       # or a tracking server
    with mlflow.start_run():
        info = log_model("models/helpdesk")
    scores = mlflow.pyfunc.load_model(info.model_uri).predict(tickets)

The serving environment needs cxml installed (``pip_requirements`` default to this cxml
version); the encoder's weights are not part of a cxml artifact and are resolved from the spec
on load (the default encoders ship in pip packages, so this works offline).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cxml.exceptions import missing_extra

__all__ = ["log_model", "save_model", "load_model", "MODEL_CODE", "SUPPORTED_KINDS"]

#: The models-from-code file MLflow logs as the pyfunc model.
MODEL_CODE: Path = Path(__file__).with_name("_mlflow_model_code.py")
#: Artifact kinds :class:`cxml.scoring.Scorer` can serve.
SUPPORTED_KINDS: tuple[str, ...] = ("triage", "knowledge_base", "helpdesk")


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError as exc:
        raise missing_extra("mlflow", "mlflow", "cxml.mlflow_model") from exc
    return mlflow


def log_model(model_dir: str | os.PathLike[str], artifact_path: str = "cxml", *,
              columns: Mapping[str, Any] | str | None = None, id_column: str = "id", k_articles: int = 1,
              input_example: Any = None, signature: Any = None, registered_model_name: str | None = None,
              pip_requirements: Sequence[str] | None = None, extra_pip_requirements: Sequence[str] | None = None,
              metadata: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """Log a saved cxml model directory as an MLflow pyfunc model (models from code).

    Parameters
    ----------
    model_dir : str or Path
        A directory written by ``model.save(...)`` / :func:`cxml.save`. It is checked (manifest,
        checksums, kind) before anything is logged.
    artifact_path : str, default="cxml"
        Name of the logged model within the run (MLflow 3's ``name``; ``artifact_path`` in
        MLflow 2).
    columns : dict or str, optional
        Column mapping applied when scoring, as for :class:`cxml.scoring.Scorer`.
    id_column : str, default="id"
    k_articles : int, default=1
        Articles per ticket when the model has a knowledge base.
    input_example : DataFrame, optional
        A few tickets: MLflow stores them and infers the signature from them.
    signature : mlflow.models.ModelSignature, optional
    registered_model_name : str, optional
        Also register the model under this name (needs a registry-capable tracking URI).
    pip_requirements : sequence of str, optional
        Default: ``["cxml==<this version>"]`` (MLflow does not have to infer them by loading
        the model in a subprocess).
    extra_pip_requirements : sequence of str, optional
        Added to the default requirements instead of replacing them.
    metadata : mapping, optional
        Added to the MLmodel metadata (``cxml_kind``, ``cxml_version``, ``cxml_encoder`` are
        always recorded).
    **kwargs
        Passed to :func:`mlflow.pyfunc.log_model`.

    Returns
    -------
    mlflow.models.model.ModelInfo
        ``model_uri`` loads it back with :func:`mlflow.pyfunc.load_model`.

    Raises
    ------
    ImportError
        MLflow is not installed.
    cxml.persistence.ArtifactError
        ``model_dir`` is not a valid cxml model directory, or its kind cannot be served.
    """
    mlflow = _mlflow()
    path = Path(model_dir)
    args = _pyfunc_args(path, columns=columns, id_column=id_column, k_articles=k_articles,
                        input_example=input_example, signature=signature, pip_requirements=pip_requirements,
                        extra_pip_requirements=extra_pip_requirements, metadata=metadata)
    args["registered_model_name"] = registered_model_name
    params = inspect.signature(mlflow.pyfunc.log_model).parameters
    if "name" in params:  # MLflow 3: artifact_path is deprecated in favour of name
        args["name"] = artifact_path
    else:  # pragma: no cover - MLflow 2
        args["artifact_path"] = artifact_path
    return mlflow.pyfunc.log_model(**args, **kwargs)


def save_model(model_dir: str | os.PathLike[str], path: str | os.PathLike[str], *,
               columns: Mapping[str, Any] | str | None = None, id_column: str = "id", k_articles: int = 1,
               input_example: Any = None, signature: Any = None, pip_requirements: Sequence[str] | None = None,
               extra_pip_requirements: Sequence[str] | None = None, metadata: Mapping[str, Any] | None = None,
               **kwargs: Any) -> Path:
    """Write a cxml model directory as an MLflow pyfunc model at ``path``, without a tracking server.

    The result serves with ``mlflow models serve -m <path>`` and loads with
    ``mlflow.pyfunc.load_model(<path>)``. Parameters as for :func:`log_model`.

    Returns
    -------
    Path
    """
    mlflow = _mlflow()
    args = _pyfunc_args(Path(model_dir), columns=columns, id_column=id_column, k_articles=k_articles,
                        input_example=input_example, signature=signature, pip_requirements=pip_requirements,
                        extra_pip_requirements=extra_pip_requirements, metadata=metadata)
    mlflow.pyfunc.save_model(path=str(path), **args, **kwargs)
    return Path(path)


def _pyfunc_args(path: Path, *, columns: Mapping[str, Any] | str | None, id_column: str, k_articles: int,
                 input_example: Any, signature: Any, pip_requirements: Sequence[str] | None,
                 extra_pip_requirements: Sequence[str] | None, metadata: Mapping[str, Any] | None
                 ) -> dict[str, Any]:
    """Arguments of ``mlflow.pyfunc.log_model`` / ``save_model`` for a checked cxml model directory."""
    from cxml._version import __version__
    from cxml.persistence import ArtifactError, verify

    manifest = verify(path)
    kind = manifest.get("kind")
    if kind not in SUPPORTED_KINDS:
        raise ArtifactError(f"{path} holds a {kind!r} model; MLflow serving supports {list(SUPPORTED_KINDS)}")
    if pip_requirements is not None and extra_pip_requirements is not None:
        raise ValueError("pass pip_requirements or extra_pip_requirements, not both")
    if pip_requirements is None:
        pip_requirements = [f"cxml=={__version__}", *(extra_pip_requirements or [])]
    encoder = (manifest.get("encoder") or {}).get("spec")
    meta = {"cxml_kind": kind, "cxml_version": __version__, "cxml_format_version": manifest.get("format_version"),
            "cxml_encoder": encoder, **dict(metadata or {})}
    config = {"columns": dict(columns) if isinstance(columns, Mapping) else columns, "id_column": id_column,
              "k_articles": int(k_articles)}
    return {"python_model": str(MODEL_CODE), "artifacts": {"cxml_model": str(path.resolve())},
            "model_config": config, "pip_requirements": list(pip_requirements), "metadata": meta,
            "input_example": _plain_example(input_example), "signature": signature}


def _plain_example(example: Any) -> Any:
    """An input example MLflow can infer a schema from: categoricals as strings, timestamps as ISO text."""
    import pandas as pd

    if not isinstance(example, pd.DataFrame):
        return example
    out = example.copy()
    for col, dtype in out.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object)
    return out


def load_model(model_uri: str) -> Any:
    """The cxml model inside a logged pyfunc model (e.g. to call ``Triage.coverage_report``).

    Parameters
    ----------
    model_uri : str
        ``runs:/<run_id>/cxml``, ``models:/<name>/<version>`` or ``ModelInfo.model_uri``.

    Returns
    -------
    The loaded cxml model (``Triage``, ``KnowledgeBase`` or ``HelpdeskModel``).
    """
    mlflow = _mlflow()
    pyfunc = mlflow.pyfunc.load_model(model_uri)
    return pyfunc.unwrap_python_model().scorer.model_
