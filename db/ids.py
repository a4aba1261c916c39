"""Prefixed, random resource ids (`usr_…`), readable in logs and unguessable in URLs."""

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"
