"""``cxml demo``: the main job, end to end on bundled synthetic data, offline.

Generates a bilingual web-shop ticket history, trains triage (reason, priority, team), builds
the knowledge base and the proactive helper, saves everything as one model directory, loads it
back (checksums verified), scores a backlog of new tickets (another seed), and shows triage
decisions, routing with SLA deadlines, article suggestions and proactive help, with timings.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")

__all__ = ["run_demo", "DEMO_ROUTING"]

#: The demo shop's routing: key accounts to their owners, urgent tickets to escalation,
#: uncertain predictions to a human triage queue, otherwise by predicted reason.
DEMO_ROUTING: dict[str, Any] = {
    "default_queue": "general",
    "rules": [
        {"name": "key account", "precedence": 30, "when": {"segment": "key_account"}, "queue": "key_accounts"},
        {"name": "urgent", "precedence": 20, "when": {"priority": "urgent", "priority_action": "auto"},
         "queue": "escalation"},
        {"name": "uncertain reason", "precedence": 10, "when": {"reason_action": {"ne": "auto"}},
         "queue": "triage"},
        {"name": "by reason", "by": "reason", "map": {
            "order_status": "orders", "cancellation": "orders", "delivery": "deliveries", "return": "returns",
            "refund": "returns", "complaint": "complaints", "invoice": "billing", "payment_failure": "payments",
            "account_login": "accounts", "gdpr_request": "accounts", "product_question": "sales",
            "discount_code": "sales"}},
    ],
}


class _Timer:
    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    def run(self, label: str, fn: Callable[[], T]) -> T:
        print(f"  {label} ...", flush=True)
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        self.steps.append((label, dt))
        print(f"    done in {dt:.1f} s", flush=True)
        return out


def _short(text: Any, width: int = 58) -> str:
    return textwrap.shorten(" ".join(str(text).split()), width=width, placeholder="…")


def _header(title: str) -> None:
    print(f"\n== {title}")


def run_demo(n_tickets: int = 1200, n_backlog: int = 200, seed: int = 0, encoder: str = "auto",
             out: str | Path = "models/demo", overwrite: bool = False) -> dict[str, Any]:
    """Run the demo and print what it does; returns a summary dict (timings, metrics, paths).

    Parameters
    ----------
    n_tickets : int, default=1200
        Tickets of history to train on.
    n_backlog : int, default=200
        New tickets (generated with ``seed + 1``) to score.
    seed : int, default=0
    encoder : str, default="auto"
        Encoder spec; ``"auto"`` picks a multilingual model for the bilingual demo data.
    out : str or Path, default="models/demo"
        Where the model directory is written.
    overwrite : bool, default=False
        Replace a cxml model already at ``out`` (any other existing path is refused).
    """
    import cxml
    from cxml.bundle import HelpdeskModel
    from cxml.datasets import make_webshop
    from cxml.encoders import resolve_spec
    from cxml.knowledge import KnowledgeBase
    from cxml.language import language_mix
    from cxml.persistence import check_save_path
    from cxml.proactive import ProactiveHelper, evaluate_proactive
    from cxml.triage import Triage

    timer = _Timer()
    t_start = time.perf_counter()
    print(f"cxml {cxml.__version__} demo: synthetic bilingual web-shop data; everything runs offline, on this machine.")

    check_save_path(out, overwrite=overwrite)  # refuse a taken --out before training, not after
    _header("1. Data")
    history = timer.run(f"generating {n_tickets} tickets of history, {n_tickets} web sessions and the help centre",
                        lambda: make_webshop(n_tickets=n_tickets, seed=seed))
    backlog = make_webshop(n_tickets=n_backlog, seed=seed + 1)
    tickets, articles = history.tickets, history.articles
    texts = (tickets["subject"].fillna("") + "\n" + tickets["body"].fillna("")).tolist()
    mix = language_mix(texts[:1000])
    spec = resolve_spec(encoder, texts + articles["title"].tolist())
    print(f"    {len(tickets)} tickets, {len(articles)} articles "
          f"({articles['language'].value_counts().to_dict()}), {len(history.sessions)} sessions")
    print("    detected languages: " + ", ".join(f"{k} {v:.0%}" for k, v in mix.items()))
    print(f"    encoder: {encoder!r} -> {spec!r}"
          + (" (multilingual: tickets are not all English)" if encoder == "auto" and spec == "e5-small" else ""))

    _header("2. Training")
    triage = timer.run("triage: reason, priority and team classifiers (each ticket embedded once)",
                       lambda: Triage(targets=("reason", "priority", "team"), encoder=spec,
                                      random_state=seed).fit(tickets))
    for target, scores in triage.cv_scores_.items():
        shown = ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if isinstance(v, (int, float)))
        print(f"    {target:9s} cross-validated: {shown}")
    kb = timer.run("knowledge base: articles split into passages, dense + BM25 index, learned from resolved tickets",
                   lambda: KnowledgeBase(encoder=spec, random_state=seed).add(articles).fit_feedback(tickets))
    proactive = timer.run("proactive help: P(article | URL, error) from past sessions",
                          lambda: ProactiveHelper(kb).fit(history.sessions))

    _header("3. Save and load")
    model = HelpdeskModel(triage=triage, knowledge=kb, proactive=proactive)
    path = timer.run(f"saving to {out}", lambda: model.save(out, overwrite=overwrite))
    files = sorted(p.relative_to(path).as_posix() for p in Path(path).rglob("*") if p.is_file())
    print(f"    {len(files)} files, manifest + model card: {path}/manifest.json, {path}/README.md")
    model = timer.run("loading (format version, checksums and dimensions checked)", lambda: cxml.load(path))

    _header(f"4. Scoring a backlog of {n_backlog} new tickets")
    new = backlog.tickets
    scored = _score_backlog(timer, path, model, new)
    report = _backlog_report(scored, new)
    print(report["text"])

    _header("5. Triage decisions, routing and SLA for a few new tickets")
    _show_examples(model, new, scored)

    _header("6. Proactive help for web sessions (before anyone writes in)")
    _show_proactive(model.proactive)
    evaluation = evaluate_proactive(model.proactive, backlog.sessions, baselines=False)
    row = evaluation.table.iloc[0]
    print(f"    on {int(row['sessions'])} held-out sessions: hit@1 {row['hit@1']:.2f}, hit@3 {row['hit@3']:.2f}; "
          f"offered in {row['offered share']:.0%} of sessions with hit@1 {row['offered hit@1']:.2f} when offered")

    total = time.perf_counter() - t_start
    _header("Summary")
    for label, dt in timer.steps:
        print(f"    {dt:7.1f} s  {label}")
    print(f"    {total:7.1f} s  total")
    print(f"\nModel directory: {path} (see {path}/README.md). Next: cxml score --model {path} --input tickets.csv "
          "--output scored.parquet")
    return {"path": str(path), "encoder": spec, "timings": dict(timer.steps), "total_s": total,
            "backlog": report["metrics"]}


def _score_backlog(timer: _Timer, path: Path, model: Any, new: pd.DataFrame) -> pd.DataFrame:
    try:
        from cxml.scoring import Scorer
    except ImportError:  # batch scoring not installed in this build
        return timer.run("model.predict", lambda: model.predict(new))
    scorer = Scorer(model)
    t0 = time.perf_counter()
    scored = timer.run("Scorer (the same code path as `cxml score` and Dask)", lambda: scorer(new))
    dt = time.perf_counter() - t0
    print(f"    {len(new) / dt:.0f} tickets/s, one output row per input row ({len(scored)} of {len(new)})")
    return scored


def _backlog_report(scored: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
    lines, metrics = [], {}
    for target in ("reason", "priority", "team"):
        if target not in scored:
            continue
        pred = scored[target].to_numpy()
        truth = new[target].to_numpy()
        acc = float((pred == truth).mean())
        action = scored[f"{target}_action"]
        auto = action == "auto"
        auto_prec = float((pred[auto.to_numpy()] == truth[auto.to_numpy()]).mean()) if auto.any() else float("nan")
        shares = action.value_counts(normalize=True)
        metrics[target] = {"accuracy": acc, "auto_share": float(auto.mean()), "auto_precision": auto_prec}
        lines.append(f"    {target:9s} accuracy {acc:.3f} | auto {shares.get('auto', 0):.0%} (precision "
                     f"{auto_prec:.3f}), suggest {shares.get('suggest', 0):.0%}, abstain {shares.get('abstain', 0):.0%}")
    return {"text": "\n".join(lines), "metrics": metrics}


def _show_examples(model: Any, new: pd.DataFrame, scored: pd.DataFrame) -> None:
    picks = []
    for lang in ("fi", "en"):
        picks += new.index[new["language"] == lang][:3].tolist()
    sample = new.loc[picks]
    decided = scored.loc[picks] if set(picks) <= set(scored.index) else model.predict(sample)
    routes = _route(decided, sample)
    for label in picks:
        t = sample.loc[label]
        d = decided.loc[label]
        print(f"  [{t['language']}] {t['channel']:8s} \"{_short(str(t['subject']) + ': ' + str(t['body']))}\"")
        reason = f"{d['reason']} ({d['reason_action']}, {d['reason_confidence']:.2f})"
        if d["reason_action"] == "abstain" and d.get("reason_abstain_reason"):
            reason += f" [{d['reason_abstain_reason']}]"
        print(f"      reason {reason} | priority {d['priority']} ({d['priority_action']}) | true: {t['reason']}, "
              f"{t['priority']}")
        if routes is not None:
            r = routes.loc[label]
            print(f"      route -> {r['queue']} (rule: {r['rule']}); first response due {r['due']}")
        if model.knowledge is not None and "article_id" in decided.columns:
            print(f"      article: {_article_line(model.knowledge, d)}")


def _article_line(kb: Any, scored: pd.Series) -> str:
    """The article the Scorer found for a ticket (from the same embedding as its triage), as one line."""
    if pd.isna(scored["article_id"]):
        return "no good article (a knowledge gap)"
    articles = kb.articles_
    row = articles.loc[articles["id"].astype(str) == str(scored["article_id"])].iloc[0]
    return f"{row['title']} [{row['language']}], score {scored['article_score']:.2f}"


def _route(decided: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame | None:
    try:
        from cxml.routing import Router
        from cxml.sla import SLAPolicy
    except ImportError:
        return None
    frame = sample.drop(columns=[c for c in ("reason", "priority", "team") if c in sample]).join(
        decided[[c for c in decided.columns if c.split("_")[0] in ("reason", "priority", "team")]])
    routed = Router.from_dict(DEMO_ROUTING).route(frame)
    sla = SLAPolicy().evaluate(frame.assign(first_response_at=pd.NaT, resolved_at=pd.NaT),
                               now=frame["created_at"].max())
    out = pd.DataFrame({"queue": routed["queue"], "rule": routed["rule"],
                        "due": sla["first_response_due"].dt.strftime("%a %d.%m. %H:%M")}, index=sample.index)
    return out


def _show_proactive(helper: Any) -> None:
    sessions = [
        {"url": "https://shop.example.fi/checkout/payment?step=3", "error_code": "CARD_DECLINED",
         "error_message": "Payment 88123 failed: card declined (code 05)", "language": "en"},
        {"url": "https://shop.example.fi/fi/kassa/maksu", "error_code": "3ds-failed",
         "error_message": "3D Secure -tunnistautuminen epäonnistui", "language": "fi"},
        {"url": "https://shop.example.fi/account/login", "error_code": "login_locked", "language": "en"},
        {"url": "https://shop.example.fi/product/SKU-4411-B", "language": "en"},
        # a page never seen in history and no error code: the semantic fallback searches the message
        {"url": "https://shop.example.fi/kampanja/joulu", "error_message": "Maksu 4411 epäonnistui: pankki hylkäsi "
         "kortin", "language": "fi"},
    ]
    for s in sessions:
        res = helper.suggest(**s, k=1)
        error = s.get("error_code") or (f"\"{s['error_message']}\"" if s.get("error_message") else "")
        ctx = s["url"].replace("https://shop.example.fi", "") + (f" + {error}" if error else "")
        if res["suggestions"]:
            top = res["suggestions"][0]
            print(f"  {ctx}\n      -> \"{top['title']}\" [{top['language']}] ({top['level']}): {top['why']}")
        else:
            print(f"  {ctx}\n      -> no suggestion")
        print(f"      offer now: {'yes' if res['should_offer'] else 'no'} — {res['reason']}")
