"""Bearer tokens through HTTP: every kind of bad access token is answered 401 with
`WWW-Authenticate: Bearer error="invalid_token"` where a token is needed, and ignored by the
public operations, which answer as for an anonymous caller."""

from __future__ import annotations

import base64
import json
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import Response
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy import delete

from graphql_api import security
from graphql_api.config import Settings
from graphql_api.models import Role, User
from tests.helpers import Account, Api, GraphQLResult

ME = "{ me { id } }"
WRONG_KEY = "a-completely-different-secret-key-that-is-long-enough-0123456789ab"


@pytest.fixture(autouse=True)
def no_tracebacks(api: Api) -> None:
    async def check(response: Response) -> None:
        await response.aread()
        assert "Traceback" not in response.text

    api.client.event_hooks["response"].append(check)


def settings_of(api: Api) -> Settings:
    settings: Settings = api.app.state.settings
    return settings


def claims(settings: Settings, user_id: int, **overrides: Any) -> dict[str, Any]:
    """The claims of a valid access token (as graphql_api.security issues them), overridden;
    an override of None drops the claim."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=15),
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def forge(
    settings: Settings,
    user_id: int,
    *,
    key: str | None = None,
    algorithm: str | None = None,
    typ: str | None = security.ACCESS_TOKEN_TYPE,
    **overrides: Any,
) -> str:
    with warnings.catch_warnings():
        # HS512 with the (62-byte) test key: PyJWT warns that the key is short for SHA-512.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(
            claims(settings, user_id, **overrides),
            settings.secret_key if key is None else key,
            algorithm=algorithm or settings.algorithm,
            headers={"typ": typ},  # a None typ leaves the header out
        )


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_invalid_token(result: GraphQLResult) -> None:
    assert result.status == 401, result
    assert result.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert result.code == "UNAUTHENTICATED"
    assert not (result.data or {}).get("me")


async def me_with(api: Api, token: str) -> GraphQLResult:
    return await api.gql(ME, token=token)


# --- the control: a forged-but-correct token is accepted -----------------------------------------


async def test_a_token_built_like_the_server_builds_it_is_accepted(api: Api) -> None:
    """Guards the forgeries below: each differs from this one in one respect only."""
    account = await api.user()
    result = await me_with(api, forge(settings_of(api), account.id))
    assert result.ok()["me"]["id"] == account.gid


async def test_an_issued_token_is_accepted(api: Api) -> None:
    account = await api.user()
    assert (await me_with(api, account.token)).ok()["me"]["id"] == account.gid


# --- bad tokens on `me` --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "Bearer", "eyJhbGciOiJIUzI1NiJ9", "not base64!.x.y", "x" * 4000],
)
async def test_malformed_token_is_401(api: Api, token: str) -> None:
    assert_invalid_token(await me_with(api, token))


async def test_empty_bearer_is_401(api: Api) -> None:
    result = await api.gql(ME, headers={"Authorization": "Bearer "})
    assert_invalid_token(result)


async def test_alg_none_token_is_401(api: Api) -> None:
    account = await api.user()
    header = {"alg": "none", "typ": security.ACCESS_TOKEN_TYPE}
    payload = claims(settings_of(api), account.id)
    for name in ("iat", "nbf", "exp"):
        payload[name] = int(payload[name].timestamp())
    token = f"{b64(header)}.{b64(payload)}."
    assert_invalid_token(await me_with(api, token))


async def test_alg_none_token_built_by_pyjwt_is_401(api: Api) -> None:
    account = await api.user()
    token = jwt.encode(
        claims(settings_of(api), account.id),
        None,
        algorithm="none",
        headers={"typ": security.ACCESS_TOKEN_TYPE},
    )
    assert_invalid_token(await me_with(api, token))


async def test_token_signed_with_another_key_is_401(api: Api) -> None:
    account = await api.user()
    assert_invalid_token(await me_with(api, forge(settings_of(api), account.id, key=WRONG_KEY)))


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_token_with_another_hmac_algorithm_and_the_right_key_is_401(
    api: Api, algorithm: str
) -> None:
    settings = settings_of(api)
    assert settings.algorithm == "HS256"
    account = await api.user()
    assert_invalid_token(await me_with(api, forge(settings, account.id, algorithm=algorithm)))


async def test_expired_token_is_401(api: Api) -> None:
    account = await api.user()
    past = datetime.now(UTC) - timedelta(hours=1)
    token = forge(
        settings_of(api), account.id, iat=past, nbf=past, exp=past + timedelta(minutes=15)
    )
    assert_invalid_token(await me_with(api, token))


async def test_a_token_accepted_before_is_refused_once_it_expires(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are remembered (security._verified); their expiry is checked on every
    request all the same."""
    account = await api.user()
    now = datetime.now(UTC)
    token = forge(settings_of(api), account.id, iat=now, nbf=now, exp=now + timedelta(seconds=60))
    for _ in range(2):  # the second is answered from what the first verified
        assert (await me_with(api, token)).ok()["me"]["id"] == account.gid
    monkeypatch.setattr(security, "_clock", lambda: now.timestamp() + 66)
    assert_invalid_token(await me_with(api, token))


