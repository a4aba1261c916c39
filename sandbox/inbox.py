"""The HTML inbox at `/_sandbox/inbox`: sent emails, newest first, every value escaped."""

from __future__ import annotations

from html import escape

from sandbox.state import JsonObject

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; background: #f6f6f6; }
article { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem;
          margin-bottom: 1rem; }
dl { display: grid; grid-template-columns: 8rem 1fr; margin: 0 0 .5rem; }
dt { color: #666; } pre { white-space: pre-wrap; background: #fafafa; padding: .5rem; }
iframe { width: 100%; height: 20rem; border: 1px solid #eee; }
"""


def render_inbox(emails: list[JsonObject]) -> str:
    items = "\n".join(_render_email(email) for email in reversed(emails))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sandbox inbox</title>"
        f"<style>{_STYLE}</style></head><body><h1>Sandbox inbox ({len(emails)})</h1>"
        f"{items or '<p>No email sent yet.</p>'}</body></html>"
    )


def _render_email(email: JsonObject) -> str:
    fields = ("ReceivedAt", "From", "To", "Cc", "Subject", "Tag", "MessageStream", "MessageID")
    rows = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(str(email.get(name) or ''))}</dd>" for name in fields
    )
    text = email.get("TextBody")
    html_body = email.get("HtmlBody")
    parts = [f"<article><dl>{rows}</dl>"]
    if text:
        parts.append(f"<h3>Text</h3><pre>{escape(str(text))}</pre>")
    if html_body:
        # The HTML is shown rendered, but inside a sandboxed frame (no scripts, no same-origin)
        # and escaped into the attribute, so the page itself never runs the email's markup.
        parts.append(
            "<h3>HTML</h3>"
            f"<iframe sandbox='' srcdoc=\"{escape(str(html_body), quote=True)}\"></iframe>"
            f"<details><summary>HTML source</summary><pre>{escape(str(html_body))}</pre>"
            "</details>"
        )
    parts.append("</article>")
    return "".join(parts)
