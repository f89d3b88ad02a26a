"""``cxml serve``: the HTTP service (triage, suggestions, proactive help, feedback, webhook intake) and the
proactive-help widget. Needs the ``serve`` extra: ``pip install "cxml[serve]"``.

FastAPI, uvicorn and prometheus-client are imported when this subpackage is, never by ``import cxml``.
"""

from __future__ import annotations

from cxml.exceptions import missing_extra

try:
    import fastapi  # noqa: F401
    import prometheus_client  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise missing_extra(exc.name or "fastapi", "serve", "cxml serve") from exc

from cxml.serve.app import ServiceError, create_app, default_queue_path  # noqa: E402
from cxml.serve.auth import ApiKeys, load_api_keys  # noqa: E402
from cxml.serve.queue import WebhookQueue  # noqa: E402
from cxml.serve.worker import VendorConfig  # noqa: E402

__all__ = ["ApiKeys", "ServiceError", "VendorConfig", "WebhookQueue", "create_app", "default_queue_path",
           "load_api_keys"]
