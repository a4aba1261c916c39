"""Stripe's error shape, so the official SDK raises the same exception classes it would."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeApiError(Exception):
    """An API error as Stripe renders it: `{"error": {"type", "message", "code", ...}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",  # Stripe's own field name
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.headers = headers or {}

    def error_object(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOCS + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return error

    def body(self) -> dict[str, Any]:
        return {"error": self.error_object()}


def not_found(object_name: str, object_id: str, param: str = "id") -> StripeApiError:
    return StripeApiError(
        404, f"No such {object_name}: '{object_id}'", code="resource_missing", param=param
    )


def missing_param(name: str) -> StripeApiError:
    return StripeApiError(
        400, f"Missing required param: {name}.", code="parameter_missing", param=name
    )


def invalid_param(name: str, message: str, code: str = "parameter_invalid_empty") -> StripeApiError:
    return StripeApiError(400, message, code=code, param=name)


def unknown_params(params: dict[str, Any], allowed: frozenset[str]) -> None:
    """Stripe refuses parameters it does not know; so does the sandbox, to catch typos."""
    for name in params:
        if name not in allowed and name != "expand":
            raise StripeApiError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def fault(status: int) -> StripeApiError:
    """An injected failure, shaped as Stripe's own 429 and 5xx answers."""
    if status == 429:
        return StripeApiError(
            429,
            "Too many requests hit the API too quickly. We recommend an exponential backoff "
            "of your requests.",
            code="rate_limit",
            headers={"Retry-After": "1"},
        )
    if status == 401:
        return StripeApiError(401, "Invalid API Key provided.")
    if 400 <= status < 500:
        return StripeApiError(status, "Injected sandbox fault.")
    return StripeApiError(
        status,
        "An unknown error occurred, please try again. (injected by the sandbox)",
        type="api_error",
    )
