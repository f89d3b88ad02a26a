"""The serving model's load: what a cold start imports and what it warms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys, time
from cxml.serve.holder import load_serving_model
import gc
model = load_serving_model(sys.argv[1])
frozen = gc.get_freeze_count()
t0 = time.perf_counter()
from cxml.language import detect_languages
detect_languages(["Korttimaksu hylättiin kassalla, mitä teen?"])
print(json.dumps({"modules": sorted(m for m in ("torch", "dask", "onnx", "transformers", "sentence_transformers")
                                    if m in sys.modules),
                  "first_detection_s": time.perf_counter() - t0, "warm_s": model.warm_s, "frozen": frozen}))
"""


def test_a_served_model_loads_without_torch_or_dask_and_with_a_warm_language_detector(model_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(model_dir)], capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # skops' allow-list walks sklearn's array-API adapters, which import torch and dask: seconds for nothing
    assert got["modules"] == []
    # lingua's models were loaded during the load (seconds when cold), not by the first request
    assert got["first_detection_s"] < 0.5
    # the loaded model is out of the garbage collector's full passes (settle_heap)
    assert got["frozen"] > 10_000


def test_settle_heap_frees_at_its_next_call_the_cycles_dropped_since() -> None:
    import gc
    import weakref

    from cxml.serve.holder import settle_heap

    class Node:
        pass

    try:
        node = Node()
        node.me = node  # a cycle: only the collector frees it
        ref = weakref.ref(node)
        settle_heap()
        assert gc.get_freeze_count() > 0
        del node
        gc.collect()
        assert ref() is not None  # frozen: a full collection skips it
        settle_heap()  # as a reload does: unfreeze, collect, freeze what is alive
        assert ref() is None
    finally:
        gc.unfreeze()


def _held_out_records() -> list[dict]:
    """Web-shop tickets the served model never saw, with the fields a request may or may not carry."""
    import cxml

    tickets = cxml.make_webshop(n_tickets=60, seed=11).tickets
    records = []
    for i, t in enumerate(tickets.itertuples()):
        r = {"subject": t.subject, "body": t.body}
        if i % 3:
            r["language"] = t.language
        if i % 4 == 0:
            r["channel"] = t.channel
        if i % 7 == 0:
            r["error_code"] = "CARD_DECLINED"
        records.append({k: v for k, v in r.items() if isinstance(v, str)})
    return records + [{"subject": "Lasku", "body": "Laskussa on virhe"},
                      {"body": "What is a good recipe for banana bread with walnuts?", "language": "en"},
                      {"subject": "", "body": " "}]


def test_triage_rows_are_each_tickets_own_decisions_whatever_the_batch(model_dir: Path) -> None:
    """A ticket gets the decisions of the library called on it alone, whether it is triaged alone, with requests
    of the same fields or with requests of other fields (micro-batching must not change a prediction)."""
    import pandas as pd
    import pytest

    from cxml.serve.holder import load_serving_model

    served = load_serving_model(model_dir)
    records = _held_out_records()
    alone = [served.triage.predict(pd.DataFrame.from_records([r])).to_dict("records")[0] for r in records]
    one_by_one = [served.triage_rows([r])[0] for r in records]
    together = served.triage_rows(records)
    assert served.triage_rows(records[::-1]) == together[::-1]
    for want, *got in zip(alone, one_by_one, together, strict=True):
        for row in got:
            assert list(row) == list(want)
            for key, value in want.items():
                if key.endswith("_confidence"):
                    assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-12)
                elif key.endswith("_top3"):
                    assert [lbl for lbl, _ in row[key]] == [lbl for lbl, _ in value]
                else:
                    assert row[key] == value, key
