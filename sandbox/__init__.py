"""Local stand-ins for Stripe, Postmark and Clerk: one HTTP server for `make dev` and the tests.

Start it with `python -m sandbox` (see README.md) or, in tests, `sandbox.testing.running_sandbox`.
"""

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig

__all__ = ["SandboxClient", "SandboxConfig"]
