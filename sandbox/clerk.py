"""Clerk's side: the RS256 signing key and its JWKS, session tokens, Svix-signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from svix.webhooks import Webhook

from sandbox.state import new_id

KEY_FILE = "clerk_signing_key.pem"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class ClerkKeys:
    """One RSA key, kept under the data dir when there is one, so tokens survive restarts."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key
        numbers = private_key.public_key().public_numbers()
        self._jwk = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        # Derived from the key itself, so a reloaded key keeps its kid.
        digest = hashlib.sha256(self._jwk["n"].encode()).digest()
        self.kid = "ins_" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:27]

    @classmethod
    def load_or_create(cls, data_dir: Path | None) -> ClerkKeys:
        path = data_dir / KEY_FILE if data_dir else None
        if path is not None and path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key")
            return cls(loaded)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            path.chmod(0o600)
        return cls(key)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self._jwk, "use": "sig", "alg": "RS256", "kid": self.kid}]}

    def public_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def mint(
        self,
        *,
        issuer: str,
        sub: str,
        azp: str | None,
        role: str | None = None,
        ttl_seconds: int = 3600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A session token shaped like Clerk's (v2 session JWT), signed RS256 with our kid."""
        issued = int(time.time())
        payload: dict[str, Any] = {
            "iss": issuer,
            "sub": sub,
            "sid": new_id("sess"),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
        }
        if azp:
            payload["azp"] = azp
        if role is not None:
            payload["role"] = role
        payload.update(claims or {})
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": self.kid})


def svix_request(secret: str, event_type: str, data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A Clerk webhook body and its Svix headers (`svix-id`, `svix-timestamp`, `svix-signature`)."""
    body = json.dumps(
        {
            "data": data,
            "object": "event",
            "timestamp": int(time.time() * 1000),  # Clerk sends milliseconds
            "type": event_type,
        }
    )
    msg_id = new_id("msg")
    sent_at = datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, sent_at, body)
    headers = {
        "svix-id": msg_id,
        "svix-timestamp": str(int(sent_at.timestamp())),
        "svix-signature": signature,
    }
    return body, headers
