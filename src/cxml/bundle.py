"""One model directory for a whole helpdesk: triage, knowledge base and proactive help together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxml import persistence
from cxml.persistence import register_artifact

__all__ = ["HelpdeskModel"]

_COMPONENTS = ("triage", "knowledge", "proactive")


@register_artifact("helpdesk")
class HelpdeskModel:
    """Triage, a knowledge base and a proactive helper saved and loaded as one artifact.

    Each component is an artifact of its own in a sub-directory (``triage/``, ``knowledge/``,
    ``proactive/``); the bundle's manifest checksums every file below it.

    Parameters
    ----------
    triage : cxml.Triage, optional
    knowledge : cxml.KnowledgeBase, optional
    proactive : cxml.ProactiveHelper, optional
    """

    def __init__(self, triage: Any = None, knowledge: Any = None, proactive: Any = None) -> None:
        self.triage = triage
        self.knowledge = knowledge
        self.proactive = proactive

    @property
    def components(self) -> dict[str, Any]:
        """The components present, by name."""
        return {name: getattr(self, name) for name in _COMPONENTS if getattr(self, name) is not None}

    def predict(self, tickets: Any, **kwargs: Any) -> Any:
        """Triage predictions (see :meth:`cxml.Triage.predict`)."""
        if self.triage is None:
            raise ValueError("this HelpdeskModel has no triage component; build it with triage=Triage(...)")
        return self.triage.predict(tickets, **kwargs)

    def score(self, tickets: Any, *, k_articles: int = 1, columns: Any = None, id_column: str = "id") -> Any:
        """Triage decisions and the best articles for a DataFrame of tickets, each ticket embedded once.

        The tickets are validated and scrubbed once into a :class:`cxml.schema.TicketBatch` that the triage heads
        and the knowledge base both read (see :class:`cxml.scoring.Scorer`, which this calls).

        Parameters
        ----------
        tickets : DataFrame
        k_articles : int, default=1
            Articles per ticket when the model has a knowledge base (0: none).
        columns : dict or str, optional
            Column mapping, as for :func:`cxml.schema.as_tickets`.
        id_column : str, default="id"

        Returns
        -------
        DataFrame
            One row per ticket: the id, per target ``<target>``, ``<target>_confidence``, ``<target>_action``,
            ``<target>_abstain_reason``, the article columns and ``error``.
        """
        from cxml.scoring import Scorer  # scoring knows bundles; imported here to keep imports one-way

        return Scorer(self, k_articles=k_articles, columns=columns, id_column=id_column)(tickets)

    def save(self, path: str | Path, **kwargs: Any) -> Path:
        """Save as one artifact directory (see :func:`cxml.save`)."""
        return persistence.save(self, path, **kwargs)

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        if not self.components:
            raise ValueError("nothing to save: the HelpdeskModel has no components")
        kinds = {}
        for name, comp in self.components.items():
            persistence.save(comp, directory / name, allow_pickle=allow_pickle)
            kinds[name] = persistence.read_manifest(directory / name)["kind"]
        first = persistence.read_manifest(directory / next(iter(self.components)))
        sections = {"Components": "\n".join(f"- `{n}/`: {k} (see `{n}/README.md`)" for n, k in kinds.items())}
        triage_card = directory / "triage" / "README.md"
        if triage_card.exists():
            sections["Triage"] = triage_card.read_text(encoding="utf-8").split("\n", 1)[1]
        return {"components": kinds, "encoder": first.get("encoder"), "classes": first.get("classes"),
                "card": sections}

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> HelpdeskModel:
        parts = {name: persistence.load(directory / name, allow_pickle=allow_pickle, trusted=trusted)
                 for name in manifest["model"]["components"]}
        return cls(**parts)

    def __repr__(self) -> str:
        return f"HelpdeskModel({', '.join(self.components)})"
