"""Webhook signature checks shared by the vendor modules: HMAC in constant time and a replay window.

Every comparison goes through :func:`hmac.compare_digest`. Failures raise :class:`cxml.exceptions.SignatureError`
naming the vendor and the header; the secret and the expected signature never appear in a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from cxml.exceptions import SignatureError

__all__ = ["check_hub_signature", "check_window", "header", "hmac_digest", "require_header", "same"]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, looked up case-insensitively (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def require_header(vendor: str, headers: Mapping[str, str], name: str) -> str:
    """A header that must be there when a secret is configured."""
    value = header(headers, name)
    if value is None or not value.strip():
        raise SignatureError(
            f"{vendor} webhook: header {name!r} is missing, so the request cannot be verified. Check that the "
            f"webhook is configured with a signing secret in {vendor}, or call parse_webhook with secret=None "
            "only for trusted, local testing."
        )
    return value.strip()


def hmac_digest(secret: str | bytes, message: bytes, algorithm: str = "sha256", encoding: str = "hex") -> str:
    """HMAC of ``message`` as ``hex`` or ``base64`` text."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, message, getattr(hashlib, algorithm)).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two signature strings."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_window(vendor: str, sent_at: float, *, now: float | None, tolerance_s: float, what: str) -> None:
    """Refuse a request whose signed time is outside ``now ± tolerance_s`` (a replay, or a clock far off)."""
    current = time.time() if now is None else float(now)
    age = current - sent_at
    if abs(age) > tolerance_s:
        direction = "old" if age > 0 else "in the future"
        raise SignatureError(
            f"{vendor} webhook: {what} is {abs(age):.0f} s {direction}, outside the replay window of "
            f"{tolerance_s:.0f} s; the request is refused as a possible replay. If clocks are off, sync them (NTP) "
            "or widen tolerance_s."
        )


def check_hub_signature(vendor: str, body: bytes, headers: Mapping[str, str], secret: str, secret_name: str) -> None:
    """``X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`` (Intercom, Zammad); raise SignatureError."""
    signature = require_header(vendor, headers, "X-Hub-Signature")
    if not same("sha1=" + hmac_digest(secret, body, "sha1"), signature):
        raise SignatureError(f"{vendor} webhook: X-Hub-Signature does not match the body under the configured "
                             f"{secret_name} (wrong {secret_name}, or the body was changed).")
