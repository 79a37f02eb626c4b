"""Accounts through HTTP: register, login, refresh rotation, logout, password change, `me`,
the ADMIN-only user list, role changes and user visibility through `node`."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

from graphql_api.graphql.schema import ids
from graphql_api.models import Role
from tests.helpers import (
    QUICK_PASSWORD,
    Account,
    Api,
    GraphQLResult,
    every_page,
    future,
    iso,
    node_ids,
)

PASSWORD = "s3cret-password"

AUTH_FIELDS = "accessToken refreshToken tokenType expiresIn user { id email fullName role }"
REGISTER = f"""mutation($input: RegisterInput!) {{ register(input: $input) {{ {AUTH_FIELDS} }} }}"""
LOGIN = f"""mutation($input: LoginInput!) {{ login(input: $input) {{ {AUTH_FIELDS} }} }}"""
REFRESH = f"""mutation($t: String!) {{ refreshToken(refreshToken: $t) {{ {AUTH_FIELDS} }} }}"""
LOGOUT = "mutation($t: String!) { logout(refreshToken: $t) }"
CHANGE_PASSWORD = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }"
ME = "{ me { id email fullName role } }"
USERS = """query($first: Int, $after: String, $filter: UserFilter) {
    users(first: $first, after: $after, filter: $filter) {
        totalCount
        edges { cursor node { id email fullName role } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }"""
SET_ROLE = "mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }"
USER_NODE = "query($id: ID!) { node(id: $id) { id ... on User { email fullName role } } }"


@pytest.fixture(autouse=True)
def no_tracebacks(api: Api) -> None:
    """Every response of every test in this file is checked: no stack trace ever leaks."""

    async def check(response: Response) -> None:
        await response.aread()
        assert "Traceback" not in response.text

    api.client.event_hooks["response"].append(check)


# --- helpers ---------------------------------------------------------------------------------


async def register(
    api: Api, email: str, password: str = PASSWORD, full_name: str = "Ada Lovelace"
) -> GraphQLResult:
    return await api.gql(
        REGISTER, {"input": {"email": email, "password": password, "fullName": full_name}}
    )


async def login(api: Api, email: str, password: str = PASSWORD) -> GraphQLResult:
    return await api.gql(LOGIN, {"input": {"email": email, "password": password}})


async def refresh(api: Api, token: str) -> GraphQLResult:
    return await api.gql(REFRESH, {"t": token})


async def signed_up(api: Api, email: str = "ada@example.com") -> dict[str, Any]:
    payload: dict[str, Any] = (await register(api, email)).ok()["register"]
    return payload


async def signed_in(api: Api, email: str = "ada@example.com") -> dict[str, Any]:
    payload: dict[str, Any] = (await login(api, email)).ok()["login"]
    return payload


async def user_count(api: Api, admin: Account) -> int:
    count: int = (await api.gql(USERS, token=admin.token)).ok()["users"]["totalCount"]
    return count


async def change_password(api: Api, token: str, current: str, new: str) -> GraphQLResult:
    return await api.gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": current, "newPassword": new}},
        token=token,
    )


# --- register --------------------------------------------------------------------------------


async def test_register_creates_a_customer_and_returns_bearer_tokens(api: Api) -> None:
    payload = await signed_up(api, "new.person@example.com")
    assert payload["tokenType"] == "Bearer"
    assert payload["expiresIn"] == 900
    assert payload["accessToken"] and payload["refreshToken"]
    assert payload["user"]["role"] == "CUSTOMER"
    assert payload["user"]["fullName"] == "Ada Lovelace"
    assert payload["user"]["email"].lower() == "new.person@example.com"
    me = (await api.gql(ME, token=payload["accessToken"])).ok()["me"]
    assert me["id"] == payload["user"]["id"]


async def test_register_then_login_with_the_same_password(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    assert (await login(api, "ada@example.com")).ok()["login"]["user"]["role"] == "CUSTOMER"


async def test_register_email_taken_case_insensitively_is_conflict(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    result = await register(api, "ADA@Example.COM")
    assert result.code == "CONFLICT"
    assert result.status == 200


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "a b@example.com", ""])
async def test_register_bad_email_is_bad_user_input(api: Api, email: str) -> None:
    assert (await register(api, email)).code == "BAD_USER_INPUT"


@pytest.mark.parametrize("length", [0, 7, 129])
async def test_register_password_out_of_bounds_is_bad_user_input(api: Api, length: int) -> None:
    assert (await register(api, "ada@example.com", "p" * length)).code == "BAD_USER_INPUT"


@pytest.mark.parametrize("length", [8, 128])
async def test_register_password_at_bounds_is_accepted(api: Api, length: int) -> None:
    password = "p" * length
    (await register(api, "ada@example.com", password)).ok()
    assert (await login(api, "ada@example.com", password)).ok()["login"]["accessToken"]


async def test_register_blank_full_name_is_bad_user_input(api: Api) -> None:
    assert (await register(api, "ada@example.com", full_name="   ")).code == "BAD_USER_INPUT"


async def test_failed_registrations_write_nothing(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    await signed_up(api, "ada@example.com")
    before = await user_count(api, admin)
    failures = [
        await register(api, "Ada@example.com"),
        await register(api, "bad email"),
        await register(api, "short@example.com", "1234567"),
        await register(api, "long@example.com", "x" * 129),
        await register(api, "noname@example.com", full_name=""),
    ]
    assert [f.code for f in failures] == [
        "CONFLICT",
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
    ]
    assert all(f.data is None for f in failures)
    assert await user_count(api, admin) == before
    # The refused addresses were not reserved.
    (await register(api, "short@example.com")).ok()
    assert await user_count(api, admin) == before + 1


# --- login -----------------------------------------------------------------------------------


async def test_login_returns_tokens_for_the_account(api: Api) -> None:
    registered = await signed_up(api)
    payload = await signed_in(api)
    assert payload["tokenType"] == "Bearer"
    assert payload["expiresIn"] == 900
    assert payload["user"]["id"] == registered["user"]["id"]
    assert payload["refreshToken"] != registered["refreshToken"]
    me = (await api.gql(ME, token=payload["accessToken"])).ok()["me"]
    assert me["id"] == registered["user"]["id"]


async def test_login_email_is_case_insensitive(api: Api) -> None:
    registered = await signed_up(api, "ada@example.com")
    payload = (await login(api, "  ADA@Example.Com ")).ok()["login"]
    assert payload["user"]["id"] == registered["user"]["id"]


async def test_wrong_password_and_unknown_email_fail_alike(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    wrong_password = await login(api, "ada@example.com", "not-the-password")
    unknown_email = await login(api, "nobody@example.com", PASSWORD)
    assert wrong_password.code == unknown_email.code == "UNAUTHENTICATED"
    assert wrong_password.errors[0]["message"] == unknown_email.errors[0]["message"]
    assert wrong_password.status == unknown_email.status == 200
    assert wrong_password.data is None and unknown_email.data is None


async def test_login_with_malformed_email_is_unauthenticated(api: Api) -> None:
    assert (await login(api, "not an email", PASSWORD)).code == "UNAUTHENTICATED"


# --- login rate limit ------------------------------------------------------------------------


async def test_sixth_failed_login_is_rate_limited_with_retry_after(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    for _ in range(5):
        assert (await login(api, "ada@example.com", "wrong-password")).code == "UNAUTHENTICATED"
    limited = await login(api, "ada@example.com", "wrong-password")
    assert limited.code == "RATE_LIMITED"
    retry_after = limited.errors[0]["extensions"]["retryAfter"]
    assert isinstance(retry_after, int)
    assert 0 < retry_after <= 15 * 60


async def test_correct_password_is_refused_while_rate_limited(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    for _ in range(5):
        await login(api, "ada@example.com", "wrong-password")
    result = await login(api, "ada@example.com", PASSWORD)
    assert result.code == "RATE_LIMITED"
    assert result.data is None


async def test_rate_limit_counts_email_case_insensitively(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    for email in ("ada@example.com", "ADA@example.com", "Ada@Example.com", "aDa@example.COM"):
        await login(api, email, "wrong-password")
    await login(api, "ada@example.com", "wrong-password")
    assert (await login(api, "ADA@EXAMPLE.COM", PASSWORD)).code == "RATE_LIMITED"


async def test_rate_limit_is_per_email(api: Api) -> None:
    await signed_up(api, "ada@example.com")
    await signed_up(api, "grace@example.com")
    for _ in range(6):
        await login(api, "ada@example.com", "wrong-password")
    assert (await login(api, "grace@example.com")).ok()["login"]["accessToken"]


async def test_aliased_logins_in_one_document_cannot_beat_the_limit(api: Api) -> None:
    """Six aliased failing logins per document: every attempt the server makes counts, so the
    sixth attempt overall is RATE_LIMITED. (`login` is non-null, so per the GraphQL spec a serial
    mutation document stops at its first failing field; the test holds either way.)"""
    await signed_up(api, "ada@example.com")
    fields = " ".join(
        f'a{i}: login(input: {{email: "ada@example.com", password: "wrong-password"}}) '
        "{ accessToken }"
        for i in range(1, 7)
    )
    attempts: list[str] = []
    for _ in range(6):
        result = await api.gql(f"mutation {{ {fields} }}")
        assert result.data is None
        paths = [e["path"][0] for e in result.errors]
        assert paths == sorted(paths)
        attempts += result.codes
        if "RATE_LIMITED" in attempts:
            break
    assert attempts[:6] == ["UNAUTHENTICATED"] * 5 + ["RATE_LIMITED"]
    assert (await login(api, "ada@example.com")).code == "RATE_LIMITED"


# --- refreshToken ----------------------------------------------------------------------------


async def test_refresh_rotates_tokens(api: Api) -> None:
    first = await signed_up(api)
    rotated = (await refresh(api, first["refreshToken"])).ok()["refreshToken"]
    assert rotated["refreshToken"] != first["refreshToken"]
    assert rotated["accessToken"] != first["accessToken"]
    assert rotated["tokenType"] == "Bearer"
    assert rotated["expiresIn"] == 900
    assert rotated["user"]["id"] == first["user"]["id"]
    me = (await api.gql(ME, token=rotated["accessToken"])).ok()["me"]
    assert me["id"] == first["user"]["id"]
    # The successor rotates in turn.
    assert (await refresh(api, rotated["refreshToken"])).ok()["refreshToken"]["accessToken"]


async def test_refresh_token_stops_working_once_rotated(api: Api) -> None:
    first = await signed_up(api)
    (await refresh(api, first["refreshToken"])).ok()
    again = await refresh(api, first["refreshToken"])
    assert again.code == "UNAUTHENTICATED"
    assert again.data is None


async def test_reusing_a_rotated_token_revokes_the_whole_family(api: Api) -> None:
    first = await signed_up(api)
    second = (await refresh(api, first["refreshToken"])).ok()["refreshToken"]
    third = (await refresh(api, second["refreshToken"])).ok()["refreshToken"]
    assert (await refresh(api, first["refreshToken"])).code == "UNAUTHENTICATED"
    # The newest token of that family is now revoked too.
    assert (await refresh(api, third["refreshToken"])).code == "UNAUTHENTICATED"


async def test_reuse_detection_leaves_other_sessions_alone(api: Api) -> None:
    first = await signed_up(api)
    other = await signed_in(api)
    (await refresh(api, first["refreshToken"])).ok()
    assert (await refresh(api, first["refreshToken"])).code == "UNAUTHENTICATED"
    assert (await refresh(api, other["refreshToken"])).ok()["refreshToken"]["accessToken"]


@pytest.mark.parametrize("garbage", ["", "garbage", "x" * 500, "eyJhbGciOiJIUzI1NiJ9.e30.x"])
async def test_garbage_refresh_token_is_unauthenticated(api: Api, garbage: str) -> None:
    result = await refresh(api, garbage)
    assert result.code == "UNAUTHENTICATED"
    assert result.data is None


async def test_access_token_is_not_a_refresh_token(api: Api) -> None:
    first = await signed_up(api)
    assert (await refresh(api, first["accessToken"])).code == "UNAUTHENTICATED"


# --- logout ----------------------------------------------------------------------------------


async def test_logout_returns_true_and_revokes_the_family(api: Api) -> None:
    first = await signed_up(api)
    second = (await refresh(api, first["refreshToken"])).ok()["refreshToken"]
    result = await api.gql(LOGOUT, {"t": second["refreshToken"]})
    assert result.ok()["logout"] is True
    assert (await refresh(api, second["refreshToken"])).code == "UNAUTHENTICATED"


async def test_logout_leaves_other_sessions_alone(api: Api) -> None:
    first = await signed_up(api)
    other = await signed_in(api)
    (await api.gql(LOGOUT, {"t": first["refreshToken"]})).ok()
    assert (await refresh(api, other["refreshToken"])).ok()["refreshToken"]["accessToken"]


async def test_logout_with_an_unknown_token_answers_a_boolean(api: Api) -> None:
    result = await api.gql(LOGOUT, {"t": "garbage"})
    assert isinstance(result.ok()["logout"], bool)


async def test_logout_twice_answers_a_boolean(api: Api) -> None:
    first = await signed_up(api)
    assert (await api.gql(LOGOUT, {"t": first["refreshToken"]})).ok()["logout"] is True
    assert isinstance((await api.gql(LOGOUT, {"t": first["refreshToken"]})).ok()["logout"], bool)


# --- changePassword --------------------------------------------------------------------------


async def test_change_password_with_wrong_current_is_unauthenticated(api: Api) -> None:
    account = await signed_up(api)
    result = await change_password(api, account["accessToken"], "wrong-current", "new-password-1")
    assert result.code == "UNAUTHENTICATED"
    assert result.data is None
    # Nothing changed: the old password and the session still work.
    assert (await login(api, "ada@example.com")).ok()
    assert (await refresh(api, account["refreshToken"])).ok()


@pytest.mark.parametrize("length", [7, 129])
async def test_change_password_new_out_of_bounds_is_bad_user_input(api: Api, length: int) -> None:
    account = await signed_up(api)
    result = await change_password(api, account["accessToken"], PASSWORD, "n" * length)
    assert result.code == "BAD_USER_INPUT"
    assert (await login(api, "ada@example.com")).ok()


async def test_change_password_needs_a_token(api: Api) -> None:
    result = await api.gql(
        CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, "newPassword": "new-password-1"}}
    )
    assert result.code == "UNAUTHENTICATED"


async def test_change_password_revokes_every_refresh_token(api: Api) -> None:
    first = await signed_up(api)
    second = await signed_in(api)
    result = await change_password(api, second["accessToken"], PASSWORD, "new-password-1")
    assert result.ok()["changePassword"] is True
    assert (await refresh(api, first["refreshToken"])).code == "UNAUTHENTICATED"
    assert (await refresh(api, second["refreshToken"])).code == "UNAUTHENTICATED"


async def test_change_password_ends_old_access_tokens(api: Api) -> None:
    first = await signed_up(api)
    second = await signed_in(api)
    (await change_password(api, second["accessToken"], PASSWORD, "new-password-1")).ok()
    for token in (first["accessToken"], second["accessToken"]):
        result = await api.gql(ME, token=token)
        assert result.status == 401
        assert result.code == "UNAUTHENTICATED"


async def test_change_password_of_a_quick_user_ends_its_token(api: Api) -> None:
    account = await api.user()
    (await change_password(api, account.token, QUICK_PASSWORD, "new-password-1")).ok()
    assert (await api.gql(ME, token=account.token)).status == 401


async def test_after_change_password_only_the_new_password_logs_in(api: Api) -> None:
    account = await signed_up(api)
    (await change_password(api, account["accessToken"], PASSWORD, "new-password-1")).ok()
    assert (await login(api, "ada@example.com", PASSWORD)).code == "UNAUTHENTICATED"
    fresh = (await login(api, "ada@example.com", "new-password-1")).ok()["login"]
    me = (await api.gql(ME, token=fresh["accessToken"])).ok()["me"]
    assert me["id"] == account["user"]["id"]
    assert (await refresh(api, fresh["refreshToken"])).ok()


# --- me --------------------------------------------------------------------------------------


async def test_me_with_a_token(api: Api) -> None:
    account = await api.user(Role.STAFF, name="Stella Staff")
    me = (await api.gql(ME, token=account.token)).ok()["me"]
    assert me == {
        "id": account.gid,
        "email": account.email,
        "fullName": "Stella Staff",
        "role": "STAFF",
    }


async def test_me_without_a_token_is_unauthenticated_with_http_200(api: Api) -> None:
    result = await api.gql(ME)
    assert result.status == 200
    assert result.code == "UNAUTHENTICATED"
    assert "www-authenticate" not in result.response.headers


# --- users (ADMIN) ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF])
async def test_users_is_forbidden_below_admin(api: Api, role: Role) -> None:
    account = await api.user(role)
    result = await api.gql(USERS, token=account.token)
    assert result.code == "FORBIDDEN"
    assert result.status == 200


async def test_users_anonymous_is_unauthenticated(api: Api) -> None:
    result = await api.gql(USERS)
    assert result.code == "UNAUTHENTICATED"
    assert result.status == 200


async def test_admin_lists_users_with_total_count(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    customer = await api.user(Role.CUSTOMER)
    staff = await api.user(Role.STAFF)
    users = (await api.gql(USERS, token=admin.token)).ok()["users"]
    assert users["totalCount"] == 3
    listed = {e["node"]["id"]: e["node"] for e in users["edges"]}
    assert set(listed) == {admin.gid, customer.gid, staff.gid}
    # An admin sees every email.
    assert listed[customer.gid]["email"] == customer.email


async def test_admin_filters_users_by_role(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    staff = [await api.user(Role.STAFF) for _ in range(2)]
    await api.user(Role.CUSTOMER)
    users = (await api.gql(USERS, {"filter": {"role": "STAFF"}}, token=admin.token)).ok()["users"]
    assert users["totalCount"] == 2
    assert {e["node"]["id"] for e in users["edges"]} == {s.gid for s in staff}
    assert {e["node"]["role"] for e in users["edges"]} == {"STAFF"}


async def test_admin_searches_users_by_name_case_insensitively(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    zelda = await api.user(name="Zelda Quux")
    await api.user(name="Someone Else")
    users = (await api.gql(USERS, {"filter": {"search": "qUUX"}}, token=admin.token)).ok()["users"]
    assert users["totalCount"] == 1
    assert [e["node"]["id"] for e in users["edges"]] == [zelda.gid]


async def test_admin_searches_users_by_email_case_insensitively(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    registered = await signed_up(api, "unique.person@sample.org")
    await api.user(name="Someone Else")
    users = (
        await api.gql(USERS, {"filter": {"search": "UNIQUE.Person@SAMPLE"}}, token=admin.token)
    ).ok()["users"]
    assert users["totalCount"] == 1
    assert [e["node"]["id"] for e in users["edges"]] == [registered["user"]["id"]]


async def test_user_search_treats_wildcards_literally(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    await api.user(name="Plain Name")
    for search in ("%", "_"):
        users = (await api.gql(USERS, {"filter": {"search": search}}, token=admin.token)).ok()
        assert users["users"]["totalCount"] == 0


async def test_admin_combines_role_filter_and_search(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    wanted = await api.user(Role.STAFF, name="Nina Nurse")
    await api.user(Role.CUSTOMER, name="Nina Patient")
    variables = {"filter": {"role": "STAFF", "search": "nina"}}
    users = (await api.gql(USERS, variables, token=admin.token)).ok()["users"]
    assert users["totalCount"] == 1
    assert [e["node"]["id"] for e in users["edges"]] == [wanted.gid]


async def test_users_pagination_has_no_gaps_or_repeats(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    everyone = {admin.gid} | {(await api.user()).gid for _ in range(7)}

    async def page(after: str | None) -> dict[str, Any]:
        variables = {"first": 3, "after": after}
        users: dict[str, Any] = (await api.gql(USERS, variables, token=admin.token)).ok()["users"]
        return users

    pages = await every_page(page, most=10)
    for number, users in enumerate(pages):
        assert users["totalCount"] == 8
        assert len(users["edges"]) <= 3
        info = users["pageInfo"]
        assert info["hasPreviousPage"] is (number > 0)
        if users["edges"]:
            assert info["endCursor"] == users["edges"][-1]["cursor"]
            assert info["startCursor"] == users["edges"][0]["cursor"]
    assert len(pages) == 3
    seen = node_ids(pages)
    assert len(seen) == len(set(seen)) == 8
    assert set(seen) == everyone


async def test_users_first_over_100_is_bad_user_input(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    result = await api.gql(USERS, {"first": 101}, token=admin.token)
    assert result.code == "BAD_USER_INPUT"
    assert (await api.gql(USERS, {"first": 100}, token=admin.token)).ok()


async def test_users_bad_cursor_is_bad_user_input(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    assert (await api.gql(USERS, {"after": "%%%"}, token=admin.token)).code == "BAD_USER_INPUT"


# --- setUserRole -----------------------------------------------------------------------------


async def test_admin_promotes_a_customer_to_staff(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    customer = await api.user()
    result = await api.gql(SET_ROLE, {"id": customer.gid, "role": "STAFF"}, token=admin.token)
    assert result.ok()["setUserRole"] == {"id": customer.gid, "role": "STAFF"}


async def test_promotion_applies_to_the_existing_access_token_at_once(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    customer = await api.user()
    # Before: a customer may not create slots.
    starts = future(48)
    slot_input = {
        "title": "Flu vaccination",
        "startsAt": iso(starts),
        "endsAt": iso(future(49)),
        "capacity": 3,
    }
    create_slot = "mutation($input: CreateSlotInput!) { createSlot(input: $input) { id } }"
    assert (await api.gql(create_slot, {"input": slot_input}, token=customer.token)).code == (
        "FORBIDDEN"
    )
    (await api.gql(SET_ROLE, {"id": customer.gid, "role": "STAFF"}, token=admin.token)).ok()
    assert (await api.gql(ME, token=customer.token)).ok()["me"]["role"] == "STAFF"
    assert (await api.gql(create_slot, {"input": slot_input}, token=customer.token)).ok()
    assert (await api.gql(USERS, token=customer.token)).code == "FORBIDDEN"


async def test_demotion_applies_to_the_existing_access_token_at_once(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    other_admin = await api.user(Role.ADMIN)
    assert (await api.gql(USERS, token=other_admin.token)).ok()
    (await api.gql(SET_ROLE, {"id": other_admin.gid, "role": "CUSTOMER"}, token=admin.token)).ok()
    assert (await api.gql(USERS, token=other_admin.token)).code == "FORBIDDEN"


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF])
async def test_set_user_role_below_admin_is_forbidden(api: Api, role: Role) -> None:
    caller = await api.user(role)
    target = await api.user()
    result = await api.gql(SET_ROLE, {"id": target.gid, "role": "ADMIN"}, token=caller.token)
    assert result.code == "FORBIDDEN"
    assert (await api.gql(ME, token=target.token)).ok()["me"]["role"] == "CUSTOMER"


async def test_set_user_role_anonymous_is_unauthenticated(api: Api) -> None:
    target = await api.user()
    assert (await api.gql(SET_ROLE, {"id": target.gid, "role": "ADMIN"})).code == (
        "UNAUTHENTICATED"
    )


@pytest.mark.parametrize("role", ["CUSTOMER", "STAFF"])
async def test_demoting_the_last_admin_is_conflict(api: Api, role: str) -> None:
    admin = await api.user(Role.ADMIN)
    result = await api.gql(SET_ROLE, {"id": admin.gid, "role": role}, token=admin.token)
    assert result.code == "CONFLICT"
    assert (await api.gql(ME, token=admin.token)).ok()["me"]["role"] == "ADMIN"


async def test_an_admin_may_be_demoted_while_another_remains(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    other = await api.user(Role.ADMIN)
    result = await api.gql(SET_ROLE, {"id": admin.gid, "role": "STAFF"}, token=other.token)
    assert result.ok()["setUserRole"]["role"] == "STAFF"
    # Now `other` is the last one.
    result = await api.gql(SET_ROLE, {"id": other.gid, "role": "STAFF"}, token=other.token)
    assert result.code == "CONFLICT"


async def test_setting_the_last_admin_to_admin_is_allowed(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    result = await api.gql(SET_ROLE, {"id": admin.gid, "role": "ADMIN"}, token=admin.token)
    assert result.ok()["setUserRole"]["role"] == "ADMIN"


@pytest.mark.parametrize("bad_id", ["not-an-id", "", "VXNlcjphYmM", ids.encode("BookingSlot", 1)])
async def test_set_user_role_bad_global_id_is_bad_user_input(api: Api, bad_id: str) -> None:
    admin = await api.user(Role.ADMIN)
    result = await api.gql(SET_ROLE, {"id": bad_id, "role": "STAFF"}, token=admin.token)
    assert result.code == "BAD_USER_INPUT"


async def test_set_user_role_unknown_user_is_not_found(api: Api) -> None:
    admin = await api.user(Role.ADMIN)
    result = await api.gql(
        SET_ROLE, {"id": ids.encode("User", 99999), "role": "STAFF"}, token=admin.token
    )
    assert result.code == "NOT_FOUND"


# --- node(id:) for a User --------------------------------------------------------------------


async def test_node_resolves_a_user_with_a_token(api: Api) -> None:
    viewer = await api.user()
    other = await api.user(Role.STAFF, name="Stella Staff")
    node = (await api.gql(USER_NODE, {"id": other.gid}, token=viewer.token)).ok()["node"]
    assert node["id"] == other.gid
    assert node["fullName"] == "Stella Staff"
    assert node["role"] == "STAFF"


async def test_node_user_needs_a_token(api: Api) -> None:
    other = await api.user()
    result = await api.gql(USER_NODE, {"id": other.gid})
    assert result.code == "UNAUTHENTICATED"
    assert not (result.data or {}).get("node")


async def test_customer_sees_null_email_of_another_user(api: Api) -> None:
    viewer = await api.user()
    other = await api.user()
    node = (await api.gql(USER_NODE, {"id": other.gid}, token=viewer.token)).ok()["node"]
    assert node["email"] is None


async def test_customer_sees_own_email_through_node(api: Api) -> None:
    viewer = await api.user()
    node = (await api.gql(USER_NODE, {"id": viewer.gid}, token=viewer.token)).ok()["node"]
    assert node["email"] == viewer.email


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
async def test_staff_sees_email_of_another_user(api: Api, role: Role) -> None:
    viewer = await api.user(role)
    other = await api.user()
    node = (await api.gql(USER_NODE, {"id": other.gid}, token=viewer.token)).ok()["node"]
    assert node["email"] == other.email


async def test_node_unknown_user_is_not_found(api: Api) -> None:
    viewer = await api.user()
    result = await api.gql(USER_NODE, {"id": ids.encode("User", 99999)}, token=viewer.token)
    assert result.code == "NOT_FOUND"
