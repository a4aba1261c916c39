"""Email content, one template per kind. HTML autoescapes every value, so user-supplied text
(names, event titles, reasons) can never inject markup."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, StrictUndefined


@dataclass(frozen=True)
class EmailContent:
    """A subject and two bodies: Jinja sources in TEMPLATES, finished text once rendered."""

    subject: str
    text: str
    html: str


TEMPLATES: dict[str, EmailContent] = {
    "verification_verified": EmailContent(
        subject="You're verified: you can host events on Momento",
        text=(
            "Hi {{ first_name }},\n\n"
            "Your identity is verified. You can now create and publish events on Momento.\n\n"
            "Start hosting: {{ frontend_url }}/events/new\n"
        ),
        html=(
            "<p>Hi {{ first_name }},</p>"
            "<p>Your identity is verified. You can now create and publish events on Momento.</p>"
            '<p><a href="{{ frontend_url }}/events/new">Start hosting</a></p>'
        ),
    ),
    "verification_failed": EmailContent(
        subject="We couldn't verify your identity",
        text=(
            "Hi {{ first_name }},\n\n"
            "We couldn't verify your identity: {{ reason }}\n\n"
            "You can try again from the app with a new verification: "
            "{{ frontend_url }}/verification\n"
        ),
        html=(
            "<p>Hi {{ first_name }},</p>"
            "<p>We couldn't verify your identity: {{ reason }}</p>"
            '<p>You can <a href="{{ frontend_url }}/verification">try again</a> '
            "from the app with a new verification.</p>"
        ),
    ),
}

_text = Environment(autoescape=False, undefined=StrictUndefined)  # noqa: S701  # plain text
_html = Environment(autoescape=True, undefined=StrictUndefined)


def render(kind: str, context: dict[str, str]) -> EmailContent:
    template = TEMPLATES[kind]
    return EmailContent(
        subject=_text.from_string(template.subject).render(context),
        text=_text.from_string(template.text).render(context),
        html=_html.from_string(template.html).render(context),
    )
