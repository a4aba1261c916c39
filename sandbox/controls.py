"""`/_sandbox/...`: the controls tests and developers drive (JSON; never hit by faults)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from litestar import Request, Response, Router, delete, get, post

from sandbox.clerk import svix_request
from sandbox.delivery import Outbound
from sandbox.faults import FaultRule
from sandbox.identity import FAILURE_REASONS, TransitionError
from sandbox.inbox import render_inbox
from sandbox.postmark_api import bounce_payload, find_emails
from sandbox.services import Sandbox, sandbox_of
from sandbox.state import STRIPE_KINDS, JsonObject
from sandbox.stripe_errors import StripeApiError

AnyRequest = Request[Any, Any, Any]


def _json(body: Any, status: int = 200) -> Response[bytes]:
    return Response(json.dumps(body).encode(), status_code=status, media_type="application/json")


def _problem(status: int, message: str) -> Response[bytes]:
    return _json({"error": message}, status)


async def _body(request: AnyRequest) -> JsonObject:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


# -- service -------------------------------------------------------------------------------


@get("/health")
async def health() -> Response[bytes]:
    return _json({"status": "ok"})


@get("/config")
async def read_config(request: AnyRequest) -> Response[bytes]:
    return _json(sandbox_of(request).config.to_json())


@post("/config")
async def change_config(request: AnyRequest) -> Response[bytes]:
    sb = sandbox_of(request)
    rejected = sb.config.apply_json(await _body(request))
    if rejected:
        return _problem(400, f"these settings cannot be changed at run time: {rejected}")
    return _json(sb.config.to_json())


@post("/reset")
async def reset(request: AnyRequest) -> Response[bytes]:
    await sandbox_of(request).reset()
    return _json({"reset": True})


# -- Clerk ---------------------------------------------------------------------------------


@post("/tokens")
async def mint_token(request: AnyRequest) -> Response[bytes]:
    sb = sandbox_of(request)
    body = await _body(request)
    if not body.get("sub"):
        return _problem(400, "sub is required")
    token = sb.clerk_keys.mint(
        issuer=sb.config.issuer,
        sub=str(body["sub"]),
        azp=body.get("azp", sb.config.clerk_azp),
        role=body.get("role"),
        ttl_seconds=int(body.get("ttlSeconds") or 3600),
        claims=body.get("claims"),
    )
    return _json({"token": token, "kid": sb.clerk_keys.kid})


@post("/clerk/webhooks")
async def clerk_webhook(request: AnyRequest) -> Response[bytes]:
    sb = sandbox_of(request)
    body = await _body(request)
    if not sb.config.clerk_webhook_url:
        return _problem(409, "no clerkWebhookUrl configured")
    payload, headers = svix_request(
        sb.config.clerk_webhook_secret, str(body.get("type")), body.get("data") or {}
    )
    record = await sb.dispatcher.send_once(
        Outbound(
            source="clerk",
            event_id=headers["svix-id"],
            event_type=str(body.get("type")),
            url=sb.config.clerk_webhook_url,
            body=payload,
            headers=lambda: headers,
        )
    )
    return _json(record)


# -- Stripe --------------------------------------------------------------------------------


async def _identity_move(request: AnyRequest, session_id: str, action: str) -> Response[bytes]:
    sb = sandbox_of(request)
    body = await _body(request)
    try:
        if action == "verify":
            session = sb.identity.verify(session_id)
        elif action == "process":
            session = sb.identity.process(session_id)
        else:
            code = str(body.get("code") or "selfie_face_mismatch")
            if code not in FAILURE_REASONS:
                return _problem(400, f"unknown code {code!r}; one of {sorted(FAILURE_REASONS)}")
            session = sb.identity.fail(session_id, code, body.get("reason"))
    except KeyError:
        return _problem(404, f"no verification session {session_id}")
    except TransitionError as err:
        return _problem(409, str(err))
    sb.persist()
    return _json(session)


@post("/identity/{session_id:str}/verify")
async def identity_verify(request: AnyRequest, session_id: str) -> Response[bytes]:
    return await _identity_move(request, session_id, "verify")


@post("/identity/{session_id:str}/fail")
async def identity_fail(request: AnyRequest, session_id: str) -> Response[bytes]:
    return await _identity_move(request, session_id, "fail")


@post("/identity/{session_id:str}/process")
async def identity_process(request: AnyRequest, session_id: str) -> Response[bytes]:
    return await _identity_move(request, session_id, "process")


@get("/identity/{session_id:str}")
async def identity_page(request: AnyRequest, session_id: str) -> Response[str]:
    """The page a VerificationSession's `url` points to: buttons instead of a camera."""
    session = sandbox_of(request).state.objects("verification_sessions").get(session_id)
    if session is None:
        return Response("no such verification session", status_code=404, media_type="text/plain")
    sid = escape(session_id)
    options = "".join(f"<option>{escape(code)}</option>" for code in FAILURE_REASONS)
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>Verify {sid}</title>
</head><body style="font-family: system-ui; margin: 2rem">
<h1>Sandbox identity check</h1><p>Session <code>{sid}</code>:
status <b>{escape(session["status"])}</b></p>
<button onclick="act('verify')">Verify</button>
<select id="code">{options}</select><button onclick="act('fail')">Fail</button>
<script>
async function act(action) {{
  const body = action === 'fail' ? {{code: document.getElementById('code').value}} : {{}};
  await fetch('/_sandbox/identity/{sid}/' + action,
              {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
                body: JSON.stringify(body)}});
  location.reload();
}}
</script></body></html>"""
    return Response(html, media_type="text/html")


@post("/payment_intents/{intent_id:str}/pay")
async def pay(request: AnyRequest, intent_id: str) -> Response[bytes]:
    """Confirms as the phone's Stripe SDK would with the client secret."""
    sb = sandbox_of(request)
    body = await _body(request)
    try:
        intent = sb.payments.confirm_intent(
            intent_id, {"payment_method": body.get("paymentMethod") or "pm_card_visa"}
        )
    except StripeApiError as err:
        sb.persist()
        return _json(err.body(), err.status)
    sb.persist()
    return _json(intent)


