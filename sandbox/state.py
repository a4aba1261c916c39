"""Everything the sandbox remembers, and its optional JSON snapshot under the data dir."""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JsonObject = dict[str, Any]

# The kinds of Stripe objects kept, as named in `GET /_sandbox/stripe/{kind}`.
STRIPE_KINDS = ("payment_intents", "charges", "refunds", "verification_sessions", "events")

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as `pi_3Pq...`."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


@dataclass
class IdempotentResult:
    """The first response given for an idempotency key, replayed byte-for-byte."""

    method: str
    path: str
    params: JsonObject
    status: int
    body: str


@dataclass
class SandboxState:
    stripe: dict[str, dict[str, JsonObject]] = field(
        default_factory=lambda: {kind: {} for kind in STRIPE_KINDS}
    )
    idempotency: dict[str, IdempotentResult] = field(default_factory=dict)
    emails: list[JsonObject] = field(default_factory=list)
    # Addresses Postmark would refuse (bounced or complained), lower-cased.
    inactive_recipients: set[str] = field(default_factory=set)
    deliveries: list[JsonObject] = field(default_factory=list)

    def objects(self, kind: str) -> dict[str, JsonObject]:
        return self.stripe[kind]

    def clear(self) -> None:
        fresh = SandboxState()
        self.stripe = fresh.stripe
        self.idempotency.clear()
        self.emails.clear()
        self.inactive_recipients.clear()
        self.deliveries.clear()

    # -- snapshot ------------------------------------------------------------------------

    def to_json(self) -> JsonObject:
        return {
            "stripe": self.stripe,
            "idempotency": {key: vars(value) for key, value in self.idempotency.items()},
            "emails": self.emails,
            "inactiveRecipients": sorted(self.inactive_recipients),
            "deliveries": self.deliveries,
        }

    @classmethod
    def from_json(cls, data: JsonObject) -> SandboxState:
        state = cls()
        for kind, objects in data.get("stripe", {}).items():
            state.stripe.setdefault(kind, {}).update(objects)
        state.idempotency = {
            key: IdempotentResult(**value) for key, value in data.get("idempotency", {}).items()
        }
        state.emails = list(data.get("emails", []))
        state.inactive_recipients = set(data.get("inactiveRecipients", []))
        state.deliveries = list(data.get("deliveries", []))
        return state

    def save(self, data_dir: Path) -> None:
        # Write then rename, so a crash mid-write never leaves a truncated snapshot.
        data_dir.mkdir(parents=True, exist_ok=True)
        target = data_dir / "state.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_json()))
        os.replace(tmp, target)

    @classmethod
    def load(cls, data_dir: Path | None) -> SandboxState:
        if data_dir is None or not (data_dir / "state.json").exists():
            return cls()
        return cls.from_json(json.loads((data_dir / "state.json").read_text()))
