"""`python -m sandbox [--port N] [--data-dir DIR] [--stripe-webhook-url URL ...]`."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig


async def serve(config: SandboxConfig) -> None:
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        # A dev and test tool with fixed secrets: never reachable from another machine.
        raise SystemExit("the sandbox binds to the loopback interface only")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host=config.host,
            port=config.port,
            log_level="warning",
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    # uvicorn exposes no event for "sockets bound", only this flag.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if server.started:
        print(f"sandbox listening on {config.base_url}", flush=True)
    await task


def main(argv: list[str] | None = None) -> None:
    config = SandboxConfig.from_argv(argv)
    try:
        asyncio.run(serve(config))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
