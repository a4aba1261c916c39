from __future__ import annotations

import base64
import json

import httpx
import pytest
from postmarker.core import PostmarkClient
from postmarker.exceptions import ClientError

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig

from .conftest import WebhookReceiver

FROM = "Momento <hello@momento.test>"


def test_send_is_kept_with_every_field(postmark: PostmarkClient, sandbox: SandboxClient) -> None:
    answer = postmark.emails.send(
        From=FROM,
        To="Ann <ann@example.com>",
        Subject="You're in",
        TextBody="See you",
        HtmlBody="<p>See you</p>",
        Tag="rsvp-confirmed",
        Metadata={"rsvp_id": "r1"},
        MessageStream="outbound",
        Headers={"X-Idempotency": "email:r1:confirmed"},
    )
    assert answer["ErrorCode"] == 0
    assert answer["Message"] == "OK"
    assert answer["To"] == "Ann <ann@example.com>"
    [kept] = sandbox.emails()
    assert kept["MessageID"] == answer["MessageID"]
    assert kept["Subject"] == "You're in"
    assert kept["HtmlBody"] == "<p>See you</p>"
    assert kept["Metadata"] == {"rsvp_id": "r1"}
    assert kept["Tag"] == "rsvp-confirmed"
    assert kept["Headers"] == [{"Name": "X-Idempotency", "Value": "email:r1:confirmed"}]
    assert kept["Recipients"] == ["ann@example.com"]


def test_batch_answers_per_message(postmark: PostmarkClient, sandbox: SandboxClient) -> None:
    answers = postmark.emails.send_batch(
        {"From": FROM, "To": "a@example.com", "Subject": "1", "TextBody": "x", "Tag": "t1"},
        {"From": FROM, "To": "not-an-address", "Subject": "2", "TextBody": "x"},
        {"From": FROM, "To": "b@example.com", "Subject": "3", "TextBody": "x", "Tag": "t2"},
    )
    assert [a["ErrorCode"] for a in answers] == [0, 300, 0]
    assert len(sandbox.emails()) == 2


def test_wrong_token_is_401(sandbox: SandboxClient) -> None:
    client = PostmarkClient(server_token="wrong", root_api_url=sandbox.base_url)
    with pytest.raises(ClientError) as caught:
        client.emails.send(From=FROM, To="a@example.com", Subject="s", TextBody="t")
    assert caught.value.error_code == 10


def test_invalid_address_is_300(postmark: PostmarkClient) -> None:
    with pytest.raises(ClientError) as caught:
        postmark.emails.send(From=FROM, To="nobody", Subject="s", TextBody="t")
    assert caught.value.error_code == 300
    assert "Invalid 'To' address" in str(caught.value)


def test_inactive_recipient_is_406(
    postmark: PostmarkClient, sandbox: SandboxClient, sandbox_config: SandboxConfig
) -> None:
    with pytest.raises(ClientError) as caught:
        postmark.emails.send(
            From=FROM, To=f"x@{sandbox_config.postmark_inactive_domain}", Subject="s", TextBody="t"
        )
    assert caught.value.error_code == 406
    assert "marked as inactive" in str(caught.value)
    assert sandbox.emails() == []


def test_raw_status_codes(sandbox: SandboxClient, sandbox_config: SandboxConfig) -> None:
    headers = {"X-Postmark-Server-Token": sandbox_config.postmark_server_token}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as http:
        assert (
            http.post("/email", json={"From": FROM, "To": "bad", "TextBody": "x"}).status_code
            == 422
        )
        assert (
            http.post("/email", headers={"X-Postmark-Server-Token": "no"}, json={}).status_code
            == 401
        )


def test_email_filters(postmark: PostmarkClient, sandbox: SandboxClient) -> None:
    postmark.emails.send(From=FROM, To="a@example.com", Subject="1", TextBody="x", Tag="invite")
    postmark.emails.send(From=FROM, To="b@example.com", Subject="2", TextBody="x", Tag="invite")
    postmark.emails.send(From=FROM, To="A@example.com", Subject="3", TextBody="x", Tag="remind")
    assert [e["Subject"] for e in sandbox.emails(to="a@example.com")] == ["1", "3"]
    assert [e["Subject"] for e in sandbox.emails(tag="invite")] == ["1", "2"]
    assert [e["Subject"] for e in sandbox.emails(to="a@example.com", tag="remind")] == ["3"]


def test_inbox_escapes_everything(postmark: PostmarkClient, sandbox: SandboxClient) -> None:
    postmark.emails.send(
        From=FROM,
        To="a@example.com",
        Subject="<script>alert(1)</script>",
        TextBody="first & <b>",
        HtmlBody="<img src=x onerror=alert(2)>",
    )
    postmark.emails.send(From=FROM, To="a@example.com", Subject="second", TextBody="x")
    page = httpx.get(f"{sandbox.base_url}/_sandbox/inbox")
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)" in page.text
    assert "<img src=x" not in page.text
    assert "first &amp; &lt;b&gt;" in page.text
    assert page.text.index("second") < page.text.index("alert(1)")  # newest first


def test_bounce_webhook_uses_basic_auth_and_deactivates(
    postmark: PostmarkClient,
    sandbox: SandboxClient,
    receiver: WebhookReceiver,
    sandbox_config: SandboxConfig,
) -> None:
    sent = postmark.emails.send(From=FROM, To="gone@example.com", Subject="s", TextBody="t")
    result = sandbox.send_postmark_bounce("gone@example.com")
    assert result["statusCode"] == 200
    [received] = receiver.at("/postmark")
    user_pass = f"{sandbox_config.postmark_webhook_user}:{sandbox_config.postmark_webhook_password}"
    assert (
        received.headers["authorization"]
        == "Basic " + base64.b64encode(user_pass.encode()).decode()
    )
    body = json.loads(received.body)
    assert (body["RecordType"], body["Type"], body["TypeCode"]) == ("Bounce", "HardBounce", 1)
    assert body["Email"] == "gone@example.com"
    assert body["MessageID"] == sent["MessageID"]
    with pytest.raises(ClientError) as caught:
        postmark.emails.send(From=FROM, To="gone@example.com", Subject="s", TextBody="t")
    assert caught.value.error_code == 406

    sandbox.send_postmark_bounce("spam@example.com", type="SpamComplaint")
    complaint = json.loads(receiver.at("/postmark")[-1].body)
    assert complaint["RecordType"] == "SpamComplaint"
    assert complaint["TypeCode"] == 512
