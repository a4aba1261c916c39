"""PaymentIntents, their charges and refunds: Stripe's state machine for card payments."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sandbox.state import JsonObject, SandboxState, new_id, now
from sandbox.stripe_errors import (
    StripeApiError,
    invalid_param,
    missing_param,
    not_found,
    unknown_params,
)
from sandbox.stripe_webhooks import StripeEvents


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str


# Stripe's test payment methods (https://docs.stripe.com/testing); any other `pm_card_*` pays.
DECLINES: dict[str, Decline] = {
    "pm_card_chargeDeclined": Decline(
        "card_declined", "generic_decline", "Your card was declined."
    ),
    "pm_card_visa_chargeDeclined": Decline(
        "card_declined", "generic_decline", "Your card was declined."
    ),
    "pm_card_chargeDeclinedInsufficientFunds": Decline(
        "card_declined", "insufficient_funds", "Your card has insufficient funds."
    ),
    "pm_card_chargeDeclinedLostCard": Decline(
        "card_declined", "lost_card", "Your card was declined."
    ),
    "pm_card_chargeDeclinedStolenCard": Decline(
        "card_declined", "stolen_card", "Your card was declined."
    ),
    "pm_card_chargeDeclinedExpiredCard": Decline("expired_card", None, "Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": Decline(
        "incorrect_cvc", None, "Your card's security code is incorrect."
    ),
    "pm_card_chargeDeclinedProcessingError": Decline(
        "processing_error",
        None,
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}

CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
CANCELLATION_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer", "abandoned"})
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})

# The parameters each call accepts; anything else is refused as Stripe refuses it.
_CREATE_PARAMS = frozenset(
    """amount currency metadata automatic_payment_methods payment_method payment_method_types
    confirm description receipt_email customer capture_method statement_descriptor
    statement_descriptor_suffix return_url setup_future_usage off_session transfer_group
    confirmation_method""".split()
)
_UPDATE_PARAMS = frozenset(
    """amount currency metadata payment_method description receipt_email customer
    statement_descriptor statement_descriptor_suffix setup_future_usage transfer_group
    payment_method_types""".split()
)
_CONFIRM_PARAMS = frozenset(
    """payment_method return_url receipt_email off_session setup_future_usage
    payment_method_types""".split()
)
_CANCEL_PARAMS = frozenset({"cancellation_reason"})
_REFUND_PARAMS = frozenset(
    {"payment_intent", "charge", "amount", "reason", "metadata", "instructions_email"}
)
_MINIMUM_AMOUNT = 50  # Stripe's minimum charge, in the smallest unit of usd/eur/gbp...


def parse_int(params: dict[str, Any], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise invalid_param(
            name, f"Invalid integer: {raw}", code="parameter_invalid_integer"
        ) from None


def parse_bool(params: dict[str, Any], name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return bool(raw == "true")
    raise invalid_param(name, f"Invalid boolean: {raw}", code="parameter_invalid_boolean")


def merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """Stripe's metadata update: keys merge, an empty value deletes a key, `""` clears all."""
    if update is None:
        return current
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise invalid_param("metadata", "Invalid hash", code="parameter_invalid_hash")
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


