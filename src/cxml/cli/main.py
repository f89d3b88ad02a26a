"""The ``cxml`` command line. It only parses arguments and calls the public API.

Each command imports what it runs inside its own function: building the parser (``cxml --help``, ``cxml
--version``) must not pay for pandas, scikit-learn, faiss or torch, which only the command that is run needs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cxml
from cxml._version import __version__
from cxml.cli import serve as serve_cli
from cxml.cli.connectors import add_parsers as add_connector_parsers
from cxml.exceptions import CxmlError, NotFittedError
from cxml.scoring.options import add_score_arguments


def _add_columns(p: argparse.ArgumentParser) -> None:
    p.add_argument("--columns", default=None, metavar="MAP",
                   help="map your column names to cxml's: 'text=title+description,reason=category,id=ticket_no'")
    p.add_argument("--encoding", default=None,
                   help="text encoding of a CSV / JSON Lines file (default UTF-8, checked), e.g. cp1252")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cxml`` command."""
    parser = argparse.ArgumentParser(prog="cxml", description="Helpdesk triage and knowledge suggestion, offline.")
    parser.add_argument("--version", action="version", version=f"cxml {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at INFO level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="generate demo data, train, save, score and show suggestions (main job)")
    demo.add_argument("--n-tickets", type=int, default=1200, help="tickets of history to train on (default 1200)")
    demo.add_argument("--n-backlog", type=int, default=200, help="new tickets to score (default 200)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--encoder", default="auto", help="encoder spec (default: auto, chosen from the data)")
    demo.add_argument("--out", default="models/demo", help="model directory to write (default models/demo)")
    demo.add_argument("--overwrite", action="store_true", help="replace the model at --out if there is one")

    train = sub.add_parser("train", help="train a triage model from a CSV / JSON Lines / Parquet ticket file")
    train.add_argument("--tickets", required=True, help="ticket file")
    train.add_argument("--targets", default="reason,priority",
                       help="comma-separated label columns to learn (default reason,priority)")
    train.add_argument("--encoder", default="auto")
    train.add_argument("--features", default="hybrid", choices=["hybrid", "embedding", "tfidf"])
    train.add_argument("--target-precision", type=float, default=0.9)
    train.add_argument("--class-weight", default="none", choices=["none", "balanced"],
                       help="'balanced': weigh each label inversely to its frequency, so rare reasons are predicted "
                            "more often (higher macro-F1 on imbalanced history; default none)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", required=True, help="model directory to write (a new path, or a cxml model to "
                                                    "replace with --overwrite; any other existing path is refused)")
    train.add_argument("--overwrite", action="store_true", help="replace the cxml model at --out")
    _add_columns(train)

    ev = sub.add_parser("evaluate", help="evaluate a saved model on labelled tickets")
    ev.add_argument("--model", required=True)
    ev.add_argument("--tickets", required=True)
    ev.add_argument("--out", default=None, help="folder for metrics (JSON, CSV) and figures (PNG)")
    _add_columns(ev)
    sug = sub.add_parser("suggest", help="suggest articles (or similar past tickets, macros) for a ticket text, "
                                         "or articles for a web-session context")
    sug.add_argument("--model", required=True, help="model directory (a knowledge base or a demo-style bundle)")
    sug.add_argument("text", nargs="?", default=None, help="ticket text (omit when giving --url / --error)")
    sug.add_argument("--url", default=None, help="page URL of the web session (proactive help)")
    sug.add_argument("--error", default=None, help="error code of the web session (proactive help)")
    sug.add_argument("--message", default=None, help="error message of the web session")
    sug.add_argument("--title", default=None, help="page title of the web session")
    sug.add_argument("--segment", default=None, help="customer segment of the web session (e.g. b2b)")
    sug.add_argument("--language", default=None, help="answer in this language (ISO 639-1), detected if omitted")
    sug.add_argument("-k", type=int, default=3, help="number of articles, past tickets or macros (default 3)")
    sug.add_argument("--similar", action="store_true",
                     help="show the most similar past tickets with their answers (needs a model with tickets)")
    sug.add_argument("--macros", action="store_true",
                     help="show the canned replies (macros) used on similar past tickets (needs tickets with macros)")
    sug.add_argument("--json", action="store_true", help="print JSON instead of a table")

    add_score_arguments(sub.add_parser("score", help="score a ticket backlog file in chunks, exactly once and "
                                                     "resumably"))

    rep = sub.add_parser("report", help="write a self-contained HTML operations report for a team lead")
    rep.add_argument("--tickets", required=True, help="ticket file (CSV / JSON Lines / Parquet)")
    rep.add_argument("--out", required=True, help="output folder")
    rep.add_argument("--sessions", default=None, help="web-session file, for the self-service rate")
    rep.add_argument("--sla", default=None, help="SLA policy JSON (default: cxml's defaults, Finnish holidays)")
    rep.add_argument("--title", default="Customer service report")
    rep.add_argument("--freq", default="W", help="period of trend charts: D, W or M (default W)")
    _add_columns(rep)
    add_connector_parsers(sub)
    serve_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxml`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "demo":
            from cxml.cli.demo import run_demo

            run_demo(n_tickets=args.n_tickets, n_backlog=args.n_backlog, seed=args.seed,
                     encoder=args.encoder, out=args.out, overwrite=args.overwrite)
        elif args.command == "train":
            return _train(args)
        elif args.command == "evaluate":
            return _evaluate(args)
        elif args.command == "report":
            return _report(args)
        elif args.command == "suggest":
            return _suggest(args)
        elif args.command == "score":
            from cxml.cli.score import run_score

            return run_score(args)
        elif args.command == "serve":
            return serve_cli.run(args)
        elif hasattr(args, "connector_command"):  # cxml import / cxml sync
            return args.connector_command(args)
    except (CxmlError, ValueError, FileNotFoundError, ImportError) as exc:
        print(f"cxml {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _train(args: argparse.Namespace) -> int:
    from cxml.io import parse_columns, read_table
    from cxml.persistence import check_save_path
    from cxml.triage import Triage

    check_save_path(args.out, overwrite=args.overwrite)  # before hours of training, not after
    df = read_table(args.tickets, encoding=args.encoding)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    start = time.perf_counter()
    model = Triage(targets=targets, encoder=args.encoder, features=args.features,
                   target_precision=args.target_precision,
                   class_weight=None if args.class_weight == "none" else args.class_weight, random_state=args.seed)
    model.fit(df, columns=parse_columns(args.columns))
    path = model.save(args.out, overwrite=args.overwrite)
    print(f"trained {', '.join(targets)} on {len(df)} tickets in {time.perf_counter() - start:.1f} s "
          f"(encoder {model.encoder_spec_}); saved to {path}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from cxml.evaluate import evaluate
    from cxml.io import parse_columns, read_table

    model = cxml.load(args.model)
    df = read_table(args.tickets, encoding=args.encoding)
    results = evaluate(model, df, columns=parse_columns(args.columns))
    results = results if isinstance(results, dict) else {"": results}
    summary = {}
    for target, res in results.items():
        summary[target or "label"] = res.summary()
        print(f"== {target or 'label'}")
        print(res.to_text())
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(summary, indent=2, default=float))
        for target, res in results.items():
            res.save(out, prefix=target or "label")
        print(f"metrics and figures written to {out}")
    return 0


def _suggest(args: argparse.Namespace) -> int:
    model = cxml.load(args.model)
    proactive = args.url is not None or args.error is not None or args.message is not None
    if proactive and (args.similar or args.macros):
        raise ValueError("--similar and --macros need a ticket text, not a web-session context (--url / --error)")
    if proactive:
        helper = getattr(model, "proactive", None) if not hasattr(model, "counts_") else model
        if helper is None:
            raise ValueError(f"{args.model} has no proactive helper; train one with cxml.ProactiveHelper")
        res = helper.suggest(url=args.url, page_title=args.title, error_code=args.error,
                             error_message=args.message, language=args.language, segment=args.segment, k=args.k)
        if args.json:
            print(json.dumps(res, ensure_ascii=False, indent=2, default=str))
            return 0
        for r in res["suggestions"]:
            print(f"{r['rank']}. {r['title']} [{r['language']}] {r['url']}\n   {r['why']}")
        print(f"offer now: {'yes' if res['should_offer'] else 'no'} — {res['reason']}")
        return 0
    if not args.text:
        raise ValueError("give a ticket text, or a web-session context with --url / --error")
    if args.k < 1:
        raise ValueError(f"-k must be >= 1, got {args.k}")
    kb = getattr(model, "knowledge", model)
    if not hasattr(kb, "suggest"):
        raise ValueError(f"{args.model} has no knowledge base")

    try:
        if args.similar or args.macros:
            return _suggest_from_tickets(kb, args)
        res = kb.suggest(args.text, k=args.k, language=args.language)
    except NotFittedError as exc:
        raise ValueError(f"{args.model}: {exc}") from exc
    if args.json:
        print(res.to_json(orient="records", force_ascii=False, indent=2))
    elif res.empty:
        closest = kb.suggest(args.text, k=args.k, language=args.language, min_score=0.0)
        threshold = getattr(kb, "threshold_", None)
        print("no good article for this ticket: none reaches the calibrated score threshold"
              + (f" ({threshold:.2f})" if isinstance(threshold, float) else "")
              + ("; the closest, for an agent to judge:" if len(closest) else ""))
        for r in closest.itertuples():
            print("   " + _article_line(r))
    else:
        for r in res.itertuples():
            print(_article_line(r))
    return 0


def _article_line(r: Any) -> str:
    """One suggested article (a row of ``KnowledgeBase.suggest``): its probability of answering, the raw cosine."""
    return f"{r.rank}. {r.title} [{r.language}] probability {r.score:.2f} (similarity {r.similarity:.2f}) {r.url}"


def _short(text: object, n: int = 160) -> str:
    """One line of at most ``n`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= n else line[: n - 1].rstrip() + "…"


def _suggest_from_tickets(kb: Any, args: argparse.Namespace) -> int:
    """``cxml suggest --similar`` / ``--macros``: past tickets and their macros for a text."""
    tables: dict[str, Any] = {}
    if args.similar:
        tables["similar_tickets"] = kb.similar_tickets(args.text, k=args.k)
    if args.macros:
        tables["macros"] = kb.suggest_macros(args.text, k=args.k)
    if args.json:
        out = {name: json.loads(t.to_json(orient="records", force_ascii=False)) for name, t in tables.items()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for name, table in tables.items():
        heading, line = _TICKET_LISTS[name]
        print(heading)
        if table.empty:
            print("  (none)")
        for r in table.itertuples():
            print(line(r))
    return 0


def _similar_ticket_lines(r: Any) -> str:
    """One similar past ticket (a row of ``KnowledgeBase.similar_tickets``) and its answer, on two lines."""
    answer = None if r.answer is None or r.answer != r.answer else r.answer  # None or NaN: no answer
    return (f"{r.rank}. ticket {r.ticket_id} (similarity {r.score:.2f}): {_short(r.text)}\n"
            f"   answer: {_short(answer) if answer is not None else '(none recorded)'}")


def _macro_line(r: Any) -> str:
    """One macro (a row of ``KnowledgeBase.suggest_macros``): its share of the votes and its tickets."""
    return f"{r.rank}. {r.macro} (share {r.score:.2f}, {r.n_tickets} ticket{'s' if r.n_tickets != 1 else ''})"


#: ``cxml suggest --similar`` / ``--macros``: the heading and the line of each row, by table.
_TICKET_LISTS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "similar_tickets": ("similar past tickets:", _similar_ticket_lines),
    "macros": ("macros used on similar tickets:", _macro_line),
}


def _report(args: argparse.Namespace) -> int:
    from cxml.io import parse_columns, read_table
    from cxml.reports import write_report
    from cxml.schema import as_tickets
    from cxml.sla import SLAPolicy

    tickets = as_tickets(read_table(args.tickets, encoding=args.encoding), columns=parse_columns(args.columns),
                         require=("created_at",), allow_empty_text=True)
    sessions = read_table(args.sessions, encoding=args.encoding) if args.sessions else None
    path = write_report(tickets, args.out, sessions=sessions,
                        sla=SLAPolicy.from_json(args.sla) if args.sla else None, title=args.title, freq=args.freq)
    print(f"report written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