@get("/stripe/{kind:str}")
async def stripe_objects(request: AnyRequest, kind: str) -> Response[bytes]:
    if kind not in STRIPE_KINDS:
        return _problem(404, f"unknown kind {kind!r}; one of {list(STRIPE_KINDS)}")
    objects = list(sandbox_of(request).state.objects(kind).values())
    return _json(objects)


@get("/webhooks")
async def webhook_deliveries(request: AnyRequest) -> Response[bytes]:
    wanted = request.query_params.get("eventType")
    source = request.query_params.get("source")
    deliveries = [
        d
        for d in sandbox_of(request).state.deliveries
        if (not wanted or d["type"] == wanted) and (not source or d["source"] == source)
    ]
    return _json(deliveries)


@post("/webhooks/{event_id:str}/replay")
async def replay_webhook(request: AnyRequest, event_id: str) -> Response[bytes]:
    sb = sandbox_of(request)
    event = sb.state.objects("events").get(event_id)
    if event is None:
        return _problem(404, f"no event {event_id}")
    return _json({"eventId": event_id, "urls": sb.events.deliver(event)})


# -- faults --------------------------------------------------------------------------------


@post("/faults")
async def set_faults(request: AnyRequest) -> Response[bytes]:
    sb = sandbox_of(request)
    body = await _body(request)
    try:
        rule = FaultRule(
            service=str(body.get("service")),
            rate=float(body.get("rate", 1.0)),
            statuses=tuple(int(s) for s in body.get("statuses", (500, 429))),
            delay_ms=int(body.get("delayMs", 0)),
            when=body.get("when", "before"),
        )
        seed = body.get("seed")
        sb.faults.set(rule, seed=int(seed) if seed is not None else None)
    except (TypeError, ValueError) as err:
        return _problem(400, str(err))
    return _json([r.to_json() for r in sb.faults.rules()])


@get("/faults")
async def read_faults(request: AnyRequest) -> Response[bytes]:
    return _json([r.to_json() for r in sandbox_of(request).faults.rules()])


@delete("/faults", status_code=200)
async def clear_faults(request: AnyRequest) -> Response[bytes]:
    sandbox_of(request).faults.clear()
    return _json([])


# -- Postmark ------------------------------------------------------------------------------


@get("/emails")
async def list_emails(request: AnyRequest) -> Response[bytes]:
    params = request.query_params
    return _json(find_emails(sandbox_of(request).state, params.get("to"), params.get("tag")))


@get("/inbox")
async def inbox(request: AnyRequest) -> Response[str]:
    return Response(render_inbox(sandbox_of(request).state.emails), media_type="text/html")


@post("/postmark/bounce")
async def postmark_bounce(request: AnyRequest) -> Response[bytes]:
    sb: Sandbox = sandbox_of(request)
    body = await _body(request)
    email = str(body.get("email") or "")
    kind = str(body.get("type") or "HardBounce")
    if not email or kind not in ("HardBounce", "SpamComplaint"):
        return _problem(400, "email is required; type is HardBounce or SpamComplaint")
    if not sb.config.postmark_webhook_url:
        return _problem(409, "no postmarkWebhookUrl configured")
    # Postmark stops sending to the address, so a later send answers 406 as it would.
    sb.state.inactive_recipients.add(email.lower())
    sent = [e for e in sb.state.emails if email.lower() in (r.lower() for r in e["Recipients"])]
    payload = bounce_payload(email, kind, sent[-1]["MessageID"] if sent else None)
    record = await sb.dispatcher.send_once(
        Outbound(
            source="postmark",
            event_id=str(payload["ID"]),
            event_type=kind,
            url=sb.config.postmark_webhook_url,
            body=json.dumps(payload),
            headers=dict,
            auth=(sb.config.postmark_webhook_user, sb.config.postmark_webhook_password),
        )
    )
    sb.persist()
    return _json({**record, "payload": payload})


def _bad_request(_: AnyRequest, exc: ValueError) -> Response[bytes]:
    # Malformed JSON or values in a control body: a 400 that says why, not a 500.
    return _problem(400, str(exc))


controls_router = Router(
    path="/_sandbox",
    route_handlers=[
        health,
        read_config,
        change_config,
        reset,
        mint_token,
        clerk_webhook,
        identity_verify,
        identity_fail,
        identity_process,
        identity_page,
        pay,
        stripe_objects,
        webhook_deliveries,
        replay_webhook,
        set_faults,
        read_faults,
        clear_faults,
        list_emails,
        inbox,
        postmark_bounce,
    ],
    exception_handlers={ValueError: _bad_request},
    include_in_schema=False,
)
