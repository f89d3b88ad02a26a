"""Scoring: one loaded model applied to a DataFrame, a file of any size, or a Dask cluster.

- :mod:`cxml.scoring.scorer`: :class:`Scorer` (a pandas batch in, a pandas batch out);
- :mod:`cxml.scoring.files`: :func:`score_file` (streamed, resumable, exactly once);
- :mod:`cxml.scoring.parts`: chunked reading, atomic part files, the progress manifest;
- :mod:`cxml.scoring.dask_engine`: the same chunks scored on a Dask cluster;
- :mod:`cxml.scoring.options`: the ``cxml score`` options shared by the CLI.
"""

from cxml.exceptions import ResumeError
from cxml.scoring.files import ScoreReport, score_file
from cxml.scoring.options import add_score_arguments
from cxml.scoring.scorer import Scorer, model_hash

__all__ = ["ResumeError", "ScoreReport", "Scorer", "add_score_arguments", "model_hash", "score_file"]
