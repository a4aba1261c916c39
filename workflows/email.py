"""The one email activity's input and result, shared by every workflow that sends email."""

from __future__ import annotations

from dataclasses import dataclass, field

SEND_EMAIL = "send_email"


@dataclass(frozen=True)
class SendEmailInput:
    """`idempotency_key` names the message: a key already sent is never sent again."""

    idempotency_key: str
    kind: str
    user_id: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendEmailResult:
    status: str  # sent | skipped | failed
    message_id: str | None = None
