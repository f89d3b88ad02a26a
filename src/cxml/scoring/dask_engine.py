"""Scoring ticket backlogs on a Dask cluster (``pip install cxml[dask]``).

:func:`score_dask` scores a ``dask.dataframe`` (or a Parquet dataset) partition by partition with
``map_partitions``; :func:`cxml.scoring.score_file` with ``engine="dask"`` sends its chunks to the cluster and
keeps its exactly-once, resumable part files. Either way every worker process loads the model once, from
the model directory, and keeps it in a small module-level cache keyed by the directory and the sha256 of
its ``manifest.json`` (a changed model is loaded afresh; a worker that sees different model files than the
client refuses to score).

Running on an existing cluster
------------------------------
Point ``scheduler`` (``--scheduler`` on the command line) at the cluster's scheduler::

    cxml score --model /shared/models/helpdesk --input backlog.parquet --output scored.parquet \\
        --engine dask --scheduler tcp://scheduler-host:8786

Every worker needs cxml installed (the same version as the client, ``pip install cxml[dask]``) and read
access to the model directory at the same path (a shared file system, or the directory copied to each
node); :func:`score_dask` also needs the workers to read the input dataset. How to get a scheduler address:

- Kubernetes: the Dask Helm chart (``helm install dask dask/dask``) or the dask-kubernetes operator
  (``KubeCluster``); use the scheduler service address, e.g. ``tcp://dask-scheduler:8786``. Build the
  worker image with cxml installed and mount the model directory (a read-only volume).
- YARN (Hadoop): ``dask_yarn.YarnCluster(environment="cxml-env.tar.gz")`` with a packed environment that
  contains cxml; pass the cluster's ``scheduler_address`` (or a ``distributed.Client`` for it).
- SSH: ``dask ssh host1 host2 ...`` (or ``distributed.SSHCluster``) starts a scheduler on the first host
  and workers on all of them; the address is ``tcp://host1:8786``.

Without ``scheduler`` a local cluster is started (one single-threaded worker process per core).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxml.exceptions import missing_extra
from cxml.scoring.scorer import Scorer

if TYPE_CHECKING:  # pragma: no cover
    from cxml.scoring.parts import Chunk
__all__ = ["score_dask", "score_partition", "iter_scored_chunks", "require_dask", "require_distributed",
           "clear_cache"]

#: Scorers kept per worker process (models of several directories or versions).
MAX_CACHED = 2
_SCORERS: OrderedDict[tuple[Any, ...], Scorer] = OrderedDict()
_LOCK = threading.Lock()


def require_dask() -> Any:
    """Import ``dask.dataframe``, or fail saying to install ``cxml[dask]``."""
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise missing_extra("dask", "dask", "engine='dask'") from exc
    return dd


def require_distributed() -> Any:
    """Import ``distributed``, or fail saying to install ``cxml[dask]``."""
    try:
        import distributed
    except ImportError as exc:
        raise missing_extra("distributed", "dask", "engine='dask'") from exc
    return distributed


def clear_cache() -> None:
    """Forget the scorers cached in this process."""
    with _LOCK:
        _SCORERS.clear()


def _cached_scorer(model_dir: str, model_hash: str | None, options: Mapping[str, Any]) -> Scorer:
    """This process's scorer for the model: loaded on first use, then reused."""
    key = (model_dir, model_hash, json.dumps(options, sort_keys=True, default=str))
    with _LOCK:
        scorer = _SCORERS.get(key)
        if scorer is None:
            scorer = Scorer(model_dir, **options)
            if model_hash is not None and scorer.model_hash_ != model_hash:
                raise RuntimeError(
                    f"the model directory {model_dir} on {socket.gethostname()} differs from the one the client "
                    f"loaded (manifest sha256 {str(scorer.model_hash_)[:12]}… here, {model_hash[:12]}… there): give "
                    "every worker the same copy of the model")
            _SCORERS[key] = scorer
            while len(_SCORERS) > MAX_CACHED:
                _SCORERS.popitem(last=False)
        else:
            _SCORERS.move_to_end(key)
        return scorer


