"""Old import path of :mod:`cxml.scoring`, kept so that existing code keeps working."""

from cxml.scoring import (
    ResumeError,
    Scorer,
    ScoreReport,
    add_score_arguments,
    model_hash,
    run_score,
    score_file,
)

__all__ = ["ResumeError", "ScoreReport", "Scorer", "add_score_arguments", "model_hash", "run_score", "score_file"]
