"""Signals that webhooks send to running workflows."""

from __future__ import annotations

from dataclasses import dataclass

STRIPE_EVENT = "stripe_event"
END = "end"


@dataclass(frozen=True)
class StripeEventSignal:
    """A trigger, not the truth: the workflow re-reads the object from Stripe before it acts."""

    event_id: str
    type: str
    object_id: str


@dataclass(frozen=True)
class EndSignal:
    reason: str
