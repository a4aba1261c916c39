"""One error base with a code and an HTTP status, and the handlers that render every error,
the framework's own included, in the contract's shape."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from api.request_context import request_id

log = structlog.get_logger("api.errors")


class AppError(Exception):
    code: ClassVar[str] = "SERVICE_UNAVAILABLE"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "Something went wrong."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.details = details or {}
        self.headers: dict[str, str] = {}


class Unauthorized(AppError):
    code = "UNAUTHORIZED"
    status = 401
    message = "A valid session token is required."


class Forbidden(AppError):
    code = "FORBIDDEN"
    status = 403
    message = "You are not allowed to do this."


class VerificationRequired(AppError):
    code = "VERIFICATION_REQUIRED"
    status = 403
    message = "Verify your identity before hosting events."


class NotFound(AppError):
    code = "NOT_FOUND"
    status = 404
    message = "Not found."


class MethodNotAllowed(AppError):
    code = "METHOD_NOT_ALLOWED"
    status = 405
    message = "This method is not allowed on this route."


class ValidationFailed(AppError):
    code = "VALIDATION_ERROR"
    status = 400
    message = "The request is not valid."


class Conflict(AppError):
    code = "CONFLICT"
    status = 409
    message = "The resource is in a state that forbids this action."


class EventFull(AppError):
    code = "EVENT_FULL"
    status = 409
    message = "The event is full."


class PaymentFailed(AppError):
    code = "PAYMENT_FAILED"
    status = 402
    message = "The payment failed."


class VerificationFailed(AppError):
    code = "VERIFICATION_FAILED"
    status = 422
    message = "Identity verification did not succeed."


class PayloadTooLarge(AppError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    message = "The request body is larger than 1 MiB."


class RateLimited(AppError):
    code = "RATE_LIMITED"
    status = 429
    message = "Too many requests; retry later."


class ServiceUnavailable(AppError):
    code = "SERVICE_UNAVAILABLE"
    status = 503
    message = "A dependency is unavailable; retry later."


def error_body(error: AppError, request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {
        "error": {
            "code": error.code,
            "message": str(error),
            "details": error.details,
            "requestId": request_id(request.scope),
        }
    }


def render(request: Request[Any, Any, Any], error: AppError) -> Response[Any]:
    return Response(error_body(error, request), status_code=error.status, headers=error.headers)


_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def _field_errors(exc: ValidationException) -> dict[str, str]:
    """`{"firstName": "why"}` from Litestar's list of problems (camelCase, dotted for nesting)."""
    fields: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", "invalid value"))
            # msgspec reports a missing field on its parent object; name the field itself.
            if missing := _MISSING_FIELD.search(message):
                key = missing[1] if key in ("data", "body") else f"{key}.{missing[1]}"
                message = "This field is required."
            fields[key] = message
    return fields


_FRAMEWORK_ERRORS: dict[int, type[AppError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    429: RateLimited,
}


def from_http_exception(exc: HTTPException) -> AppError:
    """Translate Litestar's own exceptions (routing, parsing, limits) into the contract."""
    if exc.status_code == 400:
        fields = _field_errors(exc) if isinstance(exc, ValidationException) else {}
        if not fields:
            fields = {"body": exc.detail or "malformed request body"}
        return ValidationFailed("Some fields are not valid.", details={"fields": fields})
    error_class = _FRAMEWORK_ERRORS.get(exc.status_code)
    if error_class is None:
        return AppError()
    error = error_class()
    if exc.headers:
        error.headers.update(exc.headers)
    return error


def handle_app_error(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    return render(request, exc)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return handle_unexpected(request, exc)
    return render(request, from_http_exception(exc))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The client gets the request id; the log gets the traceback."""
    if is_unreachable(exc):
        log.warning("dependency unreachable", error=type(exc).__name__, exc_info=exc)
        return render(request, ServiceUnavailable())
    log.error("unexpected error", exc_info=exc)
    return render(request, AppError("An unexpected error occurred; it has been logged."))


def is_unreachable(exc: BaseException) -> bool:
    """True for errors that mean the database or Temporal could not be reached."""
    from asyncpg import CannotConnectNowError
    from sqlalchemy.exc import InterfaceError, OperationalError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(exc, RPCError):
        return exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
    return isinstance(
        exc, (OSError, TimeoutError, CannotConnectNowError, OperationalError, InterfaceError)
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    AppError: handle_app_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
