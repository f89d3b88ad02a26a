"""Old import path of :mod:`cxml.scoring` (and ``python -m cxml.batch``), kept so that existing code keeps working."""

import sys

from cxml.cli.score import main, run_score
from cxml.scoring import ResumeError, Scorer, ScoreReport, add_score_arguments, model_hash, score_file

__all__ = ["ResumeError", "ScoreReport", "Scorer", "add_score_arguments", "main", "model_hash", "run_score",
           "score_file"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
