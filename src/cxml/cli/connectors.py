"""``cxml import`` and ``cxml sync``: helpdesk exports in, triage decisions back out.

As in :mod:`cxml.cli.main`, each command imports what it runs inside its own function, so that building the
parser stays free of pandas, httpx and the models.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

__all__ = ["add_parsers", "run_import", "run_sync"]

_VENDORS = ("zendesk", "freshdesk", "intercom", "hubspot", "livechat", "zammad")
_HOSTS = {"zendesk": "https://{}.zendesk.com", "freshdesk": "https://{}.freshdesk.com"}


def _pairs(spec: str | None, what: str) -> dict[str, str]:
    """``"a=b,c=d"`` -> ``{"a": "b", "c": "d"}``."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{what}: {part!r} should be KEY=VALUE, e.g. 360001=reason")
        out[key.strip()] = value.strip()
    return out


def add_parsers(subparsers: Any) -> None:
    """Add ``import`` and ``sync`` to the ``cxml`` sub-command parsers."""
    imp = subparsers.add_parser("import", help="turn a helpdesk export (Zendesk, Freshdesk, Intercom, HubSpot, "
                                               "LiveChat, Zammad) into a cxml ticket or article file")
    imp.add_argument("input", help="export file (JSON, JSON Lines, CSV) or a folder of API pages")
    imp.add_argument("--vendor", required=True, choices=_VENDORS)
    imp.add_argument("--out", required=True, help="output file: .parquet, .jsonl or .csv")
    imp.add_argument("--articles", action="store_true", help="the export holds help-centre articles, not tickets")
    imp.add_argument("--fields", default=None, metavar="MAP",
                     help="custom fields to name: '360001=reason,360002=url' (id or key = column)")
    imp.add_argument("--reason-field", default=None, help="column to use as the contact reason label")
    imp.add_argument("--tz", default="UTC", help="time zone of timestamps without one (CSV exports; default UTC)")
    imp.add_argument("--skip-bad", action="store_true",
                     help="skip malformed records (reported) instead of stopping at the first")
    imp.add_argument("--keep-pii", action="store_true", help="do not scrub personal data from the texts")
    imp.set_defaults(connector_command=run_import)

    syn = subparsers.add_parser("sync", help="pull new Zendesk / Freshdesk tickets, score them and write the "
                                             "decisions back (dry run unless --apply)")
    syn.add_argument("--vendor", required=True, choices=sorted(_HOSTS))
    where = syn.add_mutually_exclusive_group(required=True)
    where.add_argument("--subdomain", help="account subdomain: acme for acme.zendesk.com")
    where.add_argument("--base-url", help="API root URL (instead of --subdomain)")
    syn.add_argument("--token-env", required=True, metavar="VAR", help="environment variable holding the API token")
    syn.add_argument("--email", default=None, help="Zendesk: agent e-mail the API token belongs to")
    syn.add_argument("--model", required=True, help="model directory (a Triage or a helpdesk bundle)")
    syn.add_argument("--state", default=None, help="state file (default .cxml-sync-<vendor>-<account>.json)")
    syn.add_argument("--since", default=None, help="first run: pull tickets updated since (ISO date or epoch "
                                                   "seconds; default now)")
    mode = syn.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", dest="apply", action="store_false", help="print the updates (default)")
    mode.add_argument("--apply", dest="apply", action="store_true", help="send the updates")
    syn.add_argument("--custom-field", default=None, metavar="MAP",
                     help="targets to write into custom fields: 'reason=360001'")
    syn.add_argument("--group", default=None, metavar="MAP", help="team labels to group ids: 'billing=42'")
    syn.add_argument("--k-articles", type=int, default=0, help="articles to add to the note (needs a bundle)")
    syn.add_argument("--max-pages", type=int, default=None)
    syn.add_argument("--max-retries", type=int, default=6)
    syn.add_argument("--backoff", type=float, default=1.0, help="first backoff after a 5xx, seconds (default 1)")
    syn.set_defaults(connector_command=run_sync, apply=False)


def run_import(args: argparse.Namespace) -> int:
    """``cxml import``."""
    from cxml.connectors import read_articles, read_tickets
    from cxml.io import write_table

    errors = "skip" if args.skip_bad else "raise"
    if args.articles:
        frame = read_articles(args.input, args.vendor, errors=errors)
    else:
        frame = read_tickets(args.input, args.vendor, errors=errors, scrub_pii=not args.keep_pii,
                             fields=_pairs(args.fields, "--fields"), reason_field=args.reason_field, tz=args.tz)
    skipped = frame.attrs.get("skipped", [])
    out = frame.copy()
    if str(args.out).lower().endswith(".csv"):  # nested columns as JSON text in a CSV
        for column in ("thread", "tags"):
            if column in out.columns:
                out[column] = [json.dumps(v, ensure_ascii=False, default=str) for v in out[column]]
    out.attrs = {}
    path = write_table(out, args.out)
    what = "articles" if args.articles else "tickets"
    print(f"imported {len(frame)} {args.vendor} {what} to {path}"
          + (f"; skipped {len(skipped)}: " + "; ".join(sorted({s['reason'] for s in skipped}))[:500] if skipped else ""))
    return 0


def _since(value: str | None) -> int:
    if value is None:
        return int(time.time())
    if value.strip().isdigit():
        return int(value)
    import pandas as pd

    ts = pd.Timestamp(value)
    return int((ts.tz_localize("UTC") if ts.tzinfo is None else ts).timestamp())


def run_sync(args: argparse.Namespace) -> int:
    """``cxml sync``."""
    import cxml
    from cxml.connectors import make_client
    from cxml.connectors.sync import run_sync as sync

    token = os.environ.get(args.token_env)
    if not token:
        raise ValueError(f"environment variable {args.token_env} is not set; export the API token there")
    base_url = args.base_url or _HOSTS[args.vendor].format(args.subdomain)
    account = args.subdomain or base_url.split("//")[-1].split("/")[0].replace(":", "_")
    state = args.state or f".cxml-sync-{args.vendor}-{account}.json"
    model = cxml.load(args.model)
    options: dict[str, Any] = {}
    if args.custom_field:
        options["custom_fields"] = {k: (int(v) if v.isdigit() else v) for k, v in
                                    _pairs(args.custom_field, "--custom-field").items()}
    if args.group:
        options["groups"] = {k: (int(v) if v.isdigit() else v) for k, v in _pairs(args.group, "--group").items()}
    with make_client(args.vendor, base_url=base_url, token=token, email=args.email, start_time=_since(args.since),
                     max_retries=args.max_retries, backoff_s=args.backoff) as client:
        report = sync(client, model, state, dry_run=not args.apply, write_options=options,
                      max_pages=args.max_pages, k_articles=args.k_articles)
    verb = "updated" if args.apply else "would update"
    print(f"{args.vendor}: {report.pages} pages, {report.seen} tickets seen, {report.scored} scored, {verb} "
          f"{report.written if args.apply else len(report.changes)}, {report.unchanged} unchanged (abstained), "
          f"{report.skipped} skipped" + ("" if args.apply else "; dry run, nothing sent (use --apply)"),
          file=sys.stdout)
    return 0
