"""Postmark's sending API (`/email`, `/email/batch`) with its validation and error codes."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import Any

from litestar import Request, Response, post

from sandbox.config import SandboxConfig
from sandbox.services import Sandbox, sandbox_of
from sandbox.state import JsonObject, SandboxState

_PLAUSIBLE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[A-Za-z]{2,}$")
_MAX_BATCH = 500


class PostmarkError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> JsonObject:
        return {"ErrorCode": self.code, "Message": self.message}


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def addresses(field: str | None) -> list[str]:
    """The bare addresses of a `To`/`Cc`/`Bcc` value (`"Ann <a@x.io>, b@y.io"`)."""
    return [addr for _, addr in getaddresses([field or ""]) if addr]


def _check_addresses(name: str, value: Any, required: bool) -> list[str]:
    if value is None or value == "":
        if required:
            if name == "To":
                raise PostmarkError(422, 300, "Zero recipients specified")
            raise PostmarkError(422, 300, f"Invalid '{name}' address: ''.")
        return []
    if not isinstance(value, str):
        raise PostmarkError(422, 300, f"Invalid '{name}' address: '{value}'.")
    parsed = addresses(value)
    if not parsed or any(not _PLAUSIBLE.match(addr) for addr in parsed):
        raise PostmarkError(422, 300, f"Invalid '{name}' address: '{value}'.")
    return parsed


def accept_message(config: SandboxConfig, state: SandboxState, message: Any) -> JsonObject:
    """Validates one message as Postmark does, stores it, and returns Postmark's answer."""
    if not isinstance(message, dict):
        raise PostmarkError(422, 402, "Received invalid JSON input.")
    _check_addresses("From", message.get("From"), required=True)
    recipients = [
        *_check_addresses("To", message.get("To"), required=True),
        *_check_addresses("Cc", message.get("Cc"), required=False),
        *_check_addresses("Bcc", message.get("Bcc"), required=False),
    ]
    if not message.get("TextBody") and not message.get("HtmlBody"):
        raise PostmarkError(422, 300, "Provide either email TextBody or HtmlBody or both.")
    inactive_domain = "@" + config.postmark_inactive_domain.lower()
    inactive = [
        addr
        for addr in recipients
        if addr.lower().endswith(inactive_domain) or addr.lower() in state.inactive_recipients
    ]
    if inactive:
        raise PostmarkError(
            422,
            406,
            "You tried to send to recipient(s) that have been marked as inactive. Found "
            f"inactive addresses: {', '.join(inactive)}. Inactive recipients are ones that "
            "have generated a hard bounce, a spam complaint, or a manual suppression.",
        )
    submitted = _timestamp()
    message_id = str(uuid.uuid4())
    state.emails.append(
        {
            "MessageID": message_id,
            "From": message.get("From"),
            "To": message.get("To"),
            "Cc": message.get("Cc"),
            "Bcc": message.get("Bcc"),
            "ReplyTo": message.get("ReplyTo"),
            "Recipients": recipients,
            "Subject": message.get("Subject"),
            "TextBody": message.get("TextBody"),
            "HtmlBody": message.get("HtmlBody"),
            "Tag": message.get("Tag"),
            "Metadata": message.get("Metadata") or {},
            "MessageStream": message.get("MessageStream") or "outbound",
            "Headers": message.get("Headers") or [],
            "Attachments": [
                a.get("Name") for a in message.get("Attachments") or [] if isinstance(a, dict)
            ],
            "ReceivedAt": submitted,
        }
    )
    return {
        "To": message.get("To"),
        "SubmittedAt": submitted,
        "MessageID": message_id,
        "ErrorCode": 0,
        "Message": "OK",
    }


def _json(status: int, body: Any) -> Response[bytes]:
    return Response(json.dumps(body).encode(), status_code=status, media_type="application/json")


async def _guarded(request: Request[Any, Any, Any], batch: bool) -> Response[bytes]:
    """Token check, injected faults, then the send itself."""
    sb: Sandbox = sandbox_of(request)
    token = request.headers.get("x-postmark-server-token")
    if token != sb.config.postmark_server_token:
        return _json(
            401,
            {
                "ErrorCode": 10,
                "Message": "The Server Token you provided in the "
                "X-Postmark-Server-Token request header was invalid. Please verify "
                "that you are using a valid token.",
            },
        )
    injected = sb.faults.draw("postmark")
    if injected and injected.delay_ms:
        await asyncio.sleep(injected.delay_ms / 1000)
    if injected and injected.status and injected.when == "before":
        return _fault(injected.status)
    try:
        payload = json.loads(await request.body() or b"null")
    except ValueError:
        payload = ...
    response = _send(sb, payload, batch)
    sb.persist()
    if injected and injected.status and injected.when == "after":
        return _fault(injected.status)
    return response


def _send(sb: Sandbox, payload: Any, batch: bool) -> Response[bytes]:
    if payload is ...:
        return _json(422, {"ErrorCode": 402, "Message": "Received invalid JSON input."})
    if not batch:
        try:
            return _json(200, accept_message(sb.config, sb.state, payload))
        except PostmarkError as err:
            return _json(err.status, err.body())
    if not isinstance(payload, list):
        return _json(422, {"ErrorCode": 402, "Message": "Received invalid JSON input."})
    if len(payload) > _MAX_BATCH:
        return _json(
            422, {"ErrorCode": 300, "Message": f"Batch may hold at most {_MAX_BATCH} messages."}
        )
    # A batch answers 200 with one result per message; failures are reported per message.
    results: list[JsonObject] = []
    for message in payload:
        try:
            results.append(accept_message(sb.config, sb.state, message))
        except PostmarkError as err:
            results.append(err.body())
    return _json(200, results)


def _fault(status: int) -> Response[bytes]:
    # Postmark's 429/5xx answers are not its JSON error shape, so postmarker raises
    # requests.HTTPError (with the status) rather than ClientError for them.
    headers = {"Retry-After": "1"} if status == 429 else {}
    text = "Rate limit exceeded" if status == 429 else "Internal Server Error"
    return Response(text.encode(), status_code=status, media_type="text/plain", headers=headers)


@post("/email", include_in_schema=False)
async def send_email(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _guarded(request, batch=False)


@post("/email/batch", include_in_schema=False)
async def send_batch(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _guarded(request, batch=True)


def bounce_payload(email: str, kind: str, message_id: str | None) -> JsonObject:
    """The body of Postmark's Bounce or SpamComplaint webhook."""
    bounced_at = _timestamp()
    common: JsonObject = {
        "ID": abs(hash((email, bounced_at))) % 10**10,
        "MessageID": message_id or str(uuid.uuid4()),
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": bounced_at,
        "ServerID": 1,
        "MessageStream": "outbound",
        "Tag": "",
        "Metadata": {},
        "DumpAvailable": False,
        "CanActivate": True,
        "Subject": "",
        "Inactive": True,
        "Content": "",
    }
    if kind == "SpamComplaint":
        return {
            **common,
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "TypeCode": 512,
            "Name": "Spam complaint",
            "Description": "The subscriber explicitly marked this message as spam.",
            "Details": "Test spam complaint details",
        }
    return {
        **common,
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    }


def find_emails(state: SandboxState, to: str | None, tag: str | None) -> list[JsonObject]:
    found = state.emails
    if to:
        wanted = to.lower()
        found = [e for e in found if wanted in (r.lower() for r in e["Recipients"])]
    if tag:
        found = [e for e in found if e.get("Tag") == tag]
    return list(found)
