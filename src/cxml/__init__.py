"""cxml: machine-learned triage, knowledge suggestion and proactive help for helpdesks.

Trained on a helpdesk's own ticket history; runs offline on a laptop or a batch cluster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cxml._version import __version__

# Public names, imported lazily so that ``import cxml`` stays fast (torch loads only when
# a neural encoder is used).
_LAZY: dict[str, str] = {
    "encoders": "cxml.encoders",
    "datasets": "cxml.datasets",
    "schema": "cxml.schema",
    "pii": "cxml.pii",
    "language": "cxml.language",
    "persistence": "cxml.persistence",
    "load": "cxml.persistence:load",
    "save": "cxml.persistence:save",
    "exceptions": "cxml.exceptions",
    "CxmlError": "cxml.exceptions:CxmlError",
    "ValidationError": "cxml.exceptions:ValidationError",
    "ArtifactError": "cxml.exceptions:ArtifactError",
    "NotFittedError": "cxml.exceptions:NotFittedError",
    "make_webshop": "cxml.datasets:make_webshop",
    "routing": "cxml.routing",
    "sla": "cxml.sla",
    "reports": "cxml.reports",
    "proactive": "cxml.proactive",
    "Router": "cxml.routing:Router",
    "SLAPolicy": "cxml.sla:SLAPolicy",
    "write_report": "cxml.reports:write_report",
    "ProactiveHelper": "cxml.proactive:ProactiveHelper",
    "HelpdeskModel": "cxml.bundle:HelpdeskModel",
    "triage": "cxml.triage",
    "evaluate": "cxml.evaluate",
    "Triage": "cxml.triage:Triage",
    "TicketClassifier": "cxml.triage:TicketClassifier",
    "PriorityClassifier": "cxml.triage:PriorityClassifier",
    "knowledge": "cxml.knowledge",
    "KnowledgeBase": "cxml.knowledge:KnowledgeBase",
    "scoring": "cxml.scoring",
    "batch": "cxml.batch",
    "Scorer": "cxml.scoring:Scorer",
    "score_file": "cxml.scoring:score_file",
    "discovery": "cxml.discovery",
    "drift": "cxml.drift",
    "discover_reasons": "cxml.discovery:discover_reasons",
    "drift_report": "cxml.drift:drift_report",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from cxml import datasets, encoders, language, persistence, pii, schema  # noqa: F401


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'cxml' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
