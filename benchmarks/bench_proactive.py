"""Proactive help on the demo data: hit@1 / hit@3 on held-out sessions and latency per call.

    python benchmarks/bench_proactive.py [--train 3000] [--test 1000] [--encoder auto] [--curve 3000,10000]

Training sessions come from ``make_webshop(seed=0)``, test sessions from ``seed=1`` (a different
seed: new customers, orders and error ids). Baselines measured in the same run: a Zendesk-style
keyword search of the page URL, and semantic search of page title + error message alone.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from _results import write_section

from cxml.datasets import make_webshop
from cxml.encoders import resolve_spec
from cxml.io import to_markdown
from cxml.knowledge import KnowledgeBase
from cxml.proactive import ProactiveHelper, evaluate_proactive, normalize_error_code, normalize_url


def _keys(helper: ProactiveHelper, sessions: pd.DataFrame) -> tuple[list[tuple[str, str]], list[str]]:
    """(URL template, error code) and article group of the sessions that name a resolving article."""
    keyed = sessions[sessions["article_id"].map(lambda a: isinstance(a, str) and a != "")]
    keys = [(normalize_url(u), normalize_error_code(c)) for u, c in zip(keyed["url"], keyed["error_code"],
                                                                       strict=True)]
    return keys, [helper._group_of(str(a)) for a in keyed["article_id"]]


def _count_ranking_hit3(helper: ProactiveHelper, train: pd.DataFrame, test: pd.DataFrame) -> float:
    """hit@3 of the plain count rule: the 3 commonest articles of the (template, code) key in ``train``,
    backing off to the code, the template and the overall mix when the key has no case."""
    by: dict[str, dict[object, Counter[str]]] = {lvl: defaultdict(Counter) for lvl in ("key", "code", "url")}
    overall: Counter[str] = Counter()
    for (u, c), g in zip(*_keys(helper, train), strict=True):
        by["key"][(u, c)][g] += 1
        by["code"][c][g] += 1
        by["url"][u][g] += 1
        overall[g] += 1
    hits = 0
    keys, groups = _keys(helper, test)
    for (u, c), g in zip(keys, groups, strict=True):
        counts = by["key"].get((u, c)) or (by["code"].get(c) if c else None) or by["url"].get(u) or overall
        hits += g in [x for x, _ in counts.most_common(3)]
    return hits / len(groups)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--encoder", default="auto")
    ap.add_argument("--curve", default="3000,10000,30000,60000",
                    help="training-history sizes (sessions) for the learning curve")
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
    t0 = time.perf_counter()
    ev = evaluate_proactive(helper, test.sessions, history=train.sessions)
    eval_s = time.perf_counter() - t0
    table = ev.table
    print(to_markdown(table))
    print(ev.latency_ms)

    # latency per call: contexts seen in history vs contexts that fall back to semantic search
    rows = test.sessions.to_dict("records")
    seen_ms, fallback_ms, first_ms = [], [], []
    for r in rows[:500]:
        t = time.perf_counter()
        res = helper.suggest(url=r["url"], page_title=r["page_title"], error_code=r["error_code"],
                             error_message=r["error_message"], language=r["language"])
        dt = (time.perf_counter() - t) * 1000
        if res["suggestions"] and res["suggestions"][0]["level"] != "semantic":
            seen_ms.append(dt)
    # a never-seen site section (no learned level applies) with the session's page title and error
    # message: the semantic fallback. The encoder's query cache starts empty, so a text's first call
    # pays for encoding; repeats of a text (common: masked messages and titles recur) hit the cache.
    cache = getattr(kb.encoder_, "cache", None)
    load_before = os.getloadavg()[0]
    for _ in range(3):  # three passes from an empty cache: p99 of first calls over ~190 samples, not ~60
        if cache is not None:
            cache.clear()
        for i, r in enumerate(rows[:300]):
            misses = cache.misses if cache is not None else 0
            t = time.perf_counter()
            res = helper.suggest(url=f"/new-section-{i}/page", page_title=r["page_title"],
                                 error_message=r["error_message"], language=r["language"])
            dt = (time.perf_counter() - t) * 1000
            assert all(s["level"] == "semantic" for s in res["suggestions"]), res
            fallback_ms.append(dt)
            if cache is None or cache.misses > misses:
                first_ms.append(dt)
    load_after = os.getloadavg()[0]
    lat = {"seen context": seen_ms, "semantic fallback, all calls": fallback_ms,
           "semantic fallback, first call of a text (encoded)": first_ms}
    lat_rows = [f"| {k} | {len(v)} | {np.percentile(v, 50):.2f} | {np.percentile(v, 99):.2f} |"
                for k, v in lat.items() if v]
    for line in lat_rows:
        print(line)

    # the ceiling of the data, two ways. (1) an oracle: per (template, code) key, the share of test
    # sessions whose article is among the key's 3 commonest *in the test sessions themselves*: an upper
    # bound that overfits keys with one or two sessions. (2) the plain count rule estimated from a large,
    # independent history (seed 7): close to the best any (template, code) ranking can do.
    keys, groups = _keys(helper, test.sessions)
    per_key = pd.Series(groups).groupby(pd.Series([str(k) for k in keys])).agg(
        lambda g: g.value_counts().head(3).sum())
    oracle = float(per_key.sum() / len(groups))
    big = make_webshop(n_tickets=200, seed=7, n_sessions=100_000).sessions
    bayes = _count_ranking_hit3(helper, big, test.sessions)
    print(f"ceiling hit@3: oracle {oracle:.3f}, count rule on 100k independent sessions {bayes:.3f}")

    # learning curve: the same helper fitted on more history (seed 0 sessions)
    curve_rows = []
    for n in [int(x) for x in args.curve.split(",") if x.strip()]:
        hist = make_webshop(n_tickets=200, seed=0, n_sessions=n).sessions
        t = time.perf_counter()
        h = ProactiveHelper(kb).fit(hist)
        fs = time.perf_counter() - t
        e = evaluate_proactive(h, test.sessions, baselines=False).table.iloc[0]
        curve_rows.append(f"| {n:,} | {int(h.n_cases_):,} | {fs:.2f} | {e['hit@1']:.3f} | {e['hit@3']:.3f} | "
                          f"{_count_ranking_hit3(helper, hist, test.sessions):.3f} |")
        print(curve_rows[-1])

    ours = table.iloc[0]
    url = table[table["method"].str.startswith("URL")].iloc[0]
    held = table[table["method"].str.contains("held out")].iloc[0]
    sem = table[table["method"] == "semantic search only (baseline)"].iloc[0]
    alone = table[table["method"] == "cxml semantic fallback alone"].iloc[0]
    fb99 = float(np.percentile(fallback_ms, 99))
    first99 = float(np.percentile(first_ms, 99)) if first_ms else float("nan")
    body = [
        f"Train: `make_webshop({args.train}, seed=0)` sessions; test: `make_webshop({args.test}, seed=1)` sessions "
        f"with a resolving article. Encoder `{spec}`; knowledge base built in {kb_s:.1f} s, helper fitted in "
        f"{fit_s:.2f} s, evaluation (all rows) {eval_s:.1f} s.", "", to_markdown(table), "",
        "Rows: *exact context held out of training* scores every test session with a helper refitted without "
        "any history of its exact context (error code on URL template, or the template; 5 folds of contexts), "
        "so it measures the back-off chain on all sessions rather than the few new ones. *cxml semantic "
        "fallback alone* ranks every session with the last level of the chain only (query: error code and "
        "message, or the page title without the site name; masked ids dropped); *semantic search only* is the "
        "baseline query (page title + code + message).", "",
        "| latency per call | calls | p50 ms | p99 ms |", "|---|---|---|---|", *lat_rows, "",
        "The fallback calls use a never-seen site section (`/new-section-<i>/page`, so no learned level "
        "applies) with each test session's page title and error message, three passes over 300 sessions, each "
        f"from an empty query cache. Load average {load_before:.1f} before and {load_after:.1f} after the latency "
        f"runs on {os.cpu_count()} cores (the benchmark's own encoder threads included). Encoding a new text "
        "costs about 1.1 ms per token with e5-small on these cores; the fallback query is at most ~20 tokens, "
        "so the tail is that plus scheduling jitter.", "",
        f"Targets: hit@3 >= 0.90 — **{'met' if ours['hit@3'] >= 0.9 else 'missed'}** ({ours['hit@3']:.3f}; "
        f"{held['hit@3']:.3f} with every exact context held out); "
        f"at least 20 points above the URL keyword baseline — **"
        f"{'met' if ours['hit@3'] - url['hit@3'] >= 0.2 else 'missed'}** (+{100 * (ours['hit@3'] - url['hit@3']):.1f} "
        f"points); p99 <= 5 ms when the context was seen — **{'met' if np.percentile(seen_ms, 99) <= 5 else 'missed'}** "
        f"({np.percentile(seen_ms, 99):.2f} ms); p99 <= 25 ms on the semantic fallback — **"
        f"{'met' if max(fb99, first99) <= 25 else 'missed' if min(fb99, first99) > 25 else 'partly met'}** "
        f"({fb99:.1f} ms over all fallback calls, repeats of a text included; {first99:.1f} ms over first calls "
        "of a text, which pay for encoding).", "",
        f"Semantic fallback quality: hit@3 {alone['hit@3']:.3f} with cxml's fallback query against "
        f"{sem['hit@3']:.3f} for the semantic-only baseline query.", "",
        "**Ceiling of the data.** The demo generator gives each topic several pages and articles, sends 10 % of "
        "sessions to the home or help page, and resolves 8 % with an article of another topic; a session's page "
        "title, error message and events are drawn from its page and error code and carry no further hint of "
        "its topic. So the best possible ranking depends only on (URL template, error code):", "",
        f"- the plain count rule (3 commonest articles of the key, backing off to code, template, overall) "
        f"estimated from 100,000 independent sessions (seed 7) reaches hit@3 = **{bayes:.3f}** on the test "
        "sessions: close to the Bayes limit of this data;",
        f"- an oracle counting on the test sessions themselves reaches {oracle:.3f}, an upper bound that "
        "overfits the many keys with one or two test sessions.", "",
        "So 0.90 is out of reach on this data for any method. Learning curve (test sessions as above; the count "
        "rule is fitted on the same history):", "",
        "| history sessions | resolved cases | fit s | cxml hit@1 | cxml hit@3 | count rule hit@3 |",
        "|---|---|---|---|---|---|", *curve_rows,
    ]
    write_section("proactive", "## Proactive help\n\n" + "\n".join(body))


if __name__ == "__main__":
    main()
