"""The notebooks: stored without outputs, and each runs top to bottom (small data, "hash" encoder).

They run in a fresh kernel of *this* interpreter (a kernel spec written to a temp dir, so
neither the user's kernels nor ``ipykernel install`` are involved), with the working
directory and every file they write in ``tmp_path``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.name for p in PATHS}
    assert {"01_quickstart.ipynb", "02_retrain_from_export.ipynb", "03_reason_discovery.ipynb"} <= names


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs"):
            dirty.append(f"cell {i}: outputs")
        if cell.get("execution_count") is not None:
            dirty.append(f"cell {i}: execution_count {cell['execution_count']}")
        if "execution" in cell.get("metadata", {}):
            dirty.append(f"cell {i}: execution timings in metadata")
    assert not dirty, (f"{path.name} is stored with outputs ({', '.join(dirty[:5])}); clear them before "
                       "committing: jupyter nbconvert --clear-output --inplace notebooks/*.ipynb")
    assert "widgets" not in nb.get("metadata", {})


@pytest.fixture
def kernel(tmp_path, monkeypatch) -> str:
    """A kernel spec that starts this interpreter (whatever venv it is in); returns its name."""
    pytest.importorskip("nbclient", reason="running notebooks needs nbclient (the dev extra)")
    pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel (the dev extra)")
    spec_dir = tmp_path / "jupyter" / "kernels" / "cxml-test"
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "cxml test kernel", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no deprecation warning from jupyter_core
    return "cxml-test"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path, kernel, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    work = tmp_path / "work"
    work.mkdir()
    # small and fast; the kernel inherits this environment
    monkeypatch.setenv("CXML_NB_ENCODER", "hash")
    monkeypatch.setenv("CXML_NB_TICKETS", "400")
    monkeypatch.setenv("CXML_NB_OUT", str(work / "models"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # small matrices: one thread is fastest on a busy machine
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=600, resources={"metadata": {"path": str(work)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                     if o.output_type == "stream")
    assert "encoder='hash', tickets=400" in text
    assert not any(p.is_relative_to(NOTEBOOKS) for p in work.rglob("*"))
    written = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    if path.stem.startswith("01"):
        assert "models/quickstart/manifest.json" in written
    if path.stem.startswith("02"):
        assert "models/serving/triage/manifest.json" in written and "models/exports/tickets.csv" in written
        assert "promoted:" in text or "kept the serving model" in text
        assert "ValidationError:" in text and "Categroy" in text
    if path.stem.startswith("03"):
        assert "is not explained by the labels" in text
