"""Injected failures: a share of one service's API calls is delayed or answers an error."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Literal

SERVICES = ("stripe", "postmark")
When = Literal["before", "after"]


@dataclass(frozen=True)
class FaultRule:
    service: str
    rate: float
    statuses: tuple[int, ...] = (500, 429)
    delay_ms: int = 0
    # "after": the call is processed and stored, then fails, like a response lost on the wire.
    when: When = "before"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "service": data["service"],
            "rate": data["rate"],
            "statuses": list(data["statuses"]),
            "delayMs": data["delay_ms"],
            "when": data["when"],
        }


@dataclass(frozen=True)
class Fault:
    """What happens to one call: sleep `delay_ms`, then answer `status` (None: answer normally)."""

    status: int | None
    delay_ms: int
    when: When


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        # Seedable, so a test of retry behaviour sees the same failures on every run.
        self._rng = random.Random(seed)  # noqa: S311 - not cryptographic
        self._rules: dict[str, FaultRule] = {}

    def set(self, rule: FaultRule, seed: int | None = None) -> None:
        if rule.service not in SERVICES:
            raise ValueError(f"unknown service {rule.service!r}; expected one of {SERVICES}")
        if not 0.0 <= rule.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if rule.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        if seed is not None:
            self._rng.seed(seed)
        self._rules[rule.service] = rule

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        return list(self._rules.values())

    def draw(self, service: str) -> Fault | None:
        rule = self._rules.get(service)
        if rule is None or self._rng.random() >= rule.rate:
            return None
        status = self._rng.choice(rule.statuses) if rule.statuses else None
        return Fault(status=status, delay_ms=rule.delay_ms, when=rule.when)
