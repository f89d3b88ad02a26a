"""API keys: bearer tokens read from a file or an environment variable, compared in constant time."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ApiKeys", "load_api_keys"]


class ApiKeys:
    """A set of accepted bearer tokens.

    Every key is compared with :func:`hmac.compare_digest`, all of them on every check, so the time taken says
    nothing about which key or how much of one matched. Keys are never logged.

    Parameters
    ----------
    keys : iterable of str
        The accepted tokens (empty strings are ignored). No keys: authentication is off (loopback demos only;
        ``cxml serve`` refuses a non-loopback host without keys).
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys = [k.encode("utf-8") for k in (str(k).strip() for k in keys) if k]

    @property
    def enabled(self) -> bool:
        """Whether any key is configured."""
        return bool(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def check(self, authorization: str | None) -> bool:
        """Whether an ``Authorization: Bearer <key>`` header value carries an accepted key."""
        if not self._keys:
            return True
        scheme, _, token = (authorization or "").partition(" ")
        given = token.strip().encode("utf-8") if scheme.lower() == "bearer" else b""
        ok = False
        for key in self._keys:
            ok |= hmac.compare_digest(given, key)
        return ok and bool(given)


def load_api_keys(file: str | Path | None = None, env: str | None = None) -> ApiKeys:
    """Keys from a file (one per line; blank lines and ``#`` comments ignored) and/or an environment variable
    (comma-separated).

    Raises
    ------
    FileNotFoundError
        When ``file`` does not exist.
    ValueError
        When ``env`` names a variable that is not set, or a source gives no key.
    """
    keys: list[str] = []
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise FileNotFoundError(f"API key file {path} does not exist; write one key per line there")
        found = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.strip().startswith("#")]
        if not found:
            raise ValueError(f"API key file {path} holds no key; write one key per line")
        keys += found
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise ValueError(f"environment variable {env} (--api-keys-env) is not set; set it to one or more "
                             "comma-separated keys")
        found = [k.strip() for k in value.split(",") if k.strip()]
        if not found:
            raise ValueError(f"environment variable {env} holds no key")
        keys += found
    return ApiKeys(keys)
