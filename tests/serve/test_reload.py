"""Reload: POST /admin/reload and SIGHUP load, verify and warm a model, then swap atomically; requests in flight
finish on the model they started with; a bad model leaves the old one serving."""

from __future__ import annotations

import shutil
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ._support import Server, wait_for

KEY = "reload-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def _resave(src: Path, dst: Path) -> Path:
    """The same model saved again: a new manifest (creation time), so a new version."""
    import time

    import cxml

    time.sleep(1.1)  # the manifest's creation time has one-second resolution
    return cxml.load(src).save(dst, overwrite=True)  # replacing a served model is explicit


def _version(url: str) -> str:
    return httpx.get(url + "/readyz", timeout=30).json()["model"]["version"]


def test_admin_reload_swaps_atomically(model_dir: Path, tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(model_dir, live)
    other = _resave(model_dir, tmp_path / "other")
    with Server(live, "--queue", str(tmp_path / "q.sqlite"), "--api-keys-env", "K", env={"K": KEY}) as srv:
        old = _version(srv.url)

        def triage(i: int) -> tuple[int, str]:
            r = httpx.post(srv.url + "/v1/triage", headers=AUTH, timeout=60,
                           json={"ticket": {"text": f"where is my order {i}"}})
            return r.status_code, r.json().get("model", "")

        with ThreadPoolExecutor(6) as pool:
            during = [pool.submit(triage, i) for i in range(30)]
            r = httpx.post(srv.url + "/admin/reload", headers=AUTH, json={"model": str(other)}, timeout=120)
            results = [f.result() for f in during]
        assert r.status_code == 200, r.text
        new = r.json()["new"]
        assert r.json()["old"] == old and new != old
        assert {s for s, _ in results} == {200}  # nothing failed while swapping
        assert {v for _, v in results} <= {old, new}
        assert triage(99) == (200, new) and _version(srv.url) == new

        bad = httpx.post(srv.url + "/admin/reload", headers=AUTH, json={"model": str(tmp_path / "nothing")},
                         timeout=60)
        assert bad.status_code == 422 and "still serving model " + new in bad.json()["error"]["message"]
        broken = tmp_path / "broken"
        shutil.copytree(other, broken)
        victim = next(p for p in sorted(broken.rglob("*")) if p.is_file() and p.name != "manifest.json")
        victim.write_bytes(victim.read_bytes() + b"tampered")
        bad = httpx.post(srv.url + "/admin/reload", headers=AUTH, json={"model": str(broken)}, timeout=60)
        assert bad.status_code == 422 and "checksum" in bad.json()["error"]["message"].lower()
        assert triage(100) == (200, new)


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP is POSIX only")
def test_sighup_reloads_the_model_directory(model_dir: Path, tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(model_dir, live)
    with Server(live, "--queue", str(tmp_path / "q.sqlite")) as srv:
        old = _version(srv.url)
        _resave(model_dir, live)  # a new model written into the served directory
        srv.signal(signal.SIGHUP)
        assert wait_for(lambda: _version(srv.url) != old, timeout=120), srv.output()
        assert httpx.post(srv.url + "/v1/triage", json={"ticket": {"text": "refund please"}},
                          timeout=60).json()["model"] == _version(srv.url)
        assert srv.proc.poll() is None  # still running
