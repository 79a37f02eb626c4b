"""Password hashing and tokens: pure functions, no I/O."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from passlib.context import CryptContext

from graphql_api.config import Settings
from graphql_api.lru import LRU

# argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
_pwd_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Verified when the email is unknown, so a login takes as long either way.
DUMMY_HASH = _pwd_context.hash(secrets.token_urlsafe(16))

ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 `typ`: an access token cannot pass for anything else
_REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti", "iss", "aud"]
_jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})


def hash_password(password: str) -> str:
    return str(_pwd_context.hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-work check: with no hash (unknown user) a dummy hash is verified, False
    returned."""
    if password_hash is None:
        _pwd_context.verify(password, DUMMY_HASH)
        return False
    try:
        return bool(_pwd_context.verify(password, password_hash))
    except ValueError:
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return bool(_pwd_context.needs_update(password_hash))


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    jti: str
    issued_at: datetime
    expires_at: datetime
    version: int


def create_access_token(
    settings: Settings, user_id: int, *, version: int = 0, now: datetime | None = None
) -> str:
    now = now or datetime.now(UTC)
    payload = {
        "sub": str(user_id),
        # Sub-second (a NumericDate may be fractional): a password change refuses every token
        # issued before it, also one issued earlier within the same second.
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=settings.access_token_expire_minutes),
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "ver": version,
    }
    return _jwt.encode(
        payload,
        settings.secret_key,
        algorithm=settings.algorithm,
        headers={"typ": ACCESS_TOKEN_TYPE},
    )


_LEEWAY_SECONDS = 5
# Tokens whose signature and claims were verified, by (token, the settings that verified it):
# a client sends the same token with every request, and HMAC verification plus claim checks
# are ~2% of a small query. Time-bound claims are checked again on every use.
_verified: LRU[tuple[str, str, str, str, str], tuple[AccessClaims, float]] = LRU(4096)
_clock = time.time  # the tests move it forward instead of sleeping


def decode_access_token(settings: Settings, token: str) -> AccessClaims | None:
    """The claims of a valid access token, or None for anything else (never raises)."""
    key = (
        token,
        settings.secret_key,
        settings.algorithm,
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    known = _verified.get(key)
    if known is not None:
        claims, not_before = known
        now = _clock()
        if not_before - _LEEWAY_SECONDS <= now <= claims.expires_at.timestamp() + _LEEWAY_SECONDS:
            return claims
        _verified.pop(key)
        return None
    claims_and_nbf = _decode_access_token(settings, token)
    if claims_and_nbf is None:
        return None
    _verified.put(key, claims_and_nbf)
    return claims_and_nbf[0]


def _decode_access_token(settings: Settings, token: str) -> tuple[AccessClaims, float] | None:
    try:
        decoded = _jwt.decode_complete(
            token,
            settings.secret_key,
            algorithms=[settings.algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED_CLAIMS},
            leeway=_LEEWAY_SECONDS,
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if decoded["header"].get("typ") != ACCESS_TOKEN_TYPE:
        return None
    payload = decoded["payload"]
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub.isdigit():
        return None
    version = payload.get("ver", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        return None
    claims = AccessClaims(
        user_id=int(sub),
        jti=str(payload["jti"]),
        issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        version=version,
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
    )
    return claims, float(payload.get("nbf", float("-inf")))  # PyJWT checked it is a number


def new_refresh_token() -> str:
    """An opaque 256-bit token; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # A fast hash is right here: the token is 256 random bits, nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
