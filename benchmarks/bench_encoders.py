"""Throughput of each encoder preset on the same ticket texts (cold: cache disabled).

    python benchmarks/bench_encoders.py [--n 400] [--n-e5 200]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _results import write_section

from cxml import encoders
from cxml.datasets import make_webshop
from cxml.encoders import EmbeddingCache


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="texts for the fast encoders")
    ap.add_argument("--n-e5", type=int, default=200, help="texts for e5-small (slow on 2 cores)")
    args = ap.parse_args()
    tickets = make_webshop(n_tickets=max(args.n, args.n_e5), seed=123).tickets
    texts = (tickets["subject"].fillna("") + "\n" + tickets["body"].fillna("")).tolist()
    words = np.mean([len(t.split()) for t in texts])
    rows = []
    for spec, n in (("hash", args.n), ("tfidf", args.n), ("minilm", args.n), ("e5-small", args.n_e5)):
        t0 = time.perf_counter()
        enc = encoders.load(spec)
        load_s = time.perf_counter() - t0
        batch = texts[:n]
        if spec == "tfidf":
            enc.fit(batch)
        else:
            enc.cache = EmbeddingCache(max_items=0)  # measure the model, not the cache
            enc.encode(batch[:8])  # warm-up
        t0 = time.perf_counter()
        out = enc.encode(batch)
        dt = time.perf_counter() - t0
        rows.append((spec, enc.name, enc.dim, n, load_s, n / dt, 1000 * dt / n))
        print(f"{spec:9s} {n:5d} texts  {n / dt:8.1f} texts/s  {1000 * dt / n:7.2f} ms/text  "
              f"load {load_s:.2f} s  shape {out.shape}")
    load = os.getloadavg()
    body = [f"Ticket texts from `make_webshop(seed=123)` (subject + body, mean {words:.0f} words), "
            "one process, embedding cache disabled, after an 8-text warm-up. Load average during the run: "
            f"{load[0]:.1f} / {load[1]:.1f} (1 / 5 min) on 2 cores: above ~1, other processes were "
            "competing and the figures are lower bounds.", "",
            "| spec | model | dim | texts | load (s) | texts/s | ms/text |", "|---|---|---|---|---|---|---|"]
    body += [f"| `{s}` | {name} | {d} | {n} | {ls:.2f} | {tps:.1f} | {ms:.2f} |"
             for s, name, d, n, ls, tps, ms in rows]
    write_section("encoders", "## Encoder throughput\n\n" + "\n".join(body))


if __name__ == "__main__":
    main()
