"""``cxml serve``: run the HTTP service (or, with ``--dead-letters``, list the events that failed every attempt).

FastAPI and uvicorn (the ``serve`` extra) are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` sub-command to the ``cxml`` parser."""
    p = subparsers.add_parser("serve", help="serve a model over HTTP: triage, suggestions, proactive help, "
                                            "feedback, helpdesk webhooks and the web-shop widget")
    p.add_argument("--model", required=True, metavar="DIR", help="model directory (e.g. models/demo)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--queue", default=None, metavar="PATH",
                   help="SQLite file of the webhook queue and the feedback (default: beside the model, "
                        "<DIR>.serve.sqlite)")
    p.add_argument("--api-keys-file", default=None, metavar="PATH", help="file with one API key per line")
    p.add_argument("--api-keys-env", default=None, metavar="VAR",
                   help="environment variable holding comma-separated API keys")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="origin whose pages may use the API and the widget, e.g. https://shop.example.fi "
                        "(repeatable)")
    p.add_argument("--demo", action="store_true", help="also serve the demo shop at / (checkout with a widget)")
    p.add_argument("--dead-letters", action="store_true", help="list the dead-letter table as JSON and exit")
    p.add_argument("--requeue-dead", action="store_true",
                   help="put the dead-lettered events back into the queue and exit")
    p.add_argument("--webhook-secret-env", action="append", default=[], metavar="VENDOR=VAR",
                   help="environment variable holding a vendor's webhook signing secret (repeatable)")
    p.add_argument("--secrets-file", default=None, metavar="PATH",
                   help='JSON {"<vendor>": {"webhook_secret": ..., "token": ..., "base_url": ..., "email": ...}}')
    p.add_argument("--writeback", action="store_true",
                   help="send triage results back to the helpdesk (default: dry run, only recorded)")
    p.add_argument("--writeback-url", action="append", default=[], metavar="VENDOR=URL",
                   help="a vendor's API base URL for write-back (repeatable)")
    p.add_argument("--writeback-token-env", action="append", default=[], metavar="VENDOR=VAR",
                   help="environment variable holding a vendor's API token (repeatable)")
    p.add_argument("--writeback-email", action="append", default=[], metavar="VENDOR=EMAIL",
                   help="the agent e-mail some vendors pair with the token, e.g. zendesk (repeatable)")
    p.add_argument("--max-body", type=int, default=1_000_000, help="request body limit in bytes (default 1 MB)")
    p.add_argument("--max-attempts", type=int, default=5, help="write-back attempts before dead-lettering")
    p.add_argument("--worker", default="process", choices=["process", "thread"],
                   help="where the webhook worker triages queued events: a child process (default; webhook "
                        "acknowledgements never wait for its CPU) or a thread of the server (half the memory)")
    p.add_argument("--gil-switch-ms", type=float, default=1.0,
                   help="how long a thread of the service may hold the GIL while another waits for it (default 1 ms; "
                        "Python's own is 5): the event loop then reads new requests while a batch is triaged")
    p.add_argument("--batch-workers", type=int, default=1, metavar="N",
                   help="/v1/triage batches triaged at once, each in its own thread (default 1); the encoder and "
                        "numpy release the GIL, so a second batch can take a second core")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return p


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        vendor, sep, rest = v.partition("=")
        if not sep or not vendor or not rest:
            raise ValueError(f"{option} expects VENDOR=VALUE, got {v!r}")
        out[vendor.strip()] = rest.strip()
    return out


