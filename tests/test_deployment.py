"""docker-compose.yml and the Dockerfile agree with the code (there is no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from settings import Settings

ROOT = Path(__file__).parent.parent
# Optional alternatives: one of the two Clerk key sources is enough.
OPTIONAL = {"CLERK_JWKS_URL", "CLERK_JWT_KEY"}


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_of_the_production_topology() -> None:
    services = compose()["services"]
    assert {"postgres", "temporal", "temporal-ui", "api", "worker"} <= services.keys()
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["temporal"]["environment"]["DB"].startswith("postgres")
    assert services["api"]["command"] == ["python", "-m", "api"]
    assert services["worker"]["command"] == ["python", "worker.py"]
    for name in ("postgres", "temporal", "api"):
        assert "healthcheck" in services[name], name


def test_app_services_set_every_setting_and_nothing_else() -> None:
    names = {field.upper() for field in Settings.model_fields}
    for service in ("api", "worker"):
        environment = compose()["services"][service]["environment"]
        assert set(environment) == names, service
        for name, value in environment.items():
            if name not in OPTIONAL:
                assert value not in (None, ""), name


def test_the_image_contains_every_top_level_module() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (.+?) \./?\S*$", dockerfile, re.MULTILINE))
    copied_words = {word for line in copied for word in line.split()}
    for package in ("api", "workflows", "activities", "db"):
        assert package in copied_words
    for module in ("settings.py", "worker.py", "logs.py"):
        assert module in copied_words
