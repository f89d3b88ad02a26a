"""Old import path of :mod:`cxml.triage.decisions`, kept so that existing code keeps working."""

from cxml.triage.decisions import (
    ABSTAIN_REASONS,
    ACTIONS,
    DataReport,
    assign_actions,
    decide_labels,
    fit_class_thresholds,
    ordinal_cost_matrix,
)

__all__ = [
    "ABSTAIN_REASONS",
    "ACTIONS",
    "DataReport",
    "assign_actions",
    "decide_labels",
    "fit_class_thresholds",
    "ordinal_cost_matrix",
]
