"""Web Push: Attune's VAPID key pair, and one encrypted message to one browser.

The private key comes from ``VAPID_PRIVATE_KEY`` (PEM); in development one is made on first
use and kept in ``instance/vapid_private.pem`` (never committed). Payloads are encrypted for
the subscription (aes128gcm, RFC 8291) and signed with VAPID (RFC 8292) by pywebpush.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from app.config import INSTANCE_DIR

TIMEOUT = 10
TTL = 12 * 60 * 60  # a phone that is off for half a day still gets it; later it is stale
GONE = {404, 410}


class PushGone(Exception):
    """The push service says this subscription no longer exists: forget it."""


class PushFailed(Exception):
    """The push could not be delivered now; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Keys:
    """The VAPID key pair: the signer, and the public key browsers subscribe with."""

    vapid: Vapid02
    public: str  # base64url, uncompressed P-256 point (applicationServerKey)


@cache
def keys_from_pem(pem: str) -> Keys:
    vapid = Vapid02.from_pem(pem.encode("ascii"))
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return Keys(vapid=vapid, public=base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"))


def new_private_pem() -> str:
    """A fresh VAPID private key as PEM (for ``VAPID_PRIVATE_KEY``)."""
    vapid = Vapid02()
    vapid.generate_keys()
    return vapid.private_pem().decode("ascii")


def _dev_pem() -> str:
    path = Path(current_app.config.get("VAPID_KEY_FILE") or INSTANCE_DIR / "vapid_private.pem")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(new_private_pem())
        tmp.chmod(0o600)
        tmp.rename(path)
    return path.read_text()


def keys() -> Keys | None:
    """The key pair, or None when push is not set up (production without a key)."""
    pem = current_app.config.get("VAPID_PRIVATE_KEY") or ""
    if not pem:
        if current_app.config.get("ENV_NAME") == "production":
            return None
        pem = _dev_pem()
    return keys_from_pem(pem.replace("\\n", "\n"))


def public_key() -> str | None:
    """The public key the browser subscribes with."""
    pair = keys()
    return pair.public if pair else None


def send(*, endpoint: str, p256dh: str, auth: str, payload: dict[str, Any], topic: str) -> None:
    """Encrypt ``payload`` for one subscription and hand it to its push service.

    Raises PushGone (404/410: forget the subscription) or PushFailed.
    """
    pair = keys()
    if pair is None:
        raise PushFailed("push is not set up (no VAPID_PRIVATE_KEY)", permanent=True)
    subject = current_app.config.get("VAPID_SUBJECT") or "mailto:no-reply@localhost"
    try:
        webpush({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                data=json.dumps(payload, separators=(",", ":")),
                vapid_private_key=pair.vapid, vapid_claims={"sub": subject},
                content_encoding="aes128gcm", ttl=TTL, timeout=TIMEOUT,
                # A resend of the same notice replaces one still waiting at the push service.
                headers={"Topic": topic, "Urgency": "normal"})
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            raise PushGone(f"{status}") from None
        permanent = status is not None and 400 <= status < 500 and status != 429
        raise PushFailed(f"push service answered {status}" if status else str(exc)[:150],
                         permanent=permanent) from None
    except OSError as exc:  # requests' connection errors are OSErrors
        raise PushFailed(f"{type(exc).__name__}: {str(exc)[:120]}") from None
