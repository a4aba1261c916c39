from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig
from sandbox.testing import free_port, running_sandbox

from .conftest import WebhookReceiver


def _decode(sandbox: SandboxClient, token: str, config: SandboxConfig) -> dict[str, object]:
    key = jwt.PyJWKClient(sandbox.jwks_url).get_signing_key_from_jwt(token)
    claims: dict[str, object] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=config.issuer,
        leeway=5,
        options={"require": ["exp", "nbf", "iat", "iss", "sub"]},
    )
    return claims


def test_jwks_shape(sandbox: SandboxClient) -> None:
    [key] = httpx.get(sandbox.jwks_url).json()["keys"]
    assert (key["kty"], key["use"], key["alg"], key["e"]) == ("RSA", "sig", "RS256", "AQAB")
    assert key["kid"]
    assert len(key["n"]) > 300


def test_minted_token_verifies_with_pyjwkclient(
    sandbox: SandboxClient, sandbox_config: SandboxConfig
) -> None:
    token = sandbox.mint_token("user_123", role="operator", org="o1")
    claims = _decode(sandbox, token, sandbox_config)
    assert claims["sub"] == "user_123"
    assert claims["role"] == "operator"
    assert claims["iss"] == sandbox_config.base_url  # the default issuer
    assert claims["azp"] == sandbox_config.clerk_azp
    assert str(claims["sid"]).startswith("sess_")
    assert claims["org"] == "o1"
    assert "role" not in _decode(sandbox, sandbox.mint_token("user_1"), sandbox_config)


def test_expired_token_is_rejected(sandbox: SandboxClient, sandbox_config: SandboxConfig) -> None:
    token = sandbox.mint_token("user_1", ttl_seconds=-60)
    with pytest.raises(jwt.ExpiredSignatureError):
        _decode(sandbox, token, sandbox_config)


def test_clerk_webhook_is_svix_signed(
    sandbox: SandboxClient, receiver: WebhookReceiver, sandbox_config: SandboxConfig
) -> None:
    result = sandbox.send_clerk_webhook("user.deleted", {"id": "user_123", "deleted": True})
    assert result["statusCode"] == 200
    [received] = receiver.at("/clerk")
    webhook = Webhook(sandbox_config.clerk_webhook_secret)
    # svix 2.x: verify() raises on a bad signature and returns None (it no longer parses).
    webhook.verify(received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        webhook.verify(received.body.replace("user_123", "user_999"), received.headers)
    event = json.loads(received.body)
    assert event["type"] == "user.deleted"
    assert event["object"] == "event"
    assert event["data"] == {"id": "user_123", "deleted": True}
    assert abs(event["timestamp"] / 1000 - time.time()) < 60


def test_key_and_state_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(port=free_port(), data_dir=tmp_path)
    with running_sandbox(config) as first:
        kid = httpx.get(first.jwks_url).json()["keys"][0]["kid"]
        token = first.mint_token("user_9")
        headers = {"X-Postmark-Server-Token": config.postmark_server_token}
        httpx.post(
            f"{first.base_url}/email",
            headers=headers,
            json={"From": "a@momento.test", "To": "b@example.com", "TextBody": "x"},
        )
    assert (tmp_path / "clerk_signing_key.pem").exists()
    config.port = free_port()
    with running_sandbox(config) as second:
        assert httpx.get(second.jwks_url).json()["keys"][0]["kid"] == kid
        key = jwt.PyJWKClient(second.jwks_url).get_signing_key_from_jwt(token)
        assert (
            jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_iss": False})["sub"]
            == "user_9"
        )
        assert len(second.emails()) == 1
    assert json.loads((tmp_path / "state.json").read_text())["emails"]
