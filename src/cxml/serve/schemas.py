"""Request and response bodies of the HTTP API (pydantic models; they make the OpenAPI page at ``/docs``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Ticket", "TriageRequest", "TriageResponse", "TargetDecision", "SuggestRequest", "ProactiveRequest",
    "FeedbackRequest", "ReloadRequest", "ErrorBody", "FEEDBACK_KINDS",
]

#: What ``POST /v1/feedback`` accepts in ``kind``.
FEEDBACK_KINDS = ("article_helpful", "article_dismissed", "article_clicked", "labels_corrected")

_TEXT = 100_000


class Ticket(BaseModel):
    """One ticket, with the library's columns (see :data:`cxml.schema.TICKET_FIELDS`); extra columns are kept
    (a model fitted with context columns uses them)."""

    model_config = ConfigDict(extra="allow")

    id: str | int | None = Field(None, description="your ticket id, echoed back")
    text: str | None = Field(None, max_length=_TEXT)
    subject: str | None = Field(None, max_length=_TEXT)
    body: str | None = Field(None, max_length=_TEXT)
    language: str | None = None
    channel: str | None = None
    segment: str | None = None
    url: str | None = None
    page_title: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @model_validator(mode="after")
    def _has_text(self) -> Ticket:
        if not any((v or "").strip() for v in (self.text, self.subject, self.body)):
            raise ValueError("a ticket needs a non-empty 'text', 'subject' or 'body'")
        return self


class TriageRequest(BaseModel):
    """One ticket (``ticket``) or a batch (``tickets``, at most 1,000)."""

    model_config = ConfigDict(extra="forbid")

    ticket: Ticket | None = None
    tickets: list[Ticket] | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one_of(self) -> TriageRequest:
        if (self.ticket is None) == (self.tickets is None):
            raise ValueError("give either 'ticket' (one ticket) or 'tickets' (a list), not both and not neither")
        if self.tickets is not None and not self.tickets:
            raise ValueError("'tickets' is empty; send at least one ticket")
        return self


class TargetDecision(BaseModel):
    """The decision for one target (reason, priority, ...)."""

    label: Any = None
    confidence: float
    action: Literal["auto", "suggest", "abstain"]
    abstain_reason: str | None = None
    top3: list[tuple[Any, float]]


class TriageResult(BaseModel):
    id: str | int | None = None
    decisions: dict[str, TargetDecision]


class TriageResponse(BaseModel):
    model: str = Field(description="the serving model's version (its manifest checksum)")
    results: list[TriageResult]


class SuggestRequest(BaseModel):
    """Articles (and optionally past tickets and macros) for one ticket."""

    model_config = ConfigDict(extra="forbid")

    ticket: Ticket
    k: int = Field(3, ge=1, le=50)
    language: str | None = Field(None, description="answer in this language (ISO 639-1); detected when omitted")
    similar: bool = Field(False, description="also the most similar past tickets with their answers")
    macros: bool = Field(False, description="also the canned replies used on similar past tickets")


class ProactiveRequest(BaseModel):
    """A web-session context (what the widget sends)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=4096)
    page_title: str | None = Field(None, max_length=1000)
    error_code: str | None = Field(None, max_length=200)
    error_message: str | None = Field(None, max_length=2000)
    events: list[str] | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=16)
    segment: str | None = Field(None, max_length=100)
    k: int = Field(3, ge=1, le=20)

    @model_validator(mode="after")
    def _has_context(self) -> ProactiveRequest:
        if not any((self.url, self.page_title, self.error_code, self.error_message)):
            raise ValueError("a session context needs at least one of 'url', 'page_title', 'error_code', "
                             "'error_message'")
        return self


class FeedbackRequest(BaseModel):
    """Feedback on a suggestion or a triage decision, stored for the next ``fit_feedback`` / retrain."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["article_helpful", "article_dismissed", "article_clicked", "labels_corrected"]
    article_id: str | None = Field(None, max_length=200)
    ticket_id: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=_TEXT, description="the query or ticket text the feedback is about")
    labels: dict[str, str] | None = Field(None, description="corrected labels, e.g. {'reason': 'refund'}")
    context: dict[str, Any] | None = Field(None, description="the proactive context (url, error_code, ...)")
    source: Literal["widget", "agent", "api"] = "api"

    @model_validator(mode="after")
    def _complete(self) -> FeedbackRequest:
        if self.kind.startswith("article_") and not self.article_id:
            raise ValueError(f"feedback of kind {self.kind!r} needs 'article_id'")
        if self.kind == "labels_corrected" and not self.labels:
            raise ValueError("feedback of kind 'labels_corrected' needs 'labels', e.g. {'reason': 'refund'}")
        if self.kind == "labels_corrected" and not (self.ticket_id or self.text):
            raise ValueError("feedback of kind 'labels_corrected' needs 'ticket_id' or 'text'")
        return self


class ReloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="model directory to load; default: the one being served")


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {"type", "message", "field"}}``."""

    error: dict[str, Any]