def score_partition(frame: pd.DataFrame, model_dir: str, model_hash: str | None,
                    options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Score one partition with this worker's cached :class:`~cxml.scoring.Scorer`.

    Parameters
    ----------
    frame : DataFrame
        The tickets of the partition.
    model_dir : str
        Model directory, readable by the worker.
    model_hash : str or None
        The client's :func:`cxml.scoring.model_hash` of it; the worker refuses a different model.
    options : dict, optional
        Keyword arguments of :class:`~cxml.scoring.Scorer` (``columns``, ``id_column``, ``k_articles``,
        ``allow_pickle``).

    Returns
    -------
    DataFrame
        The scorer's output for ``frame`` (same index).
    """
    return _cached_scorer(str(model_dir), model_hash, dict(options or {}))(frame)


def _options(columns: Any, id_column: str, k_articles: int, allow_pickle: bool) -> dict[str, Any]:
    return {"columns": dict(columns) if isinstance(columns, Mapping) else columns, "id_column": id_column,
            "k_articles": k_articles, "allow_pickle": allow_pickle}


def score_dask(model_dir: str | os.PathLike[str], data: Any, *, columns: Mapping[str, Any] | str | None = None,
               scheduler: Any = None, id_column: str = "id", k_articles: int = 1, allow_pickle: bool = False,
               output: str | os.PathLike[str] | None = None, compute: bool = True) -> Any:
    """Score a Dask DataFrame of tickets (or a Parquet dataset) on a Dask cluster.

    Partitions are scored with ``map_partitions``; ``meta`` is the scorer's output for an empty frame, so
    the result's columns and dtypes are known without scoring anything. Each worker process loads the model
    once (module-level cache keyed by model directory and manifest hash). See the module documentation for
    running on an existing cluster (Kubernetes, YARN, SSH).

    Parameters
    ----------
    model_dir : str or Path
        Model directory; the client and every worker must be able to read it at this path.
    data : dask.dataframe.DataFrame or str or Path
        The tickets, or the path of a Parquet file or dataset (read with ``dask.dataframe.read_parquet``).
    columns : dict or str, optional
        Column mapping (see :class:`cxml.scoring.Scorer`).
    scheduler : str or distributed.Client, optional
        Scheduler address (``tcp://host:8786``) or a client. Default: the current Dask scheduler (a
        ``distributed.Client`` made earlier in this process, else Dask's local threads).
    id_column, k_articles, allow_pickle
        See :class:`cxml.scoring.Scorer`.
    output : str or Path, optional
        Write the scores as a Parquet dataset here (one file per partition) instead of returning them.
    compute : bool, default=True
        False returns the lazy Dask DataFrame (``scheduler`` must then be None: compute it yourself).

    Returns
    -------
    DataFrame, dask.dataframe.DataFrame or Path
        The scores (one row per ticket, each partition's index kept), lazily with ``compute=False``, or
        ``output`` when given.

    Raises
    ------
    ImportError
        Without dask: "install cxml[dask] to use engine='dask'".
    """
    dd = require_dask()
    if isinstance(data, (str, os.PathLike)):
        data = dd.read_parquet(str(data))
    if not isinstance(data, dd.DataFrame):
        raise TypeError(f"score_dask expects a dask DataFrame or a Parquet path, got {type(data).__name__}; "
                        "for pandas use cxml.scoring.Scorer, for files cxml.scoring.score_file")
    if not compute and output is None and scheduler is not None:
        raise ValueError("scheduler is used when computing: pass compute=True (or output=...), or compute the "
                         "returned frame yourself")
    options = _options(columns, id_column, k_articles, allow_pickle)
    local = Scorer(model_dir, **options)  # checks the model and gives the meta (and the hash workers check)
    meta = local(data._meta)
    result = data.map_partitions(score_partition, str(local.model_dir_), local.model_hash_, options, meta=meta)
    if not compute and output is None:
        return result
    distributed = require_distributed() if isinstance(scheduler, str) else None
    client = distributed.Client(scheduler) if distributed is not None else None
    try:
        kwargs = {"scheduler": client or scheduler} if (client or scheduler) is not None else {}
        if output is not None:
            result.to_parquet(str(output), write_index=True, compute_kwargs=kwargs)
            return Path(output)
        return result.compute(**kwargs)
    finally:
        if client is not None:
            client.close()


def iter_scored_chunks(chunks: Iterator[Chunk], *, model_dir: Path | str | None, model_hash: str | None,
                       options: Mapping[str, Any], scheduler: Any = None,
                       max_in_flight: int | None = None) -> Iterator[tuple[Chunk, pd.DataFrame]]:
    """Score chunks on a Dask cluster, yielding ``(chunk, scores)`` in input order (``score_file``'s engine).

    At most ``max_in_flight`` chunks (default: twice the number of workers) are on the cluster at a time,
    so memory stays flat on the client.
    """
    distributed = require_distributed()
    if model_dir is None:
        raise ValueError("engine='dask' needs the model as a directory path: every worker loads it itself")
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
        client = distributed.Client(cluster)
    elif isinstance(scheduler, str):
        client = distributed.Client(scheduler)
    else:
        client = scheduler
    queue: deque[tuple[Chunk, Any]] = deque()
    try:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        window = max_in_flight or 2 * workers
        for chunk in chunks:
            data = client.scatter(chunk.to_pandas())
            queue.append((chunk, client.submit(score_partition, data, str(model_dir), model_hash, dict(options),
                                               pure=False)))
            if len(queue) >= window:
                done, future = queue.popleft()
                yield done, future.result()
        while queue:
            done, future = queue.popleft()
            yield done, future.result()
    finally:
        for _, future in queue:  # interrupted: drop the work still on the cluster
            future.cancel()
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()
