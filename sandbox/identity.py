"""Stripe Identity VerificationSessions and the outcomes a tester can force on them."""

from __future__ import annotations

from typing import Any

from sandbox.state import JsonObject, SandboxState, new_id, now
from sandbox.stripe_errors import StripeApiError, invalid_param, not_found, unknown_params
from sandbox.stripe_payments import merge_metadata
from sandbox.stripe_webhooks import StripeEvents

# Stripe's `last_error.code` values for document checks, with the sentence a user would see.
FAILURE_REASONS: dict[str, str] = {
    "abandoned": "The user abandoned the verification.",
    "consent_declined": "The user declined to be verified by Stripe.",
    "country_not_supported": "The provided identity document is from an unsupported country.",
    "device_not_supported": "The user's device did not support the verification flow.",
    "document_expired": "The provided identity document has expired.",
    "document_type_not_supported": "The provided identity document isn't a supported type.",
    "document_unverified_other": "The provided identity document couldn't be verified.",
    "selfie_document_missing_photo": "The provided identity document did not contain a picture "
    "of a face.",
    "selfie_face_mismatch": "The captured face image did not match the document's face.",
    "selfie_manipulated": "The captured face image was manipulated.",
    "selfie_unverified_other": "The selfie couldn't be verified.",
    "under_supported_age": "The user is under the minimum supported age.",
}

_TYPES = frozenset({"document", "id_number"})
_CREATE_PARAMS = frozenset(
    {
        "type",
        "return_url",
        "metadata",
        "options",
        "client_reference_id",
        "provided_details",
        "related_customer",
        "related_person",
        "verification_flow",
    }
)
_UPDATE_PARAMS = frozenset({"type", "metadata", "options", "provided_details"})


class TransitionError(Exception):
    """A control asked for a move the session's status does not allow."""


class Identity:
    def __init__(self, state: SandboxState, events: StripeEvents, base_url: str) -> None:
        self._state = state
        self._events = events
        self._base_url = base_url

    # -- the Stripe API ------------------------------------------------------------------

    def create(self, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _CREATE_PARAMS)
        kind = params.get("type") or "document"
        if kind not in _TYPES:
            raise invalid_param(
                "type",
                f"Invalid type: must be one of {', '.join(sorted(_TYPES))}",
                code="parameter_invalid_string",
            )
        session_id = new_id("vs")
        session: JsonObject = {
            "id": session_id,
            "object": "identity.verification_session",
            "client_reference_id": params.get("client_reference_id"),
            "client_secret": f"{session_id}_secret_{new_id('x')[2:]}",
            "created": now(),
            "last_error": None,
            "last_verification_report": None,
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata")),
            "options": params.get("options") or {},
            "redaction": None,
            "return_url": params.get("return_url"),
            "status": "requires_input",
            "type": kind,
            # Stripe's hosted page; here a page with buttons that call the controls.
            "url": f"{self._base_url}/_sandbox/identity/{session_id}",
            "verified_outputs": None,
        }
        self._sessions()[session_id] = session
        return session

    def retrieve(self, session_id: str) -> JsonObject:
        session = self._sessions().get(session_id)
        if session is None:
            raise not_found("verification_session", session_id, param="session")
        return session

    def list(self, params: dict[str, Any]) -> list[JsonObject]:
        sessions = list(self._sessions().values())
        for name in ("status", "client_reference_id"):
            if params.get(name):
                sessions = [s for s in sessions if s[name] == params[name]]
        return sessions

    def update(self, session_id: str, params: dict[str, Any]) -> JsonObject:
        unknown_params(params, _UPDATE_PARAMS)
        session = self.retrieve(session_id)
        if session["status"] != "requires_input":
            raise self._unexpected_state(session, "update")
        session["metadata"] = merge_metadata(session["metadata"], params.get("metadata"))
        if params.get("options"):
            session["options"] = params["options"]
        return session

    def cancel(self, session_id: str) -> JsonObject:
        session = self.retrieve(session_id)
        if session["status"] != "requires_input":
            raise self._unexpected_state(session, "cancel")
        session["status"] = "canceled"
        self._events.emit("identity.verification_session.canceled", session)
        return session

    # -- controls: what the user and Stripe's checks would do ----------------------------

    def process(self, session_id: str) -> JsonObject:
        """The user submitted their document: `requires_input` → `processing`."""
        session = self._for_control(session_id)
        self._require(session, "requires_input")
        session["status"] = "processing"
        session["last_error"] = None
        self._events.emit("identity.verification_session.processing", session)
        return session

    def verify(self, session_id: str) -> JsonObject:
        """Checks passed: through `processing` (when not there yet) to `verified`."""
        session = self._for_control(session_id)
        if session["status"] == "requires_input":
            self.process(session_id)
        self._require(session, "processing")
        session["status"] = "verified"
        self._events.emit("identity.verification_session.verified", session)
        return session

    def fail(self, session_id: str, code: str, reason: str | None = None) -> JsonObject:
        """Checks failed: back to `requires_input` with Stripe's `last_error`."""
        session = self._for_control(session_id)
        self._require(session, "requires_input", "processing")
        session["status"] = "requires_input"
        session["last_error"] = {
            "code": code,
            "reason": reason or FAILURE_REASONS.get(code, "The verification failed."),
        }
        self._events.emit("identity.verification_session.requires_input", session)
        return session

    # -- helpers -------------------------------------------------------------------------

    def _sessions(self) -> dict[str, JsonObject]:
        return self._state.objects("verification_sessions")

    def _for_control(self, session_id: str) -> JsonObject:
        session = self._sessions().get(session_id)
        if session is None:
            raise KeyError(session_id)
        return session

    @staticmethod
    def _require(session: JsonObject, *statuses: str) -> None:
        if session["status"] not in statuses:
            raise TransitionError(
                f"VerificationSession {session['id']} has status {session['status']}; "
                f"expected {' or '.join(statuses)}."
            )

    @staticmethod
    def _unexpected_state(session: JsonObject, action: str) -> StripeApiError:
        done = {"cancel": "canceled", "update": "updated"}[action]
        return StripeApiError(
            400,
            f"This VerificationSession cannot be {done} because it has a status of "
            f"{session['status']}. Only a VerificationSession with status requires_input "
            f"may be {done}.",
        )
