"""The serving model's load: what a cold start imports and what it warms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys, time
from cxml.serve.holder import load_serving_model
model = load_serving_model(sys.argv[1])
t0 = time.perf_counter()
from cxml.language import detect_languages
detect_languages(["Korttimaksu hylättiin kassalla, mitä teen?"])
print(json.dumps({"modules": sorted(m for m in ("torch", "dask", "onnx", "transformers", "sentence_transformers")
                                    if m in sys.modules),
                  "first_detection_s": time.perf_counter() - t0, "warm_s": model.warm_s}))
"""


def test_a_served_model_loads_without_torch_or_dask_and_with_a_warm_language_detector(model_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(model_dir)], capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # skops' allow-list walks sklearn's array-API adapters, which import torch and dask: seconds for nothing
    assert got["modules"] == []
    # lingua's models were loaded during the load (seconds when cold), not by the first request
    assert got["first_detection_s"] < 0.5
