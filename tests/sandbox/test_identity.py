from __future__ import annotations

import json

import pytest
import stripe

from sandbox.client import SandboxClient, SandboxError

from .conftest import WebhookReceiver


def _session(
    client: stripe.StripeClient, user_id: str = "u1"
) -> stripe.identity.VerificationSession:
    return client.v1.identity.verification_sessions.create(
        params={
            "type": "document",
            "return_url": "momento://verified",
            "metadata": {"user_id": user_id, "workflow_id": f"verification:{user_id}"},
            "options": {"document": {"require_matching_selfie": True}},
        }
    )


def _types(receiver: WebhookReceiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.at("/stripe")]


def test_create_and_retrieve(stripe_client: stripe.StripeClient, sandbox: SandboxClient) -> None:
    session = _session(stripe_client)
    assert session.id.startswith("vs_")
    assert session.object == "identity.verification_session"
    assert session.status == "requires_input"
    assert (session.client_secret or "").startswith(f"{session.id}_secret_")
    assert session.last_error is None
    assert session.verified_outputs is None
    assert session.url == f"{sandbox.base_url}/_sandbox/identity/{session.id}"
    fetched = stripe_client.v1.identity.verification_sessions.retrieve(session.id)
    assert fetched.metadata.to_dict()["user_id"] == "u1"


async def test_verify_goes_through_processing(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    session = _session(stripe_client)
    assert sandbox.verify_identity(session.id)["status"] == "verified"
    fetched = await stripe_client.v1.identity.verification_sessions.retrieve_async(session.id)
    assert fetched.status == "verified"
    receiver.wait_for(lambda got: len(got) >= 2)
    assert sorted(_types(receiver)) == [
        "identity.verification_session.processing",
        "identity.verification_session.verified",
    ]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.identity.verification_sessions.cancel(session.id)
    assert caught.value.http_status == 400
    with pytest.raises(SandboxError) as conflict:
        sandbox.verify_identity(session.id)
    assert conflict.value.status == 409


def test_fail_sets_last_error_then_retry_and_cancel(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient, receiver: WebhookReceiver
) -> None:
    session = _session(stripe_client)
    sandbox.process_identity(session.id)
    failed = sandbox.fail_identity(session.id, "document_expired")
    assert failed["status"] == "requires_input"
    assert failed["last_error"]["code"] == "document_expired"
    assert "expired" in failed["last_error"]["reason"]
    custom = sandbox.fail_identity(session.id, "selfie_face_mismatch", reason="Not you.")
    assert custom["last_error"] == {"code": "selfie_face_mismatch", "reason": "Not you."}
    fetched = stripe_client.v1.identity.verification_sessions.retrieve(session.id)
    assert fetched.last_error is not None
    assert fetched.last_error.code == "selfie_face_mismatch"
    canceled = stripe_client.v1.identity.verification_sessions.cancel(session.id)
    assert canceled.status == "canceled"
    receiver.wait_for(lambda got: len(got) >= 4)
    assert "identity.verification_session.canceled" in _types(receiver)
    assert _types(receiver).count("identity.verification_session.requires_input") == 2


def test_list_and_count_by_user(stripe_client: stripe.StripeClient, sandbox: SandboxClient) -> None:
    _session(stripe_client, "u1")
    _session(stripe_client, "u1")
    _session(stripe_client, "u2")
    listed = stripe_client.v1.identity.verification_sessions.list()
    assert len(listed.data) == 3
    assert listed.has_more is False
    by_user = [
        s for s in sandbox.objects("verification_sessions") if s["metadata"]["user_id"] == "u1"
    ]
    assert len(by_user) == 2
    limited = stripe_client.v1.identity.verification_sessions.list(params={"limit": 1})
    assert len(limited.data) == 1
    assert limited.has_more is True


def test_controls_reject_unknown_sessions_and_codes(
    stripe_client: stripe.StripeClient, sandbox: SandboxClient
) -> None:
    with pytest.raises(SandboxError) as missing:
        sandbox.verify_identity("vs_nope")
    assert missing.value.status == 404
    session = _session(stripe_client)
    with pytest.raises(SandboxError) as bad_code:
        sandbox.fail_identity(session.id, "no_such_code")
    assert bad_code.value.status == 400
