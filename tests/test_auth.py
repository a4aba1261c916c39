"""Clerk session tokens are verified exactly as API.md says; every bad token is a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import Stack, assert_error


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_parts(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


@pytest.fixture
def trusted_kid(stack: Stack) -> str:
    jwks = jwt.PyJWKClient(stack.env["CLERK_JWKS_URL"]).get_jwk_set()
    return str(jwks.keys[0].key_id)


@pytest.fixture
def claims(stack: Stack) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": f"user_{uuid.uuid4().hex[:8]}",
        "iss": stack.env["CLERK_ISSUER"],
        "azp": stack.env["CLERK_AUTHORIZED_PARTIES"],
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }


async def me(api: httpx.AsyncClient, authorization: str | None) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await api.get("/v1/users/me", headers=headers)


async def test_a_valid_token_is_accepted(api: httpx.AsyncClient, token: Callable[..., str]) -> None:
    response = await me(api, f"Bearer {token('user_valid')}")
    # Authenticated, so the answer is about the profile, not the token.
    assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt", "Bearer garbage"],
    ids=["no-header", "empty", "not-bearer", "no-token", "malformed", "garbage"],
)
async def test_missing_or_malformed_headers(
    api: httpx.AsyncClient, authorization: str | None
) -> None:
    assert_error(await me(api, authorization), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    "override",
    [
        {"exp": int(time.time()) - 60},
        {"nbf": int(time.time()) + 120},
        {"iss": "https://evil.clerk.example"},
        {"azp": "https://evil.example"},
    ],
    ids=["expired", "not-yet-valid", "wrong-issuer", "azp-not-allowed"],
)
async def test_trusted_signature_with_bad_claims(
    api: httpx.AsyncClient, token: Callable[..., str], override: dict[str, Any]
) -> None:
    bad = token(f"user_{uuid.uuid4().hex[:8]}", **override)
    assert_error(await me(api, f"Bearer {bad}"), 401, "UNAUTHORIZED")


async def test_leeway_of_five_seconds(api: httpx.AsyncClient, token: Callable[..., str]) -> None:
    just_expired = token("user_leeway", exp=int(time.time()) - 2)
    assert (await me(api, f"Bearer {just_expired}")).status_code == 404


async def test_alg_none(api: httpx.AsyncClient, claims: dict[str, Any], trusted_kid: str) -> None:
    forged = unsigned_parts({"alg": "none", "typ": "JWT", "kid": trusted_kid}, claims) + "."
    assert_error(await me(api, f"Bearer {forged}"), 401, "UNAUTHORIZED")


async def test_hs256_signed_with_the_public_key(
    api: httpx.AsyncClient, stack: Stack, claims: dict[str, Any], trusted_kid: str
) -> None:
    public_key = jwt.PyJWKClient(stack.env["CLERK_JWKS_URL"]).get_signing_key(trusted_kid).key
    secret = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = unsigned_parts({"alg": "HS256", "typ": "JWT", "kid": trusted_kid}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{b64(signature)}"
    assert_error(await me(api, f"Bearer {forged}"), 401, "UNAUTHORIZED")


def _own_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def test_unknown_kid(api: httpx.AsyncClient, claims: dict[str, Any]) -> None:
    forged = jwt.encode(claims, _own_key(), algorithm="RS256", headers={"kid": "kid_unknown"})
    assert_error(await me(api, f"Bearer {forged}"), 401, "UNAUTHORIZED")


async def test_valid_signature_by_an_untrusted_key(
    api: httpx.AsyncClient, claims: dict[str, Any], trusted_kid: str
) -> None:
    forged = jwt.encode(claims, _own_key(), algorithm="RS256", headers={"kid": trusted_kid})
    assert_error(await me(api, f"Bearer {forged}"), 401, "UNAUTHORIZED")


async def test_a_static_pem_key_works_instead_of_jwks(
    stack: Stack, claims: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.auth import ClerkTokenVerifier
    from settings import Settings

    key = _own_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.setenv("CLERK_JWT_KEY", pem.decode())
    verifier = ClerkTokenVerifier(Settings())  # type: ignore[call-arg]
    assert (await verifier.verify(jwt.encode(claims, key, algorithm="RS256"))).sub == claims["sub"]
    from api.errors import Unauthorized

    with pytest.raises(Unauthorized):
        await verifier.verify(jwt.encode(claims, _own_key(), algorithm="RS256"))


async def test_the_operator_role_claim_is_read(stack: Stack, token: Callable[..., str]) -> None:
    from api.auth import ClerkTokenVerifier
    from settings import Settings

    verifier = ClerkTokenVerifier(Settings())  # type: ignore[call-arg]
    assert (await verifier.verify(token("user_ops", role="operator"))).is_operator
    assert not (await verifier.verify(token("user_plain"))).is_operator