def _env(var: str, option: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise ValueError(f"environment variable {var} ({option}) is not set or empty")
    return value


def vendor_configs(args: argparse.Namespace) -> dict[str, Any]:
    """Per-vendor settings from the secrets file and the command line (the command line wins)."""
    from cxml.serve import VendorConfig

    raw: dict[str, dict[str, Any]] = {}
    if args.secrets_file:
        path = Path(args.secrets_file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"--secrets-file {path} does not exist") from exc
        except json.JSONDecodeError as exc:
            raise ValueError(f"--secrets-file {path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError(f'--secrets-file {path} must hold {{"<vendor>": {{"webhook_secret": ...}}, ...}}')
        allowed = {"webhook_secret", "token", "base_url", "email"}
        for vendor, entry in data.items():
            unknown = set(entry) - allowed
            if unknown:
                raise ValueError(f"--secrets-file {path}: vendor {vendor!r} has unknown keys {sorted(unknown)}; "
                                 f"allowed: {sorted(allowed)}")
            raw[vendor] = {"secret": entry.get("webhook_secret"), "token": entry.get("token"),
                           "base_url": entry.get("base_url"), "email": entry.get("email")}
    for vendor, var in _pairs(args.webhook_secret_env, "--webhook-secret-env").items():
        raw.setdefault(vendor, {})["secret"] = _env(var, "--webhook-secret-env")
    for vendor, url in _pairs(args.writeback_url, "--writeback-url").items():
        raw.setdefault(vendor, {})["base_url"] = url
    for vendor, var in _pairs(args.writeback_token_env, "--writeback-token-env").items():
        raw.setdefault(vendor, {})["token"] = _env(var, "--writeback-token-env")
    for vendor, email in _pairs(args.writeback_email, "--writeback-email").items():
        raw.setdefault(vendor, {})["email"] = email
    return {v: VendorConfig(**cfg) for v, cfg in raw.items()}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run ``cxml serve`` with parsed arguments; returns the exit code."""
    from cxml.serve import WebhookQueue, create_app, default_queue_path, load_api_keys

    if not args.gil_switch_ms > 0:
        raise ValueError(f"--gil-switch-ms must be a positive number of milliseconds, got {args.gil_switch_ms}")
    if args.batch_workers < 1:
        raise ValueError(f"--batch-workers must be at least 1, got {args.batch_workers}")
    queue_path = Path(args.queue) if args.queue else default_queue_path(args.model)
    if args.dead_letters or args.requeue_dead:
        if not queue_path.is_file():
            raise FileNotFoundError(f"no queue at {queue_path}; give the service's --queue PATH")
        queue = WebhookQueue(queue_path)
        try:
            if args.requeue_dead:
                print(f"{queue.requeue_dead()} dead-lettered events put back into the queue")
            else:
                frame = queue.dead_letters()
                print(frame.to_json(orient="records", indent=2, force_ascii=False) if len(frame) else "[]")
                print(f"{len(frame)} dead-lettered events in {queue_path}", file=sys.stderr)
        finally:
            queue.close()
        return 0
    keys = load_api_keys(args.api_keys_file, args.api_keys_env) if (args.api_keys_file or args.api_keys_env) \
        else None
    if keys is None and not _loopback(args.host):
        raise ValueError(f"refusing to serve on {args.host} without API keys: give --api-keys-file or "
                         "--api-keys-env, or listen on 127.0.0.1")
    vendors = vendor_configs(args)
    if args.writeback:
        missing = [v for v, c in vendors.items() if c.secret and not (c.base_url and c.token)]
        if missing:
            raise ValueError(f"--writeback needs a base URL and token for {', '.join(missing)}: "
                             "--writeback-url VENDOR=URL --writeback-token-env VENDOR=VAR")
    app = create_app(args.model, queue_path=queue_path, api_keys=keys, cors_origins=args.cors_origin,
                     demo=args.demo, vendors=vendors, writeback=args.writeback, max_body_bytes=args.max_body,
                     handle_sighup=True, queue_options={"max_attempts": args.max_attempts},
                     worker_process=args.worker == "process", batch_workers=args.batch_workers)
    import uvicorn

    sys.setswitchinterval(args.gil_switch_ms / 1000)

    where = f"http://{args.host}:{args.port}"
    print(f"cxml serve: {args.model} on {where} (docs {where}/docs"
          + (f", demo shop {where}/" if args.demo else "") + f"); queue {queue_path}; write-back "
          + ("on" if args.writeback else "dry run") + (f"; {len(keys)} API keys" if keys else "; no API keys"),
          flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                timeout_graceful_shutdown=10)
    return 0
