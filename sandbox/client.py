"""`SandboxClient`: a small synchronous wrapper around the `/_sandbox` controls."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

import httpx

JsonObject = dict[str, Any]


class SandboxError(Exception):
    """A control answered with an error status; `status` and `body` say what happened."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"sandbox answered {status}: {body}")
        self.status = status
        self.body = body


class SandboxClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Handy URLs for configuring the code under test.
    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def _call(self, method: str, path: str, *, ok: Iterable[int] = (200,), **kwargs: Any) -> Any:
        response = self._http.request(method, f"/_sandbox{path}", **kwargs)
        body = response.json() if response.content else None
        if response.status_code not in tuple(ok):
            raise SandboxError(response.status_code, body)
        return body

    # -- service -------------------------------------------------------------------------

    def health(self) -> bool:
        try:
            return self._http.get("/_sandbox/health").status_code == 200
        except httpx.HTTPError:
            return False

    def config(self) -> JsonObject:
        result: JsonObject = self._call("GET", "/config")
        return result

    def configure(
        self,
        *,
        stripe_webhook_urls: list[str] | None = None,
        postmark_webhook_url: str | None = None,
        clerk_webhook_url: str | None = None,
        **camel_case: Any,
    ) -> JsonObject:
        """Changes webhook targets at run time; only the arguments given are changed."""
        changes = dict(camel_case)
        if stripe_webhook_urls is not None:
            changes["stripeWebhookUrls"] = stripe_webhook_urls
        if postmark_webhook_url is not None:
            changes["postmarkWebhookUrl"] = postmark_webhook_url
        if clerk_webhook_url is not None:
            changes["clerkWebhookUrl"] = clerk_webhook_url
        result: JsonObject = self._call("POST", "/config", json=changes)
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")

    # -- Clerk ---------------------------------------------------------------------------

    def mint_token(
        self,
        sub: str,
        role: str | None = None,
        ttl_seconds: int | None = None,
        azp: str | None = None,
        **claims: Any,
    ) -> str:
        body: JsonObject = {"sub": sub, "claims": claims}
        if role is not None:
            body["role"] = role
        if ttl_seconds is not None:
            body["ttlSeconds"] = ttl_seconds
        if azp is not None:
            body["azp"] = azp
        token: str = self._call("POST", "/tokens", json=body)["token"]
        return token

    def send_clerk_webhook(self, type: str, data: JsonObject) -> JsonObject:
        """Sends a Svix-signed Clerk event; returns the delivery record (with `statusCode`)."""
        result: JsonObject = self._call(
            "POST", "/clerk/webhooks", json={"type": type, "data": data}
        )
        return result

    # -- Stripe --------------------------------------------------------------------------

    def verify_identity(self, session_id: str) -> JsonObject:
        result: JsonObject = self._call("POST", f"/identity/{session_id}/verify")
        return result

    def fail_identity(
        self, session_id: str, code: str = "selfie_face_mismatch", reason: str | None = None
    ) -> JsonObject:
        body: JsonObject = {"code": code}
        if reason is not None:
            body["reason"] = reason
        result: JsonObject = self._call("POST", f"/identity/{session_id}/fail", json=body)
        return result

    def process_identity(self, session_id: str) -> JsonObject:
        result: JsonObject = self._call("POST", f"/identity/{session_id}/process")
        return result

    def pay(self, payment_intent_id: str, payment_method: str = "pm_card_visa") -> JsonObject:
        """Confirms like the phone would. A decline returns Stripe's error body (status 402)."""
        result: JsonObject = self._call(
            "POST",
            f"/payment_intents/{payment_intent_id}/pay",
            json={"paymentMethod": payment_method},
            ok=(200, 402),
        )
        return result

    def objects(self, kind: str) -> list[JsonObject]:
        """Stored Stripe objects of a kind (payment_intents, charges, refunds, ...)."""
        result: list[JsonObject] = self._call("GET", f"/stripe/{kind}")
        return result

    def webhook_deliveries(
        self, event_type: str | None = None, source: str | None = None
    ) -> list[JsonObject]:
        params = {k: v for k, v in (("eventType", event_type), ("source", source)) if v}
        result: list[JsonObject] = self._call("GET", "/webhooks", params=params)
        return result

    def replay_webhook(self, event_id: str) -> JsonObject:
        result: JsonObject = self._call("POST", f"/webhooks/{event_id}/replay")
        return result

    # -- faults --------------------------------------------------------------------------

    def set_faults(
        self,
        service: str,
        rate: float,
        statuses: Iterable[int] = (500, 429),
        delay_ms: int = 0,
        when: str = "before",
        seed: int | None = None,
    ) -> list[JsonObject]:
        body: JsonObject = {
            "service": service,
            "rate": rate,
            "statuses": list(statuses),
            "delayMs": delay_ms,
            "when": when,
        }
        if seed is not None:
            body["seed"] = seed
        result: list[JsonObject] = self._call("POST", "/faults", json=body)
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- Postmark ------------------------------------------------------------------------

    def emails(self, to: str | None = None, tag: str | None = None) -> list[JsonObject]:
        params = {k: v for k, v in (("to", to), ("tag", tag)) if v}
        result: list[JsonObject] = self._call("GET", "/emails", params=params)
        return result

    def send_postmark_bounce(self, email: str, type: str = "HardBounce") -> JsonObject:
        """POSTs a Bounce/SpamComplaint webhook; returns the delivery record (`statusCode`)."""
        result: JsonObject = self._call(
            "POST", "/postmark/bounce", json={"email": email, "type": type}
        )
        return result
