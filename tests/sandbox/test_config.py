from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.client import SandboxClient, SandboxError
from sandbox.config import SandboxConfig


def test_argv_round_trip() -> None:
    config = SandboxConfig(
        port=9123,
        data_dir=Path("data/sandbox"),
        stripe_webhook_urls=["http://a/1", "http://b/2"],
        clerk_webhook_url="http://c",
        webhook_retry_base_seconds=0.1,
        fault_seed=3,
    )
    assert SandboxConfig.from_argv(config.to_argv()) == config
    assert "--stripe-webhook-url" in config.to_argv()
    assert SandboxConfig.from_argv([]) == SandboxConfig()


def test_defaults() -> None:
    config = SandboxConfig()
    assert config.base_url == "http://127.0.0.1:8010"
    assert config.issuer == config.base_url
    assert config.clerk_webhook_secret.startswith("whsec_")


def test_runtime_config(sandbox: SandboxClient) -> None:
    before = sandbox.config()
    assert before["stripeWebhookSecret"] == "whsec_sandbox_stripe"
    assert before["jwksUrl"] == sandbox.jwks_url
    after = sandbox.configure(
        stripe_webhook_urls=["http://127.0.0.1:1/x"], clerk_webhook_url="http://127.0.0.1:1/c"
    )
    assert after["stripeWebhookUrls"] == ["http://127.0.0.1:1/x"]
    assert sandbox.config()["clerkWebhookUrl"] == "http://127.0.0.1:1/c"
    with pytest.raises(SandboxError) as caught:
        sandbox.configure(port=1)
    assert caught.value.status == 400


def test_reset_forgets_state_but_not_config(sandbox: SandboxClient) -> None:
    sandbox.configure(clerk_webhook_url="http://127.0.0.1:1/kept")
    sandbox.set_faults("stripe", rate=0.5)
    sandbox.reset()
    assert sandbox.config()["clerkWebhookUrl"] == "http://127.0.0.1:1/kept"
    assert sandbox.objects("payment_intents") == []
    assert sandbox._call("GET", "/faults") == []
