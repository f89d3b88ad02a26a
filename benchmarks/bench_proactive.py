"""Proactive help on the demo data: hit@1 / hit@3 on held-out sessions and latency per call.

    python benchmarks/bench_proactive.py [--train 3000] [--test 1000] [--encoder auto]

Training sessions come from ``make_webshop(seed=0)``, test sessions from ``seed=1`` (a different
seed: new customers, orders and error ids). Baselines measured in the same run: a Zendesk-style
keyword search of the page URL, and semantic search of page title + error message alone.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _results import write_section

from cxml.datasets import make_webshop
from cxml.encoders import resolve_spec
from cxml.io import to_markdown
from cxml.knowledge import KnowledgeBase
from cxml.proactive import ProactiveHelper, evaluate_proactive, normalize_error_code, normalize_url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--encoder", default="auto")
    args = ap.parse_args()
    train = make_webshop(n_tickets=args.train, seed=0)
    test = make_webshop(n_tickets=args.test, seed=1)
    spec = resolve_spec(args.encoder, train.articles["title"].tolist() + train.tickets["body"].tolist()[:500])
    t0 = time.perf_counter()
    kb = KnowledgeBase(encoder=spec).add(train.articles)
    kb_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    helper = ProactiveHelper(kb).fit(train.sessions)
    fit_s = time.perf_counter() - t0
    ev = evaluate_proactive(helper, test.sessions)
    table = ev.table
    print(to_markdown(table))
    print(ev.latency_ms)

    # latency per call: contexts seen in history vs contexts that fall back to semantic search
    rows = test.sessions.to_dict("records")
    seen_ms, fallback_ms = [], []
    for r in rows[:500]:
        t = time.perf_counter()
        res = helper.suggest(url=r["url"], page_title=r["page_title"], error_code=r["error_code"],
                             error_message=r["error_message"], language=r["language"])
        dt = (time.perf_counter() - t) * 1000
        if res["suggestions"] and res["suggestions"][0]["level"] != "semantic":
            seen_ms.append(dt)
    for i, r in enumerate(rows[:200]):  # unseen URLs and codes force the semantic fallback
        t = time.perf_counter()
        helper.suggest(url=f"/never-seen-{i}", error_message=r["error_message"] or r["page_title"],
                       page_title=r["page_title"], language=r["language"])
        fallback_ms.append((time.perf_counter() - t) * 1000)
    lat = {"seen": seen_ms, "semantic fallback": fallback_ms}
    lat_rows = [f"| {k} | {len(v)} | {np.percentile(v, 50):.2f} | {np.percentile(v, 99):.2f} |"
                for k, v in lat.items() if v]
    for line in lat_rows:
        print(line)

    # the best hit@3 any ranking that depends only on (URL template, error code) can reach on these
    # test sessions: per key, the share of sessions whose article group is among the key's 3 commonest
    keyed = test.sessions[test.sessions["article_id"].map(lambda a: isinstance(a, str) and a != "")]
    keys = [(normalize_url(u), normalize_error_code(c)) for u, c in zip(keyed["url"], keyed["error_code"],
                                                                           strict=True)]
    groups = pd.Series([helper._group_of(str(a)) for a in keyed["article_id"]])
    per_key = groups.groupby(pd.Series([str(k) for k in keys])).agg(lambda g: g.value_counts().head(3).sum())
    ceiling = float(per_key.sum() / len(groups))
    print(f"ceiling hit@3 for (URL template, error code) rankings: {ceiling:.3f}")

    ours = table.iloc[0]
    url = table[table["method"].str.startswith("URL")].iloc[0]
    body = [
        f"Train: `make_webshop({args.train}, seed=0)` sessions; test: `make_webshop({args.test}, seed=1)` sessions "
        f"with a resolving article. Encoder `{spec}`; knowledge base built in {kb_s:.1f} s, helper fitted in "
        f"{fit_s:.2f} s.", "", to_markdown(table), "",
        "| latency per call | calls | p50 ms | p99 ms |", "|---|---|---|---|", *lat_rows, "",
        f"Targets: hit@3 >= 0.90 — **{'met' if ours['hit@3'] >= 0.9 else 'missed'}** ({ours['hit@3']:.3f}); "
        f"at least 20 points above the URL keyword baseline — **"
        f"{'met' if ours['hit@3'] - url['hit@3'] >= 0.2 else 'missed'}** (+{100 * (ours['hit@3'] - url['hit@3']):.1f} "
        "points); p99 <= 5 ms seen / <= 25 ms fallback — see the latency table.", "",
        f"**Ceiling of the data**: a ranking that depends only on the URL template and the error code can reach at "
        f"most hit@3 = {ceiling:.3f} on these test sessions (per (template, code) key, the share of sessions whose "
        "article is among the key's three commonest, counted on the test sessions themselves, i.e. an oracle). "
        "The demo generator gives each topic several pages and articles, sends 10 % of sessions to the home or "
        "help page, and resolves 8 % with an article of another topic, so most sessions without an error are "
        "ambiguous by construction. The page title, error message and events of a demo session are drawn from its "
        "page and error code and carry no further hint of the topic, so 0.90 is out of reach on this data for "
        "any method.",
    ]
    write_section("proactive", "## Proactive help\n\n" + "\n".join(body))


if __name__ == "__main__":
    main()
