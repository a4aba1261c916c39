"""Clerk session tokens: RS256 only, our issuer, an allowed `azp`, `exp`/`nbf` with 5 s leeway.

Keys come from `CLERK_JWT_KEY` (PEM) or from `CLERK_JWKS_URL`, cached by PyJWKClient and
refetched once on an unknown `kid`. The fetch is blocking, so it runs on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
import structlog
from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.errors import Unauthorized
from settings import Settings

LEEWAY_SECONDS = 5
OPERATOR_ROLE = "operator"


@dataclass(frozen=True)
class Claims:
    """Who is calling: the verified token's subject and role."""

    sub: str
    role: str | None = None
    session_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR_ROLE


class ClerkTokenVerifier:
    def __init__(self, settings: Settings):
        self._issuer = settings.clerk_issuer
        self._authorized_parties = set(settings.clerk_authorized_parties)
        self._static_key = settings.clerk_jwt_key
        self._jwks = (
            jwt.PyJWKClient(settings.clerk_jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.clerk_jwks_url and not settings.clerk_jwt_key
            else None
        )

    async def verify(self, token: str) -> Claims:
        try:
            key = await self._signing_key(token)
            payload = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The session token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("The session token is not valid yet.") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("The session token was not issued by our Clerk instance.") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise Unauthorized("The session token is not valid.") from None
        azp = payload.get("azp")
        if azp is not None and azp not in self._authorized_parties:
            raise Unauthorized("The session token was issued to an unknown party.")
        return Claims(
            sub=str(payload["sub"]), role=payload.get("role"), session_id=payload.get("sid")
        )

    async def _signing_key(self, token: str) -> Any:
        if self._static_key:
            return self._static_key
        if self._jwks is None:
            raise Unauthorized()
        # Refuse anything but RS256 before any key is looked up (or fetched).
        if jwt.get_unverified_header(token).get("alg") != "RS256":
            raise jwt.InvalidAlgorithmError("only RS256 is accepted")
        signing_key = await to_thread.run_sync(self._jwks.get_signing_key_from_jwt, token)
        return signing_key.key


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the Clerk session token as `Authorization: Bearer <token>`.")
    return token.strip()


class ClerkAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Puts the caller's `Claims` on `request.user` for every route it guards."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        verifier: ClerkTokenVerifier = connection.app.state.token_verifier
        claims = await verifier.verify(bearer_token(connection.headers.get("authorization")))
        structlog.contextvars.bind_contextvars(user_id=claims.sub)
        return AuthenticationResult(user=claims, auth=None)


def provide_claims(request: Request[Any, Any, Any]) -> Claims:
    claims: Claims = request.user
    return claims
