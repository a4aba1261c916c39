"""Workflow ids are business keys: the API, the webhooks and the tests all build them here,
so starting a workflow twice for one thing finds the one already running."""


def verification_id(user_id: str) -> str:
    return f"verification:{user_id}"


def rsvp_id(event_id: str, user_id: str) -> str:
    return f"rsvp:{event_id}:{user_id}"


def invitation_id(invitation_id: str) -> str:
    return f"invitation:{invitation_id}"


def event_id(event_id: str) -> str:
    return f"event:{event_id}"
