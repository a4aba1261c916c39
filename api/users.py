"""Users and onboarding: the caller's own profile, created once per Clerk subject."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.auth import Claims
from api.errors import Conflict, NotFound
from api.user_workflows import end_user_workflows
from db.ids import new_id
from db.models import ActiveRole, User, UserStatus, VerificationStatus

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Email = Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
PhoneE164 = Annotated[
    str, Meta(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, e.g. +14155550123")
]
Bio = Annotated[str, Meta(max_length=500)]
Url = Annotated[str, Meta(max_length=2048, pattern=r"^https?://\S+$")]
Interests = Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]], Meta(max_length=20)]


class Location(Struct, rename="camel"):
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    city: Annotated[str, Meta(max_length=100)] | None = None
    state: Annotated[str, Meta(max_length=100)] | None = None


class UserCreate(Struct, rename="camel"):
    first_name: Name
    last_name: Name | None = None
    email: Email | None = None
    phone_number: PhoneE164 | None = None
    bio: Bio | None = None
    profile_image_url: Url | None = None
    interests: Interests = msgspec.field(default_factory=list)
    location: Location | None = None


class UserUpdate(Struct, rename="camel"):
    """Only the fields present change; `null` clears an optional field."""

    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET
    phone_number: PhoneE164 | UnsetType | None = UNSET
    bio: Bio | UnsetType | None = UNSET
    profile_image_url: Url | UnsetType | None = UNSET
    interests: Interests | UnsetType = UNSET
    location: Location | UnsetType | None = UNSET
    active_role: ActiveRole | UnsetType = UNSET
    status: Annotated[str, Meta(pattern="^(active|paused)$")] | UnsetType = UNSET


class UserRead(Struct, rename="camel"):
    id: str
    clerk_user_id: str
    email: str | None
    phone_number: str | None
    first_name: str
    last_name: str | None
    bio: str | None
    profile_image_url: str | None
    interests: list[str]
    location: Location | None
    is_verified: bool
    verification_status: VerificationStatus
    active_role: ActiveRole
    status: UserStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, user: User) -> UserRead:
        return cls(
            id=user.id,
            clerk_user_id=user.clerk_user_id,
            email=user.email,
            phone_number=user.phone_number,
            first_name=user.first_name,
            last_name=user.last_name,
            bio=user.bio,
            profile_image_url=user.profile_image_url,
            interests=list(user.interests),
            location=msgspec.convert(user.location, Location) if user.location else None,
            is_verified=user.is_verified,
            verification_status=user.verification_status,
            active_role=user.active_role,
            status=user.status,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


def _columns(data: UserCreate | UserUpdate) -> dict[str, Any]:
    """The struct's present fields as column values (snake_case, nested structs as dicts)."""
    return {
        name: msgspec.to_builtins(value) if isinstance(value, Struct) else value
        for name, value in msgspec.structs.asdict(data).items()
        if value is not UNSET
    }


async def provide_current_user(
    db: NamedDependency[AsyncSession], claims: NamedDependency[Claims]
) -> User:
    """The caller's profile; later routes depend on it to know who is acting."""
    user = await db.scalar(
        select(User).where(User.clerk_user_id == claims.sub, User.status != UserStatus.DELETED)
    )
    if user is None:
        raise NotFound("You have no profile yet; create it with POST /v1/users.")
    return user


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    dependencies = {"me": Provide(provide_current_user)}

    @post("/", status_code=201, summary="Create the caller's profile")
    async def create(
        self,
        data: JSONBody[UserCreate],
        claims: NamedDependency[Claims],
        db: NamedDependency[AsyncSession],
    ) -> UserRead:
        # ON CONFLICT makes two concurrent creates give one 201 and one 409, never a 500.
        statement = (
            insert(User)
            .values(id=new_id("usr"), clerk_user_id=claims.sub, **_columns(data))
            .on_conflict_do_nothing(index_elements=[User.clerk_user_id])
            .returning(User)
        )
        user = await db.scalar(statement)
        if user is None:
            raise Conflict("User already exists.")
        return UserRead.from_model(user)

    @get("/me", summary="The caller's profile")
    async def read(self, me: NamedDependency[User]) -> UserRead:
        return UserRead.from_model(me)

    @patch("/me", summary="Edit the caller's profile")
    async def edit(
        self,
        data: JSONBody[UserUpdate],
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
    ) -> UserRead:
        changes = _columns(data)
        if changes:
            user = await db.scalar(
                update(User).where(User.id == me.id).values(**changes).returning(User)
            )
            assert user is not None  # noqa: S101  # the row was read in this transaction
            return UserRead.from_model(user)
        return UserRead.from_model(me)

    @delete("/me", status_code=204, summary="Delete the caller's profile")
    async def remove(
        self,
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
        temporal: NamedDependency[Client],
    ) -> None:
        await db.execute(update(User).where(User.id == me.id).values(status=UserStatus.DELETED))
        await end_user_workflows(temporal, me.id, "profile deleted")
