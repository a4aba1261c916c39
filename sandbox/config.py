"""The sandbox's settings: one dataclass, its command-line flags and its camelCase JSON form."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A valid Svix secret (`whsec_` + base64); fixed so a dev backend can be configured once.
# Fixed dev-only secrets below are deliberate: the sandbox is never production.
DEFAULT_CLERK_WEBHOOK_SECRET = "whsec_bW9tZW50by1zYW5kYm94LWNsZXJrLXdlYmhvb2sta2V5"  # noqa: S105

# Fields that may be changed at run time through `POST /_sandbox/config`.
RUNTIME_FIELDS = frozenset(
    {
        "stripe_webhook_urls",
        "postmark_webhook_url",
        "clerk_webhook_url",
        "webhook_max_attempts",
        "webhook_retry_base_seconds",
    }
)

# List fields take one value per repeated flag, so the flag is singular.
_LIST_FLAGS = {"stripe_webhook_urls": "--stripe-webhook-url"}


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8010
    data_dir: Path | None = None
    stripe_webhook_urls: list[str] = field(default_factory=list)
    stripe_webhook_secret: str = "whsec_sandbox_stripe"  # noqa: S105
    postmark_server_token: str = "sandbox-postmark-token"  # noqa: S105
    postmark_inactive_domain: str = "inactive.example"
    postmark_webhook_url: str | None = None
    postmark_webhook_user: str = "postmark"
    postmark_webhook_password: str = "sandbox-postmark-password"  # noqa: S105
    clerk_issuer: str | None = None
    clerk_azp: str = "http://localhost:8081"
    clerk_webhook_url: str | None = None
    clerk_webhook_secret: str = DEFAULT_CLERK_WEBHOOK_SECRET
    # Stripe-like delivery retries: base, 2x base, 4x base ... for at most this many attempts.
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 0.5
    # Seeds the fault injector's RNG so a flaky-network test is reproducible.
    fault_seed: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        """The `iss` of minted tokens: the configured issuer, else the sandbox itself."""
        return self.clerk_issuer or self.base_url

    # -- JSON (camelCase), as served and accepted by /_sandbox/config -------------------

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[_camel(f.name)] = str(value) if isinstance(value, Path) else value
        out["clerkIssuer"] = self.issuer
        out["baseUrl"] = self.base_url
        out["jwksUrl"] = f"{self.base_url}/.well-known/jwks.json"
        return out

    def apply_json(self, changes: dict[str, Any]) -> list[str]:
        """Applies run-time changes; returns the camelCase keys that cannot be changed."""
        by_camel = {_camel(name): name for name in RUNTIME_FIELDS}
        rejected = [key for key in changes if key not in by_camel]
        if rejected:
            return rejected
        for key, value in changes.items():
            name = by_camel[key]
            if name == "stripe_webhook_urls":
                value = [str(url) for url in (value or [])]
            setattr(self, name, value)
        return []

    # -- command line, shared by `python -m sandbox` and `sandbox.testing` --------------

    def to_argv(self) -> list[str]:
        argv: list[str] = []
        defaults = SandboxConfig()
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value == getattr(defaults, f.name) or value is None:
                continue
            if isinstance(value, list):
                for item in value:
                    argv += [_LIST_FLAGS[f.name], str(item)]
            else:
                argv += [_flag(f.name), str(value)]
        return argv

    @classmethod
    def from_argv(cls, argv: list[str] | None = None) -> SandboxConfig:
        parser = argparse.ArgumentParser(
            prog="python -m sandbox",
            description="Local stand-ins for Stripe, Postmark and Clerk (dev and tests only).",
        )
        defaults = cls()
        for f in dataclasses.fields(cls):
            default = getattr(defaults, f.name)
            if f.name in _LIST_FLAGS:
                parser.add_argument(_LIST_FLAGS[f.name], dest=f.name, action="append", default=[])
            else:
                parser.add_argument(
                    _flag(f.name), dest=f.name, type=_parser_type(f.name), default=default
                )
        return cls(**vars(parser.parse_args(argv)))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _parser_type(name: str) -> type:
    return {
        "port": int,
        "webhook_max_attempts": int,
        "fault_seed": int,
        "webhook_retry_base_seconds": float,
        "data_dir": Path,
    }.get(name, str)