class Payments:
    def __init__(self, state: SandboxState, events: StripeEvents) -> None:
        self._state = state
        self._events = events

    # -- PaymentIntents ------------------------------------------------------------------

    def create_intent(self, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _CREATE_PARAMS)
        amount = self._valid_amount(params)
        currency = params.get("currency")
        if not currency:
            raise missing_param("currency")
        intent_id = new_id("pi")
        apm = params.get("automatic_payment_methods")
        intent: JsonObject = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": (
                {
                    "allow_redirects": apm.get("allow_redirects", "always"),
                    "enabled": apm.get("enabled") == "true",
                }
                if isinstance(apm, dict)
                else None
            ),
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": params.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_{new_id('x')[2:]}",
            "confirmation_method": params.get("confirmation_method", "automatic"),
            "created": now(),
            "currency": str(currency).lower(),
            "customer": params.get("customer"),
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata")),
            "next_action": None,
            "payment_method": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "receipt_email": params.get("receipt_email"),
            "setup_future_usage": params.get("setup_future_usage"),
            "statement_descriptor": params.get("statement_descriptor"),
            "status": "requires_payment_method",
            "transfer_group": params.get("transfer_group"),
        }
        self._intents()[intent_id] = intent
        if params.get("payment_method"):
            intent["payment_method"] = self._payment_method(params["payment_method"])
            intent["status"] = "requires_confirmation"
        if parse_bool(params, "confirm"):
            return self.confirm_intent(intent_id, {})
        return intent

    def retrieve_intent(self, intent_id: str) -> JsonObject:
        intent = self._intents().get(intent_id)
        if intent is None:
            raise not_found("payment_intent", intent_id, param="intent")
        return intent

    def list_intents(self, params: dict[str, Any]) -> list[JsonObject]:
        return list(self._intents().values())

    def update_intent(self, intent_id: str, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _UPDATE_PARAMS)
        intent = self.retrieve_intent(intent_id)
        if intent["status"] in ("succeeded", "canceled") and (
            "amount" in params or "payment_method" in params or "currency" in params
        ):
            raise self._unexpected_state(intent, "update")
        if "amount" in params:
            intent["amount"] = self._valid_amount(params)
        if "currency" in params:
            intent["currency"] = str(params["currency"]).lower()
        for name in (
            "description",
            "receipt_email",
            "customer",
            "statement_descriptor",
            "setup_future_usage",
            "transfer_group",
        ):
            if name in params:
                intent[name] = params[name] or None
        intent["metadata"] = merge_metadata(intent["metadata"], params.get("metadata"))
        if params.get("payment_method"):
            intent["payment_method"] = self._payment_method(params["payment_method"])
            intent["status"] = "requires_confirmation"
        return intent

    def confirm_intent(self, intent_id: str, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _CONFIRM_PARAMS)
        intent = self.retrieve_intent(intent_id)
        if intent["status"] not in CONFIRMABLE:
            raise self._unexpected_state(intent, "confirm")
        if params.get("payment_method"):
            intent["payment_method"] = self._payment_method(params["payment_method"])
        if "receipt_email" in params:
            intent["receipt_email"] = params["receipt_email"] or None
        method = intent["payment_method"]
        if not method:
            raise StripeApiError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "To confirm the PaymentIntent, specify a payment method.",
                code="payment_intent_unexpected_state",
                extra={"payment_intent": copy.deepcopy(intent)},
            )
        decline = DECLINES.get(method)
        charge = self._new_charge(intent, method, decline)
        intent["latest_charge"] = charge["id"]
        if decline is not None:
            error = StripeApiError(
                402,
                decline.message,
                type="card_error",
                code=decline.code,
                decline_code=decline.decline_code,
                extra={
                    "charge": charge["id"],
                    "payment_method": {"id": method, "object": "payment_method", "type": "card"},
                },
            )
            # Like Stripe: the intent goes back to waiting for another payment method.
            intent["status"] = "requires_payment_method"
            intent["payment_method"] = None
            intent["last_payment_error"] = error.error_object()
            self._events.emit("payment_intent.payment_failed", intent)
            error.extra["payment_intent"] = copy.deepcopy(intent)
            raise error
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["last_payment_error"] = None
        self._events.emit("payment_intent.succeeded", intent)
        return intent

    def cancel_intent(self, intent_id: str, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _CANCEL_PARAMS)
        intent = self.retrieve_intent(intent_id)
        reason = params.get("cancellation_reason")
        if reason is not None and reason not in CANCELLATION_REASONS:
            raise invalid_param(
                "cancellation_reason",
                "Invalid cancellation_reason: must be one of "
                + ", ".join(sorted(CANCELLATION_REASONS)),
                code="parameter_invalid_string",
            )
        if intent["status"] not in CANCELABLE:
            raise self._unexpected_state(intent, "cancel")
        intent["status"] = "canceled"
        intent["canceled_at"] = now()
        intent["cancellation_reason"] = reason
        self._events.emit("payment_intent.canceled", intent)
        return intent

    # -- charges and refunds -------------------------------------------------------------

    def retrieve_charge(self, charge_id: str) -> JsonObject:
        charge = self._state.objects("charges").get(charge_id)
        if charge is None:
            raise not_found("charge", charge_id)
        return charge

    def create_refund(self, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _REFUND_PARAMS)
        intent = self._refundable_intent(params)
        charge = self.retrieve_charge(intent["latest_charge"])
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeApiError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = parse_int(params, "amount")
        if amount is None:
            amount = remaining
        if amount <= 0:
            raise invalid_param(
                "amount", "Refund amount must be positive.", code="parameter_invalid_integer"
            )
        if amount > remaining:
            raise StripeApiError(
                400,
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({_money(remaining, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        reason = params.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise invalid_param(
                "reason", f"Invalid reason: {reason}", code="parameter_invalid_string"
            )
        refund: JsonObject = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": now(),
            "currency": charge["currency"],
            "metadata": merge_metadata({}, params.get("metadata")),
            "payment_intent": intent["id"],
            "reason": reason,
            "status": "succeeded",
        }
        self._state.objects("refunds")[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._events.emit("charge.refunded", charge)
        return refund

    def retrieve_refund(self, refund_id: str) -> JsonObject:
        refund = self._state.objects("refunds").get(refund_id)
        if refund is None:
            raise not_found("refund", refund_id)
        return refund

    def list_refunds(self, params: dict[str, Any]) -> list[JsonObject]:
        refunds = list(self._state.objects("refunds").values())
        if params.get("payment_intent"):
            refunds = [r for r in refunds if r["payment_intent"] == params["payment_intent"]]
        return refunds

    # -- helpers -------------------------------------------------------------------------

    def _intents(self) -> dict[str, JsonObject]:
        return self._state.objects("payment_intents")

    def _valid_amount(self, params: dict[str, Any]) -> int:
        amount = parse_int(params, "amount")
        if amount is None:
            raise missing_param("amount")
        if amount < _MINIMUM_AMOUNT:
            raise StripeApiError(
                400, "Amount must be at least $0.50 usd", code="amount_too_small", param="amount"
            )
        return amount

    def _payment_method(self, value: Any) -> str:
        method = str(value)
        if not method.startswith("pm_"):
            raise not_found("PaymentMethod", method, param="payment_method")
        return method

    def _unexpected_state(self, intent: JsonObject, action: str) -> StripeApiError:
        allowed = {"cancel": CANCELABLE, "confirm": CONFIRMABLE}.get(action)
        tail = (
            f" Only a PaymentIntent with one of the following statuses may be {action}ed: "
            f"{', '.join(allowed)}."
            if allowed
            else ""
        )
        return StripeApiError(
            400,
            f"You cannot {action} this PaymentIntent because it has a status of "
            f"{intent['status']}.{tail}",
            code="payment_intent_unexpected_state",
            extra={"payment_intent": copy.deepcopy(intent)},
        )

    def _refundable_intent(self, params: dict[str, Any]) -> JsonObject:
        if params.get("payment_intent"):
            intent = self._intents().get(params["payment_intent"])
            if intent is None:
                raise not_found("payment_intent", params["payment_intent"], param="payment_intent")
        elif params.get("charge"):
            charge = self.retrieve_charge(params["charge"])
            intent = self.retrieve_intent(charge["payment_intent"])
        else:
            raise StripeApiError(
                400,
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
            )
        if intent["status"] != "succeeded":
            raise StripeApiError(
                400,
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="payment_intent_unexpected_state",
                param="payment_intent",
            )
        return intent

    def _new_charge(self, intent: JsonObject, method: str, decline: Decline | None) -> JsonObject:
        paid = decline is None
        failure = decline or Decline(code="", decline_code=None, message="")
        charge: JsonObject = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "captured": paid,
            "created": now(),
            "currency": intent["currency"],
            "description": intent["description"],
            "failure_code": failure.code or None,
            "failure_message": failure.message or None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": {
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": failure.decline_code,
                "type": "authorized" if paid else "issuer_declined",
            },
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": method,
            "receipt_email": intent["receipt_email"],
            "refunded": False,
            "status": "succeeded" if paid else "failed",
        }
        self._state.objects("charges")[charge["id"]] = charge
        return charge


def _money(cents: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency, "")
    return f"{symbol}{cents / 100:.2f}" if symbol else f"{cents / 100:.2f} {currency}"
