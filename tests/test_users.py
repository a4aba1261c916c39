"""The users API: the caller's own profile, as API.md says."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.support import assert_error

SignUp = Callable[..., Awaitable[tuple[dict[str, str], dict[str, Any]]]]


async def test_create_read_edit_delete(api: httpx.AsyncClient, signed_up: SignUp) -> None:
    headers, user = await signed_up(
        firstName="Ada",
        lastName="Lovelace",
        phoneNumber="+14155550123",
        bio="Engines.",
        interests=["math", "poetry"],
        location={"latitude": 51.5, "longitude": -0.12, "city": "London", "state": "ENG"},
    )
    assert user["id"].startswith("usr_")
    assert user["clerkUserId"].startswith("user_")
    assert user["isVerified"] is False
    assert user["verificationStatus"] == "not_started"
    assert user["activeRole"] == "social"
    assert user["status"] == "active"
    assert user["createdAt"].endswith("Z")
    assert user["location"]["city"] == "London"

    read = await api.get("/v1/users/me", headers=headers)
    assert read.status_code == 200
    assert read.json() == user

    edited = await api.patch(
        "/v1/users/me",
        json={
            "bio": "Analytical engines.",
            "lastName": None,
            "activeRole": "host",
            "status": "paused",
        },
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["bio"], body["lastName"], body["activeRole"], body["status"]) == (
        "Analytical engines.", None, "host", "paused",
    )  # fmt: skip
    assert body["firstName"] == "Ada"  # absent fields are left alone
    assert body["updatedAt"] >= user["updatedAt"]

    deleted = await api.delete("/v1/users/me", headers=headers)
    assert deleted.status_code == 204
    assert_error(await api.get("/v1/users/me", headers=headers), 404, "NOT_FOUND")


async def test_creating_twice_is_a_conflict(api: httpx.AsyncClient, signed_up: SignUp) -> None:
    headers, _ = await signed_up()
    again = await api.post("/v1/users", json={"firstName": "Ada"}, headers=headers)
    error = assert_error(again, 409, "CONFLICT")
    assert error["message"] == "User already exists."


async def test_concurrent_creates_give_one_201_and_one_409(
    api: httpx.AsyncClient, token: Callable[..., str], new_subject: Callable[[], str]
) -> None:
    headers = {"Authorization": f"Bearer {token(new_subject())}"}
    responses = await asyncio.gather(
        *(api.post("/v1/users", json={"firstName": "Twin"}, headers=headers) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [201, 409]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "firstName"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": "A" * 101}, "firstName"),
        ({"firstName": "Ada", "bio": "x" * 501}, "bio"),
        ({"firstName": "Ada", "phoneNumber": "415-555-0123"}, "phoneNumber"),
        ({"firstName": "Ada", "email": "not-an-email"}, "email"),
        ({"firstName": "Ada", "interests": [f"i{n}" for n in range(21)]}, "interests"),
        ({"firstName": "Ada", "profileImageUrl": "javascript:alert(1)"}, "profileImageUrl"),
        ({"firstName": "Ada", "location": {"latitude": 91, "longitude": 0}}, "location.latitude"),
        (
            {"firstName": "Ada", "location": {"latitude": 0, "longitude": -181}},
            "location.longitude",
        ),
    ],
)
async def test_validation_limits(
    api: httpx.AsyncClient,
    token: Callable[..., str],
    new_subject: Callable[[], str],
    body: dict[str, Any],
    field: str,
) -> None:
    headers = {"Authorization": f"Bearer {token(new_subject())}"}
    response = await api.post("/v1/users", json=body, headers=headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"], error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "deleted"}, "status"),
        ({"activeRole": "admin"}, "activeRole"),
        ({"firstName": None}, "firstName"),
        ({"bio": "x" * 501}, "bio"),
    ],
)
async def test_patch_validation(
    api: httpx.AsyncClient, signed_up: SignUp, body: dict[str, Any], field: str
) -> None:
    headers, _ = await signed_up()
    error = assert_error(
        await api.patch("/v1/users/me", json=body, headers=headers), 400, "VALIDATION_ERROR"
    )
    assert field in error["details"]["fields"]


async def test_routes_need_a_profile(
    api: httpx.AsyncClient, token: Callable[..., str], new_subject: Callable[[], str]
) -> None:
    headers = {"Authorization": f"Bearer {token(new_subject())}"}
    assert_error(await api.get("/v1/users/me", headers=headers), 404, "NOT_FOUND")
    assert_error(
        await api.patch("/v1/users/me", json={"bio": "x"}, headers=headers), 404, "NOT_FOUND"
    )
    assert_error(await api.delete("/v1/users/me", headers=headers), 404, "NOT_FOUND")
