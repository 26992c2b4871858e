"""A Web Push service stand-in on loopback, written from the RFCs, independent of the sender.

It accepts push messages over HTTP as a real push service does (RFC 8030), checks the VAPID
signature (RFC 8292: an ES256 JWT whose ``aud`` is this origin, signed by the key in ``k``),
and decrypts the aes128gcm payload (RFC 8188 / RFC 8291) with the subscription's private key.
Tests read what arrived, or make an endpoint answer 410 Gone.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64u_decode(value: str) -> bytes:
    """base64url without padding, as Web Push writes it."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64u(value: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


@dataclass
class Subscriber:
    """A browser's side of a subscription: its key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        """The JSON a browser's PushSubscription.toJSON() gives."""
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64u(_point(self.private_key.public_key())),
                         "auth": b64u(self.auth_secret)}}

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 §3.4 and RFC 8188 §2: one aes128gcm record."""
        salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        as_public_raw = body[21:21 + idlen]
        ciphertext = body[21 + idlen:]
        assert idlen == 65 and len(ciphertext) <= rs, "not a single aes128gcm record"
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public_raw)
        ecdh_secret = self.private_key.exchange(ec.ECDH(), as_public)
        ua_public = _point(self.private_key.public_key())
        key_info = b"WebPush: info\x00" + ua_public + as_public_raw
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth_secret, info=key_info).derive(ecdh_secret)
        cek = HKDF(hashes.SHA256(), 16, salt=salt,
                   info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
        nonce = HKDF(hashes.SHA256(), 12, salt=salt,
                     info=b"Content-Encoding: nonce\x00").derive(ikm)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        unpadded = padded.rstrip(b"\x00")
        assert unpadded.endswith(b"\x02"), "last record must end with the 0x02 delimiter"
        return unpadded[:-1]


@dataclass
class Received:
    """One push message as the service took it."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    vapid_key: str
    claims: dict[str, Any]


def verify_vapid(header: str, origin: str) -> tuple[str, dict[str, Any]]:
    """Check ``Authorization: vapid t=<jwt>, k=<key>``; returns the key and the claims."""
    scheme, _, params = header.partition(" ")
    assert scheme.lower() == "vapid", f"not a VAPID authorization: {header[:20]}"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    head_b64, claims_b64, sig_b64 = token.split(".")
    head = json.loads(b64u_decode(head_b64))
    assert head == {"typ": "JWT", "alg": "ES256"}, head
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64u_decode(key))
    sig = b64u_decode(sig_b64)
    assert len(sig) == 64, "ES256 signatures are r || s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    public.verify(der, f"{head_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64u_decode(claims_b64))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert str(claims["sub"]).startswith(("mailto:", "https:")), claims
    return key, claims


class PushService:
    """The stand-in: ``endpoint(name)`` makes a subscription URL; ``gone`` answers 410."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self.gone: set[str] = set()
        self.busy: set[str] = set()  # endpoints answering 503 (try again later)
        self.delay = delay
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.path in service.gone or self.path in service.busy:
                    self.send_response(410 if self.path in service.gone else 503)
                    self.end_headers()
                    return
                try:
                    assert self.headers.get("Content-Encoding") == "aes128gcm"
                    assert int(self.headers.get("TTL", "-1")) >= 0
                    key, claims = verify_vapid(self.headers.get("Authorization", ""),
                                               service.origin)
                except Exception as exc:  # noqa: BLE001  (any failed check is a 403)
                    with service.lock:
                        service.rejected.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(403)
                    self.end_headers()
                    return
                if service.delay:
                    time.sleep(service.delay)
                with service.lock:
                    service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                     body, key, claims))
                self.send_response(201)
                self.send_header("Location", f"{self.path}/m/{len(service.received)}")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def endpoint(self, name: str) -> str:
        """A subscription endpoint on this service."""
        return f"{self.origin}/push/{name}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, (
            f"{len(self.received)} of {count} push messages arrived; rejected: {self.rejected}")
        return list(self.received)
