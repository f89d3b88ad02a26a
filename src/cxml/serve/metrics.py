"""Prometheus metrics of one service instance (its own registry, so several apps can live in one process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

__all__ = ["ServiceMetrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _QueueCollector:
    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("cxml_queue_events", "Webhook events in the durable queue, by state",
                                   labels=["state"])
        for state, n in self._counts().items():
            family.add_metric([state], n)
        yield family


class ServiceMetrics:
    """Request counts and latency histograms by route, queue depth, decisions by action, webhook outcomes."""

    def __init__(self, queue_counts: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("cxml_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("cxml_request_latency_seconds", "Server-side request latency by route",
                                 ["route"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.decisions = Counter("cxml_decisions", "Triage decisions by target and action",
                                 ["target", "action"], registry=self.registry)
        self.batch_size = Histogram("cxml_triage_batch_size", "Tickets per encoder call of /v1/triage",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), registry=self.registry)
        self.webhooks = Counter("cxml_webhook_events", "Webhook deliveries by vendor and outcome",
                                ["vendor", "outcome"], registry=self.registry)
        self.writebacks = Counter("cxml_writebacks", "Write-backs by vendor and outcome",
                                  ["vendor", "outcome"], registry=self.registry)
        self.model_loaded = Gauge("cxml_model_loaded_timestamp_seconds", "When the serving model was loaded",
                                  registry=self.registry)
        if queue_counts is not None:
            self.registry.register(_QueueCollector(queue_counts))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
