"""Stripe errors, classified for Temporal: what retrying cannot fix fails at once, with a type."""

from __future__ import annotations

import stripe
from temporalio.exceptions import ApplicationError

# A request Stripe refuses on its merits: retrying the same request cannot succeed.
_PERMANENT = (
    stripe.CardError,
    stripe.InvalidRequestError,
    stripe.AuthenticationError,
    stripe.PermissionError,
    stripe.IdempotencyError,
)


def classify(error: stripe.StripeError) -> ApplicationError:
    """Raise the result `from error`: network errors, 429 and 5xx stay retryable."""
    kind = type(error).__name__
    message = error.user_message or str(error) or kind
    return ApplicationError(
        f"Stripe {kind}: {message}",
        {"code": error.code, "http_status": error.http_status},
        type=kind,
        non_retryable=isinstance(error, _PERMANENT),
    )
