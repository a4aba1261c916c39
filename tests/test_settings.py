"""Settings fail fast with one message naming every bad variable, and apply the defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import Settings, SettingsError, load

ROOT = Path(__file__).parent.parent

REQUIRED = {
    "DATABASE_URL": "postgresql://momento@localhost/momento",
    "TEMPORAL_ADDRESS": "localhost:7233",
    "STRIPE_SECRET_KEY": "sk_test_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_one, whsec_two",
    "POSTMARK_SERVER_TOKEN": "token",
    "POSTMARK_WEBHOOK_USER": "postmark",
    "POSTMARK_WEBHOOK_PASSWORD": "secret",
    "EMAIL_FROM": "hello@momento.test",
    "CLERK_ISSUER": "https://clerk.momento.test",
    "CLERK_JWKS_URL": "https://clerk.momento.test/.well-known/jwks.json",
    "CLERK_WEBHOOK_SECRET": "whsec_clerk",
    "FRONTEND_URL": "https://momento.test",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    settings_names = {field.upper() for field in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in settings_names:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file here
    return monkeypatch


def test_every_missing_variable_is_named_in_one_message(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as raised:
        load()
    message = str(raised.value)
    for name in REQUIRED.keys() - {"CLERK_JWKS_URL"}:
        assert name in message
    assert "Traceback" not in message


def test_malformed_values_are_named_together(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        clean_env.setenv(name, value)
    clean_env.setenv("API_PORT", "eighty")
    clean_env.setenv("RSVP_FEE_CENTS", "-5")
    clean_env.setenv("APP_ENV", "staging")
    with pytest.raises(SettingsError) as raised:
        load()
    message = str(raised.value)
    assert "API_PORT" in message
    assert "RSVP_FEE_CENTS" in message
    assert "APP_ENV" in message


def test_a_clerk_key_source_is_required(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        if name != "CLERK_JWKS_URL":
            clean_env.setenv(name, value)
    with pytest.raises(SettingsError, match="CLERK_JWKS_URL or CLERK_JWT_KEY"):
        load()


def test_defaults_and_lists(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        clean_env.setenv(name, value)
    clean_env.setenv("CLERK_AUTHORIZED_PARTIES", "https://a.test, https://b.test")
    settings = load()
    assert settings.temporal_namespace == "default"
    assert settings.temporal_task_queue == "momento"
    assert (settings.api_host, settings.api_port) == ("127.0.0.1", 8000)
    assert settings.rsvp_fee_cents == 500
    assert settings.rsvp_hold_minutes == 15
    assert settings.refund_cutoff_hours == 48
    assert settings.min_attendees_check_hours == 24
    assert settings.reminder_hours_before == 24
    assert settings.invitation_ttl_days == 7
    assert settings.verification_timeout_days == 7
    assert settings.verification_poll_seconds == 60
    assert settings.waitlist_offer_minutes == 60
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert [s.get_secret_value() for s in settings.stripe_webhook_secret] == [
        "whsec_one",
        "whsec_two",
    ]
    assert settings.clerk_authorized_parties == ["https://a.test", "https://b.test"]
    assert settings.sqlalchemy_url.startswith("postgresql+asyncpg://")
    assert "sk_test_x" not in repr(settings)


def test_the_api_process_stops_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "api"], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Invalid configuration" in result.stderr
    assert "DATABASE_URL: missing required environment variable" in result.stderr
    assert "Traceback" not in result.stderr
