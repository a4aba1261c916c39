"""Momento's one settings object, loaded from the environment and validated at start.

A missing or malformed variable stops the process with one message that names every bad
variable, so a misconfigured deployment fails at once instead of at the first request.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class AppEnv(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    app_env: AppEnv = AppEnv.DEV

    database_url: str
    temporal_address: str
    temporal_namespace: str = "default"
    temporal_task_queue: str = "momento"

    stripe_secret_key: SecretStr
    stripe_api_base: str = "https://api.stripe.com"
    stripe_webhook_secret: Annotated[list[SecretStr], NoDecode]

    postmark_server_token: SecretStr
    postmark_api_base: str = "https://api.postmarkapp.com"
    postmark_webhook_user: str
    postmark_webhook_password: SecretStr
    email_from: str

    clerk_issuer: str
    clerk_jwks_url: str | None = None
    clerk_jwt_key: str | None = None
    clerk_authorized_parties: CommaList = Field(default_factory=list)
    clerk_webhook_secret: SecretStr

    frontend_url: str
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    rsvp_fee_cents: int = Field(default=500, ge=0)
    rsvp_hold_minutes: int = Field(default=15, gt=0)
    refund_cutoff_hours: int = Field(default=48, ge=0)
    min_attendees_check_hours: int = Field(default=24, ge=0)
    reminder_hours_before: int = Field(default=24, ge=0)
    invitation_ttl_days: int = Field(default=7, gt=0)
    verification_timeout_days: int = Field(default=7, gt=0)
    verification_poll_seconds: int = Field(default=60, gt=0)
    waitlist_offer_minutes: int = Field(default=60, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: object) -> object:
        if isinstance(data, dict):
            for name in ("clerk_authorized_parties", "stripe_webhook_secret"):
                for key in (name, name.upper()):
                    if key in data:
                        data[key] = _split_commas(data[key])
        return data

    @model_validator(mode="after")
    def _needs_a_clerk_key(self) -> Self:
        if not self.clerk_jwks_url and not self.clerk_jwt_key:
            raise ValueError("set CLERK_JWKS_URL or CLERK_JWT_KEY")
        if not self.stripe_webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET needs at least one secret")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the asyncpg driver, whatever scheme the operator wrote."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url


class SettingsError(SystemExit):
    """Raised instead of a traceback: the message alone tells the operator what to fix."""


def describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"] if isinstance(part, str)).upper()
        if item["type"] == "missing":
            problems.append(f"{name}: missing required environment variable")
        elif name:
            problems.append(f"{name}: {item['msg']}")
        else:
            problems.append(item["msg"].removeprefix("Value error, "))
    return "Invalid configuration: " + "; ".join(problems)


def load() -> Settings:
    try:
        return Settings()  # fields come from the environment
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load()
