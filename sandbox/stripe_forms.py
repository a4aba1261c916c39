"""Stripe's form encoding: `metadata[user_id]=u1`, `expand[0]=x`, `expand[]=x` to nested values."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Keys under these are user data, so numeric keys there never turn into list indexes.
_MAPS = frozenset({"metadata"})


def parse_form(body: bytes | str) -> dict[str, Any]:
    text = body.decode() if isinstance(body, bytes) else body
    root: dict[str, Any] = {}
    appended: dict[int, int] = {}  # id(container) -> next index for `key[]`
    for raw_key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(raw_key)
        if match is None:
            root[raw_key] = value
            continue
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        node = root
        for depth, part in enumerate(path):
            if part == "":
                part = str(appended.get(id(node), 0))
                appended[id(node)] = int(part) + 1
            if depth == len(path) - 1:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):  # `a=1&a[b]=2`: the nested form wins
                    child = node[part] = {}
                node = child
    return {key: _listify(key, value) for key, value in root.items()}


def _listify(name: str, value: Any) -> Any:
    """Turns `{"0": a, "1": b}` into `[a, b]`, the way Stripe reads indexed arrays."""
    if not isinstance(value, dict):
        return value
    children = {key: _listify(key, child) for key, child in value.items()}
    if name not in _MAPS and children and all(key.isdigit() for key in children):
        return [children[key] for key in sorted(children, key=int)]
    return children
