"""Triage: reason, priority and team predicted from a ticket, with calibrated confidence and a decision.

Parts, in the order a ticket meets them:

- :mod:`cxml.triage.features` turns a validated ticket batch into features (embedding, TF-IDF, context);
- :mod:`cxml.triage.classifier` holds :class:`TicketClassifier` (one target) and :class:`Triage` (several);
- :mod:`cxml.triage.decisions` turns probabilities into ``auto`` / ``suggest`` / ``abstain`` with a reason.
"""

from cxml.triage.classifier import (
    DEFAULT_OOS_QUANTILE,
    PRIORITY_LEVELS,
    PRIORITY_SCALES,
    PriorityClassifier,
    TicketClassifier,
    Triage,
)
from cxml.triage.decisions import ABSTAIN_REASONS, ACTIONS, DataReport

__all__ = [
    "ABSTAIN_REASONS",
    "ACTIONS",
    "DEFAULT_OOS_QUANTILE",
    "PRIORITY_LEVELS",
    "PRIORITY_SCALES",
    "DataReport",
    "PriorityClassifier",
    "TicketClassifier",
    "Triage",
]