async def test_token_just_past_expiry_beyond_leeway_is_401(api: Api) -> None:
    account = await api.user()
    now = datetime.now(UTC)
    token = forge(
        settings_of(api),
        account.id,
        iat=now - timedelta(minutes=16),
        nbf=now - timedelta(minutes=16),
        exp=now - timedelta(minutes=1),
    )
    assert_invalid_token(await me_with(api, token))


async def test_token_not_yet_valid_is_401(api: Api) -> None:
    account = await api.user()
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert_invalid_token(await me_with(api, forge(settings_of(api), account.id, nbf=later)))


async def test_token_issued_in_the_future_is_401(api: Api) -> None:
    account = await api.user()
    later = datetime.now(UTC) + timedelta(minutes=10)
    token = forge(settings_of(api), account.id, iat=later, nbf=later)
    assert_invalid_token(await me_with(api, token))


async def test_token_from_another_issuer_is_401(api: Api) -> None:
    account = await api.user()
    assert_invalid_token(await me_with(api, forge(settings_of(api), account.id, iss="evil")))


async def test_token_for_another_audience_is_401(api: Api) -> None:
    account = await api.user()
    assert_invalid_token(
        await me_with(api, forge(settings_of(api), account.id, aud="another-service"))
    )


@pytest.mark.parametrize("claim", ["sub", "exp", "iat", "jti", "iss", "aud"])
async def test_token_missing_a_required_claim_is_401(api: Api, claim: str) -> None:
    account = await api.user()
    token = forge(settings_of(api), account.id, **{claim: None})
    assert_invalid_token(await me_with(api, token))


@pytest.mark.parametrize("sub", ["abc", "-1", "1.5", ""])
async def test_token_with_a_non_numeric_subject_is_401(api: Api, sub: str) -> None:
    await api.user()
    assert_invalid_token(await me_with(api, forge(settings_of(api), 0, sub=sub)))


async def test_token_with_a_numeric_subject_claim_is_401(api: Api) -> None:
    account = await api.user()
    payload = claims(settings_of(api), account.id)
    payload["sub"] = account.id  # RFC 7519: `sub` is a string
    token = jwt.encode(
        payload,
        settings_of(api).secret_key,
        algorithm="HS256",
        headers={"typ": security.ACCESS_TOKEN_TYPE},
    )
    assert_invalid_token(await me_with(api, token))


@pytest.mark.parametrize("typ", [None, "JWT", "rt+jwt", "AT+JWT-other"])
async def test_token_without_the_access_token_typ_header_is_401(api: Api, typ: str | None) -> None:
    account = await api.user()
    assert_invalid_token(await me_with(api, forge(settings_of(api), account.id, typ=typ)))


async def test_tampered_payload_is_401(api: Api) -> None:
    victim = await api.user(Role.ADMIN)
    attacker = await api.user()
    header, _payload, signature = attacker.token.split(".")
    payload = claims(settings_of(api), victim.id)
    for name in ("iat", "nbf", "exp"):
        payload[name] = int(payload[name].timestamp())
    assert_invalid_token(await me_with(api, f"{header}.{b64(payload)}.{signature}"))


async def test_tampered_signature_is_401(api: Api) -> None:
    account = await api.user()
    header, payload, signature = account.token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_invalid_token(await me_with(api, f"{header}.{payload}.{flipped}"))


async def test_refresh_token_used_as_access_token_is_401(api: Api) -> None:
    registered = await api.gql(
        """mutation { register(input: {email: "ada@example.com", password: "s3cret-password",
            fullName: "Ada"}) { refreshToken } }"""
    )
    refresh_token = registered.ok()["register"]["refreshToken"]
    assert_invalid_token(await me_with(api, refresh_token))


async def test_token_for_a_nonexistent_user_is_401(api: Api) -> None:
    await api.user()
    assert_invalid_token(await me_with(api, forge(settings_of(api), 99999)))


async def test_token_of_a_deleted_user_is_401(api: Api) -> None:
    account = await api.user()
    async with api.db.write() as session, session.begin():
        await session.execute(delete(User).where(User.id == account.id))
    assert_invalid_token(await me_with(api, account.token))


