"""Old import path of :mod:`cxml.scoring.dask_engine`, kept so that existing code keeps working."""

from cxml.scoring.dask_engine import (
    clear_cache,
    iter_scored_chunks,
    require_dask,
    require_distributed,
    score_dask,
    score_partition,
)

__all__ = ["clear_cache", "iter_scored_chunks", "require_dask", "require_distributed", "score_dask",
           "score_partition"]
