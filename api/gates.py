"""Checks that several routes share before they act on the caller's behalf."""

from api.errors import VerificationRequired
from db.models import User


def require_verified(user: User) -> None:
    """Only identity-verified users may create or publish events."""
    if not user.is_verified:
        raise VerificationRequired(
            "Verify your identity before hosting events: POST /v1/users/me/verification."
        )
