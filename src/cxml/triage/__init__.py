"""Triage: reason, priority and team predicted from a ticket, with calibrated confidence and a decision.

Parts, in the order a ticket meets them:

- :mod:`cxml.triage.text_cleaning` cleans long, noisy tickets for the encoder (quoted replies, signatures,
  code, markdown) and chunks texts longer than its window;
- :mod:`cxml.triage.features` turns a validated ticket batch into features (embedding, TF-IDF, context);
- :mod:`cxml.triage.head_search` chooses the head's feature blocks, linear model, embedding weight and C by CV
  (by default on small training sets);
- :mod:`cxml.triage.calibration` turns a linear head's scores into calibrated probabilities;
- :mod:`cxml.triage.out_of_scope` flags tickets unlike the training tickets or in an unknown language;
- :mod:`cxml.triage.decisions` turns probabilities into ``auto`` / ``suggest`` / ``abstain`` with a reason;
- :mod:`cxml.triage.classifier` holds :class:`TicketClassifier` (one target, the facade over the parts
  above) and :class:`PriorityClassifier`; :mod:`cxml.triage.multi` holds :class:`Triage` (several
  targets sharing one featurizer), whose shared parameters come from :mod:`cxml.triage.params`;
- :mod:`cxml.triage.model_card` writes the model card sections of a saved model.
"""

from cxml.triage.classifier import PRIORITY_LEVELS, PRIORITY_SCALES, PriorityClassifier, TicketClassifier
from cxml.triage.decisions import ABSTAIN_REASONS, ACTIONS, DataReport
from cxml.triage.multi import Triage
from cxml.triage.out_of_scope import DEFAULT_OOS_QUANTILE

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
