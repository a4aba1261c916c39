"""The Stripe HTTP surface: auth, idempotency, injected faults and routing of `/v1/...`."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, route

from sandbox.services import Sandbox, sandbox_of
from sandbox.state import IdempotentResult, JsonObject, new_id
from sandbox.stripe_errors import StripeApiError, fault, not_found
from sandbox.stripe_forms import parse_form
from sandbox.stripe_webhooks import DEFAULT_API_VERSION, RequestInfo, set_current_request

Params = dict[str, Any]
Handler = Callable[[Sandbox, re.Match[str], Params], JsonObject]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def _list(objects: list[JsonObject], params: Params, url: str) -> JsonObject:
    """Stripe's list envelope, newest first, honouring `limit` (default 10, max 100)."""
    try:
        limit = max(1, min(100, int(params.get("limit", 10))))
    except ValueError:
        raise StripeApiError(400, "Invalid integer: limit", param="limit") from None
    ordered = sorted(objects, key=lambda o: o["created"], reverse=True)
    return {"object": "list", "data": ordered[:limit], "has_more": len(ordered) > limit, "url": url}


def _event(sb: Sandbox, event_id: str) -> JsonObject:
    event = sb.state.objects("events").get(event_id)
    if event is None:
        raise not_found("event", event_id)
    return event


_ID = r"(?P<id>[A-Za-z0-9_]+)"
ROUTES: list[Route] = [
    Route("POST", re.compile(r"/payment_intents"), lambda sb, m, p: sb.payments.create_intent(p)),
    Route(
        "GET",
        re.compile(r"/payment_intents"),
        lambda sb, m, p: _list(sb.payments.list_intents(p), p, "/v1/payment_intents"),
    ),
    Route(
        "GET",
        re.compile(rf"/payment_intents/{_ID}"),
        lambda sb, m, p: sb.payments.retrieve_intent(m["id"]),
    ),
    Route(
        "POST",
        re.compile(rf"/payment_intents/{_ID}"),
        lambda sb, m, p: sb.payments.update_intent(m["id"], p),
    ),
    Route(
        "POST",
        re.compile(rf"/payment_intents/{_ID}/confirm"),
        lambda sb, m, p: sb.payments.confirm_intent(m["id"], p),
    ),
    Route(
        "POST",
        re.compile(rf"/payment_intents/{_ID}/cancel"),
        lambda sb, m, p: sb.payments.cancel_intent(m["id"], p),
    ),
    Route(
        "GET", re.compile(rf"/charges/{_ID}"), lambda sb, m, p: sb.payments.retrieve_charge(m["id"])
    ),
    Route("POST", re.compile(r"/refunds"), lambda sb, m, p: sb.payments.create_refund(p)),
    Route(
        "GET",
        re.compile(r"/refunds"),
        lambda sb, m, p: _list(sb.payments.list_refunds(p), p, "/v1/refunds"),
    ),
    Route(
        "GET", re.compile(rf"/refunds/{_ID}"), lambda sb, m, p: sb.payments.retrieve_refund(m["id"])
    ),
    Route(
        "POST",
        re.compile(r"/identity/verification_sessions"),
        lambda sb, m, p: sb.identity.create(p),
    ),
    Route(
        "GET",
        re.compile(r"/identity/verification_sessions"),
        lambda sb, m, p: _list(sb.identity.list(p), p, "/v1/identity/verification_sessions"),
    ),
    Route(
        "GET",
        re.compile(rf"/identity/verification_sessions/{_ID}"),
        lambda sb, m, p: sb.identity.retrieve(m["id"]),
    ),
    Route(
        "POST",
        re.compile(rf"/identity/verification_sessions/{_ID}"),
        lambda sb, m, p: sb.identity.update(m["id"], p),
    ),
    Route(
        "POST",
        re.compile(rf"/identity/verification_sessions/{_ID}/cancel"),
        lambda sb, m, p: sb.identity.cancel(m["id"]),
    ),
    Route(
        "GET",
        re.compile(r"/events"),
        lambda sb, m, p: _list(list(sb.state.objects("events").values()), p, "/v1/events"),
    ),
    Route("GET", re.compile(rf"/events/{_ID}"), lambda sb, m, p: _event(sb, m["id"])),
]


