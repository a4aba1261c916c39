"""`running_sandbox()`: the sandbox as a subprocess for a test session or a script."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_sandbox(
    config: SandboxConfig, *, startup_timeout: float = 20.0
) -> Iterator[SandboxClient]:
    """Starts `python -m sandbox` on `config.port`, yields a client, and stops it on exit."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed argv
        [sys.executable, "-m", "sandbox", *config.to_argv()],
    )
    client = SandboxClient(config.base_url)
    try:
        deadline = time.monotonic() + startup_timeout
        while not client.health():
            if process.poll() is not None:
                raise RuntimeError(f"sandbox exited with code {process.returncode} at start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"sandbox did not answer on {config.base_url}")
            time.sleep(0.05)
        yield client
    finally:
        client.close()
        # SIGTERM lets uvicorn run the shutdown hook, which saves the snapshot.
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
