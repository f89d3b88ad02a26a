"""``cxml serve`` options: refusals with advice, vendor settings, the dead-letter listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxml.cli.main import build_parser, main
from cxml.cli.serve import vendor_configs


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for option in ("--model", "--host", "--port", "--queue", "--api-keys-file", "--api-keys-env", "--cors-origin",
                   "--demo", "--dead-letters", "--webhook-secret-env", "--secrets-file", "--writeback", "--gil-switch-ms",
                   "--batch-workers"):
        assert option in out


def test_refuses_a_public_address_without_keys(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", str(model_dir), "--host", "0.0.0.0"]) == 1
    assert "without API keys" in capsys.readouterr().err


def test_refuses_a_gil_switch_interval_that_is_not_positive(model_dir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", str(model_dir), "--gil-switch-ms", "0"]) == 1
    assert "--gil-switch-ms must be a positive number of milliseconds, got 0.0" in capsys.readouterr().err


def test_refuses_fewer_than_one_batch_worker(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", str(model_dir), "--batch-workers", "0"]) == 1
    assert "--batch-workers must be at least 1, got 0" in capsys.readouterr().err


def test_missing_model_and_keys(tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["serve", "--model", str(tmp_path / "none")]) == 1
    assert "not a model directory" in capsys.readouterr().err
    monkeypatch.delenv("NO_SUCH_KEYS", raising=False)
    assert main(["serve", "--model", str(model_dir), "--api-keys-env", "NO_SUCH_KEYS"]) == 1
    assert "NO_SUCH_KEYS" in capsys.readouterr().err
    assert main(["serve", "--model", str(model_dir), "--api-keys-file", str(tmp_path / "keys.txt")]) == 1
    assert "keys.txt" in capsys.readouterr().err
    assert main(["serve", "--model", str(model_dir), "--queue", str(tmp_path / "q.sqlite"), "--dead-letters"]) == 1
    assert "no queue at" in capsys.readouterr().err


def test_vendor_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"zendesk": {"webhook_secret": "a", "base_url": "https://x.zendesk.com",
                                               "token": "t", "email": "me@example.fi"},
                                   "freshdesk": {"webhook_secret": "b"}}))
    monkeypatch.setenv("FD_SECRET", "from-env")
    args = build_parser().parse_args(["serve", "--model", "m", "--secrets-file", str(secrets),
                                      "--webhook-secret-env", "freshdesk=FD_SECRET"])
    cfg = vendor_configs(args)
    assert cfg["zendesk"].base_url == "https://x.zendesk.com" and cfg["freshdesk"].secret == "from-env"
    assert "from-env" not in repr(cfg) and "'t'" not in repr(cfg)  # secrets stay out of reprs and logs
    secrets.write_text(json.dumps({"zendesk": {"secret": "a"}}))
    with pytest.raises(ValueError, match="unknown keys"):
        vendor_configs(args)
    bad = build_parser().parse_args(["serve", "--model", "m", "--webhook-secret-env", "zendesk"])
    with pytest.raises(ValueError, match="VENDOR=VALUE"):
        vendor_configs(bad)


def test_writeback_needs_url_and_token(model_dir: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZD", "s")
    assert main(["serve", "--model", str(model_dir), "--webhook-secret-env", "zendesk=ZD", "--writeback"]) == 1
    assert "--writeback-url" in capsys.readouterr().err