def dispatch(sb: Sandbox, method: str, path: str, params: Params) -> JsonObject:
    for candidate in ROUTES:
        match = candidate.pattern.fullmatch(path)
        if match and candidate.method == method:
            return candidate.handler(sb, match, params)
    raise StripeApiError(
        404,
        f"Unrecognized request URL ({method} /v1{path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
    )


def _respond(
    status: int, body: str, request_id: str, extra: dict[str, str] | None = None
) -> Response[bytes]:
    headers = {"Request-Id": request_id, "Stripe-Version": DEFAULT_API_VERSION, **(extra or {})}
    return Response(
        body.encode(), status_code=status, media_type="application/json", headers=headers
    )


def _error(err: StripeApiError, request_id: str) -> Response[bytes]:
    return _respond(err.status, json.dumps(err.body(), indent=2), request_id, err.headers)


def _api_key(request: Request[Any, Any, Any]) -> str | None:
    """The secret key, from `Bearer sk_...` (the SDKs) or basic auth `sk_...:` (curl -u)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    key = value
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(value).decode().partition(":")[0]
        except ValueError:
            return None
    elif scheme.lower() != "bearer":
        return None
    return key if key.startswith("sk_") else None


@route("/v1/{path:path}", http_method=["GET", "POST", "DELETE"], include_in_schema=False)
async def stripe_v1(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
    sb = sandbox_of(request)
    request_id = new_id("req", 14)
    method = request.method.upper()
    api_key = _api_key(request)
    if api_key is None:
        return _error(
            StripeApiError(
                401,
                "Invalid API Key provided. The sandbox accepts any key that starts with sk_.",
            ),
            request_id,
        )

    injected = sb.faults.draw("stripe")
    if injected and injected.delay_ms:
        await asyncio.sleep(injected.delay_ms / 1000)
    if injected and injected.status and injected.when == "before":
        return _error(fault(injected.status), request_id)

    raw = await request.body() if method == "POST" else request.url.query.encode()
    params = parse_form(raw)
    idem_header = request.headers.get("idempotency-key") if method == "POST" else None
    idem_key = f"{api_key}:{idem_header}" if idem_header else None

    previous = sb.state.idempotency.get(idem_key) if idem_key else None
    if previous is not None:
        if (previous.method, previous.path, previous.params) != (method, path, params):
            return _error(
                StripeApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{idem_header}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                ),
                request_id,
            )
        response = _respond(
            previous.status, previous.body, request_id, {"Idempotent-Replayed": "true"}
        )
    else:
        status, body = _execute(
            sb,
            method,
            path,
            params,
            RequestInfo(
                id=request_id,
                idempotency_key=idem_header,
                api_version=request.headers.get("stripe-version", DEFAULT_API_VERSION),
            ),
        )
        # 5xx results are not kept, so a retry with the same key runs again (as at Stripe).
        if idem_key and status < 500:
            sb.state.idempotency[idem_key] = IdempotentResult(method, path, params, status, body)
        if method == "POST":
            sb.persist()
        response = _respond(status, body, request_id)

    if injected and injected.status and injected.when == "after":
        return _error(fault(injected.status), request_id)
    return response


def _execute(
    sb: Sandbox, method: str, path: str, params: Params, info: RequestInfo
) -> tuple[int, str]:
    set_current_request(info)
    try:
        result = dispatch(sb, method, path, params)
    except StripeApiError as err:
        return err.status, json.dumps(err.body(), indent=2)
    finally:
        set_current_request(None)
    return 200, json.dumps(result, indent=2)