@pytest.mark.parametrize("scheme", ["Basic dXNlcjpwYXNz", "Token abc", "bearer", "Bearer"])
async def test_non_bearer_authorization_header_is_401(api: Api, scheme: str) -> None:
    result = await api.gql(ME, headers={"Authorization": scheme})
    assert_invalid_token(result)


async def test_basic_credentials_with_a_valid_token_inside_are_401(api: Api) -> None:
    account = await api.user()
    result = await api.gql(ME, headers={"Authorization": f"Basic {account.token}"})
    assert_invalid_token(result)


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    account = await api.user()
    result = await api.gql(ME, headers={"Authorization": f"bearer {account.token}"})
    assert result.ok()["me"]["id"] == account.gid


async def test_invalid_token_on_a_protected_mutation_is_401(api: Api) -> None:
    result = await api.gql(
        """mutation { changePassword(input: {currentPassword: "x-password",
            newPassword: "y-password"}) }""",
        token="garbage",
    )
    assert result.status == 401
    assert result.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert result.code == "UNAUTHENTICATED"


async def test_invalid_token_with_get_is_401(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": ME}, headers={"Authorization": "Bearer garbage"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_token_is_not_401(api: Api) -> None:
    result = await api.gql(ME)
    assert result.status == 200
    assert result.code == "UNAUTHENTICATED"
    assert "www-authenticate" not in result.response.headers


# --- public operations ignore an invalid token ---------------------------------------------------


def invalid_tokens(api: Api, account: Account) -> list[str]:
    settings = settings_of(api)
    past = datetime.now(UTC) - timedelta(hours=1)
    return [
        "garbage",
        forge(settings, account.id, iat=past, nbf=past, exp=past + timedelta(minutes=15)),
        forge(settings, account.id, key=WRONG_KEY),
    ]


async def test_slots_with_an_invalid_token_answer_as_anonymous(api: Api) -> None:
    staff = await api.user(Role.STAFF)
    slot = await api.create_slot(staff)
    for token in invalid_tokens(api, staff):
        result = await api.gql("{ slots { totalCount edges { node { id } } } }", token=token)
        assert result.status == 200
        assert result.ok()["slots"]["edges"][0]["node"]["id"] == slot["id"]
        one = await api.gql(
            "query($id: ID!) { slot(id: $id) { id } }", {"id": slot["id"]}, token=token
        )
        assert one.ok()["slot"]["id"] == slot["id"]


async def test_register_and_login_with_an_invalid_token_answer_as_anonymous(api: Api) -> None:
    account = await api.user()
    for n, token in enumerate(invalid_tokens(api, account)):
        email = f"person{n}@example.com"
        registered = await api.gql(
            """mutation($email: String!) { register(input: {email: $email,
                password: "s3cret-password", fullName: "Person"}) { accessToken user { id } } }""",
            {"email": email},
            token=token,
        )
        assert registered.status == 200
        assert registered.ok()["register"]["accessToken"]
        logged_in = await api.gql(
            """mutation($email: String!) { login(input: {email: $email,
                password: "s3cret-password"}) { accessToken user { id } } }""",
            {"email": email},
            token=token,
        )
        assert logged_in.status == 200
        assert logged_in.ok()["login"]["user"]["id"] == registered.ok()["register"]["user"]["id"]


async def test_refresh_and_logout_with_an_expired_access_token_answer_as_anonymous(
    api: Api,
) -> None:
    registered = await api.gql(
        """mutation { register(input: {email: "ada@example.com", password: "s3cret-password",
            fullName: "Ada"}) { accessToken refreshToken user { id } } }"""
    )
    payload = registered.ok()["register"]
    account = await api.user()
    expired, *_ = invalid_tokens(api, account)[1:]
    refreshed = await api.gql(
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
        {"t": payload["refreshToken"]},
        token=expired,
    )
    assert refreshed.status == 200
    new = refreshed.ok()["refreshToken"]
    assert (await me_with(api, new["accessToken"])).ok()["me"]["id"] == payload["user"]["id"]
    logged_out = await api.gql(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        {"t": new["refreshToken"]},
        token="garbage",
    )
    assert logged_out.status == 200
    assert logged_out.ok()["logout"] is True


async def test_a_public_and_a_protected_field_together_are_401(api: Api) -> None:
    """A field of the operation needed the token: the whole answer is 401, public data kept."""
    result = await api.gql("{ slots { totalCount } me { id } }", token="garbage")
    assert result.status == 401
    assert result.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert result.codes == ["UNAUTHENTICATED"]
