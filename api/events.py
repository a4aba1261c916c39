"""Events: hosts create drafts, edit, publish and cancel them; everyone signed in discovers them.

Shapes are checked by msgspec (each bad value names its camelCase field); rules that need more
than one field, the clock or the tz database raise `ValidationFailed` naming the field.
State changes are guarded UPDATEs (`WHERE status = :expected`) on a row this request has locked,
so a double click or a concurrent request changes nothing twice.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlalchemy import ColumnElement, Select, func, literal, null, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.discovery import after_cursor, bounding_box, distance_miles_sql, encode_cursor, in_box
from api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from api.gates import require_verified
from api.users import provide_current_user
from db.ids import new_id
from db.models import Event, EventStatus, User

# $1,000: far above what a small social event charges, far below Stripe's per-charge ceiling,
# and a typo guard (an extra zero or two) that a host would thank us for.
MAX_PRICE_CENTS = 100_000
MAX_ATTENDEES = 1000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_RADIUS_MILES = 25.0
MAX_RADIUS_MILES = 100.0

Title = Annotated[str, Meta(min_length=1, max_length=120)]
Description = Annotated[str, Meta(max_length=5000)]
StartsAt = Annotated[datetime, Meta(tz=True, description="RFC 3339 with an offset, in the future")]
TimezoneName = Annotated[
    str, Meta(min_length=1, max_length=64, description="IANA, e.g. Europe/Paris")
]
Attendees = Annotated[int, Meta(ge=1, le=MAX_ATTENDEES)]
PriceCents = Annotated[
    int,
    Meta(
        ge=0, le=MAX_PRICE_CENTS, description="null = the platform fee (RSVP_FEE_CENTS), 0 = free"
    ),
]
Currency = Annotated[str, Meta(pattern="^[a-z]{3}$", description="ISO 4217, lowercase")]
Category = Annotated[str, Meta(min_length=1, max_length=50)]
Tags = Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]], Meta(max_length=10)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]


class EventLocation(Struct, rename="camel"):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    latitude: Latitude
    longitude: Longitude
    address: Annotated[str, Meta(max_length=500)] | None = None


class EventCreate(Struct, rename="camel"):
    title: Title
    starts_at: StartsAt
    timezone: TimezoneName
    location: EventLocation
    max_attendees: Attendees
    min_attendees: Attendees = 1
    description: Description | None = None
    price_cents: PriceCents | None = None
    currency: Currency = "usd"
    category: Category | None = None
    tags: Tags = msgspec.field(default_factory=list)


class EventUpdate(Struct, rename="camel"):
    """Only the fields present change; `null` clears an optional field (priceCents: the fee)."""

    title: Title | UnsetType = UNSET
    starts_at: StartsAt | UnsetType = UNSET
    timezone: TimezoneName | UnsetType = UNSET
    location: EventLocation | UnsetType = UNSET
    max_attendees: Attendees | UnsetType = UNSET
    min_attendees: Attendees | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    price_cents: PriceCents | UnsetType | None = UNSET
    currency: Currency | UnsetType = UNSET
    category: Category | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET


class EventCancel(Struct, rename="camel"):
    reason: Annotated[str, Meta(min_length=1, max_length=1000)]


class EventRead(Struct, rename="camel"):
    id: str
    host_id: str
    title: str
    description: str | None
    starts_at: datetime
    timezone: str
    date: Annotated[str, Meta(description="YYYY-MM-DD in the event's timezone")]
    time: Annotated[str, Meta(description="HH:MM in the event's timezone")]
    location: EventLocation
    max_attendees: int
    min_attendees: int
    price_cents: int | None
    currency: str
    category: str | None
    tags: list[str]
    status: EventStatus
    seats_taken: int
    published_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    # Present on discovery results when the query gave a location.
    distance_miles: float | UnsetType = UNSET

    @classmethod
    def from_model(cls, event: Event, distance_miles: float | None = None) -> EventRead:
        local_start = event.starts_at.astimezone(zoneinfo.ZoneInfo(event.timezone))
        return cls(
            id=event.id,
            host_id=event.host_id,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at.astimezone(UTC),
            timezone=event.timezone,
            date=local_start.strftime("%Y-%m-%d"),
            time=local_start.strftime("%H:%M"),
            location=EventLocation(
                name=event.location_name,
                address=event.location_address,
                latitude=event.latitude,
                longitude=event.longitude,
            ),
            max_attendees=event.max_attendees,
            min_attendees=event.min_attendees,
            price_cents=event.price_cents,
            currency=event.currency,
            category=event.category,
            tags=list(event.tags),
            status=event.status,
            seats_taken=event.seats_taken,
            published_at=event.published_at,
            cancelled_at=event.cancelled_at,
            cancel_reason=event.cancel_reason,
            created_at=event.created_at,
            updated_at=event.updated_at,
            distance_miles=UNSET if distance_miles is None else round(distance_miles, 3),
        )


class EventPage(Struct, rename="camel"):
    items: list[EventRead]
    next_cursor: str | None


# --- validation beyond one field's shape ------------------------------------------------------


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    # Membership in the tz database's list, not ZoneInfo(name): that also accepts file paths.
    return frozenset(zoneinfo.available_timezones())


def _check_rules(
    *,
    timezone: str | None,
    starts_at: datetime | None,
    min_attendees: int,
    max_attendees: int,
) -> None:
    """Cross-field, clock and tz-database rules; all failures reported at once."""
    fields: dict[str, str] = {}
    if timezone is not None and timezone not in _iana_names():
        fields["timezone"] = "not an IANA time zone name, e.g. America/New_York"
    if starts_at is not None and starts_at <= datetime.now(UTC):
        fields["startsAt"] = "must be in the future"
    if min_attendees > max_attendees:
        fields["minAttendees"] = "must not exceed maxAttendees"
    if fields:
        raise ValidationFailed("Some fields are not valid.", details={"fields": fields})


def _columns(data: EventCreate | EventUpdate) -> dict[str, Any]:
    """The struct's present fields as column values; the location spreads over four columns."""
    columns: dict[str, Any] = {}
    for name, value in msgspec.structs.asdict(data).items():
        if value is UNSET:
            continue
        if isinstance(value, EventLocation):
            columns.update(
                location_name=value.name,
                location_address=value.address,
                latitude=value.latitude,
                longitude=value.longitude,
            )
        elif isinstance(value, datetime):
            columns[name] = value.astimezone(UTC)
        else:
            columns[name] = value
    return columns


def _check_published_changes(event: Event, changes: dict[str, Any]) -> None:
    """Attendees paid for a price and a start time: after publishing those are fixed, and
    seats can be added but not taken away."""
    fields: dict[str, str] = {}
    if "price_cents" in changes and changes["price_cents"] != event.price_cents:
        fields["priceCents"] = "is fixed once the event is published"
    if "currency" in changes and changes["currency"] != event.currency:
        fields["currency"] = "is fixed once the event is published"
    if "starts_at" in changes and changes["starts_at"] != event.starts_at:
        fields["startsAt"] = "is fixed once the event is published"
    if changes.get("max_attendees", event.max_attendees) < event.max_attendees:
        fields["maxAttendees"] = "may only grow once the event is published"
    if fields:
        raise Conflict(
            "Published events keep their price and start time, and may only add seats.",
            details={"fields": fields},
        )


# --- reads shared by the routes ---------------------------------------------------------------


async def _visible_event(
    db: AsyncSession, event_id: str, me: User, *, for_update: bool = False
) -> Event:
    """The event if the caller may see it; a draft is its host's alone (404 to anyone else)."""
    statement = select(Event).where(Event.id == event_id)
    if for_update:
        # Held to the end of the request: the checks below and the UPDATE see the same row.
        statement = statement.with_for_update()
    event = await db.scalar(statement.execution_options(populate_existing=True))
    if event is None or (event.status is EventStatus.DRAFT and event.host_id != me.id):
        raise NotFound("No such event.")
    return event


def _require_host(event: Event, me: User) -> None:
    if event.host_id != me.id:
        raise Forbidden("Only the event's host may do this.")


async def _guarded_update(
    db: AsyncSession, event: Event, expected: ColumnElement[bool], **values: Any
) -> Event | None:
    """UPDATE ... WHERE id = :id AND <expected state> RETURNING *; None when the state moved on."""
    statement = (
        update(Event)
        .where(Event.id == event.id, expected)
        .values(**values)
        .returning(Event)
        .execution_options(populate_existing=True)
    )
    updated: Event | None = await db.scalar(statement)
    return updated


def _page(rows: list[Any], limit: int) -> EventPage:
    """`rows` are (Event, distance | None), fetched `limit + 1` to know if a next page exists."""
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last_event = page[-1][0]
        next_cursor = encode_cursor(last_event.starts_at, last_event.id)
    return EventPage(
        items=[EventRead.from_model(event, distance) for event, distance in page],
        next_cursor=next_cursor,
    )


PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, QueryParameter(description="nextCursor of the previous page")]


def discovery_query(
    *,
    latitude: float | None,
    longitude: float | None,
    radius_miles: float,
    categories: list[str] | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    cursor: str | None,
    limit: int,
) -> Select[Event, float | None]:
    """Published, not yet started events in (starts_at, id) order, inside the radius if given.

    The radius becomes a bounding box the (latitude, longitude) index serves, and the exact
    haversine distance then removes the box's corners."""
    distance = (
        distance_miles_sql(latitude, longitude)
        if latitude is not None and longitude is not None
        else null()
    )
    statement = select(Event, distance.label("distance_miles")).where(
        Event.status == EventStatus.PUBLISHED, Event.starts_at > func.now()
    )
    if latitude is not None and longitude is not None:
        box = bounding_box(latitude, longitude, radius_miles)
        statement = statement.where(in_box(box), distance <= literal(radius_miles))
    if categories:
        statement = statement.where(Event.category.in_(categories))
    if starts_from is not None:
        statement = statement.where(Event.starts_at >= starts_from)
    if starts_to is not None:
        statement = statement.where(Event.starts_at <= starts_to)
    position = after_cursor(cursor)
    if position is not None:
        statement = statement.where(position)
    return statement.order_by(Event.starts_at, Event.id).limit(limit + 1)


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed("Some fields are not valid.", details={"fields": {field: reason}})


def _radius(text: str | None) -> float:
    if text is None:
        return DEFAULT_RADIUS_MILES
    try:
        radius = float(text)
    except ValueError:
        raise _invalid("radiusMiles", "must be a number of miles") from None
    if not 0 < radius <= MAX_RADIUS_MILES:  # also rejects nan
        raise _invalid("radiusMiles", f"must be above 0 and at most {MAX_RADIUS_MILES:g}")
    return radius


def _moment(text: str | None, field: str) -> datetime | None:
    """An RFC 3339 time from the query string; without an offset it is read as UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(field, "must be an RFC 3339 time, e.g. 2026-12-03T18:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class EventController(Controller):
    path = "/events"
    tags = ["events"]
    dependencies = {"me": Provide(provide_current_user)}

    @post("/", status_code=201, summary="Create a draft event (verified hosts)")
    async def create(
        self,
        data: JSONBody[EventCreate],
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
    ) -> EventRead:
        require_verified(me)
        _check_rules(
            timezone=data.timezone,
            starts_at=data.starts_at,
            min_attendees=data.min_attendees,
            max_attendees=data.max_attendees,
        )
        statement = (
            insert(Event)
            .values(id=new_id("evt"), host_id=me.id, status=EventStatus.DRAFT, **_columns(data))
            .returning(Event)
        )
        event = await db.scalar(statement)
        assert event is not None  # noqa: S101  # an INSERT ... RETURNING returns its row
        return EventRead.from_model(event)

    @get("/", summary="Discover published events that have not started")
    async def discover(
        self,
        db: NamedDependency[AsyncSession],
        latitude: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
        longitude: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
        # Parameters whose query name is not their Python name are parsed here, so that an
        # error names `radiusMiles` / `from` / `to` as the client wrote them.
        radius_text: Annotated[
            str | None, QueryParameter(name="radiusMiles", description="default 25, at most 100")
        ] = None,
        category: Annotated[list[str] | None, QueryParameter(description="repeatable")] = None,
        from_text: Annotated[
            str | None, QueryParameter(name="from", description="RFC 3339")
        ] = None,
        to_text: Annotated[str | None, QueryParameter(name="to", description="RFC 3339")] = None,
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> EventPage:
        radius_miles = _radius(radius_text)
        starts_from, starts_to = _moment(from_text, "from"), _moment(to_text, "to")
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            raise ValidationFailed(
                "Give both latitude and longitude, or neither.",
                details={"fields": {missing: "required with the other coordinate"}},
            )
        if radius_text is not None and latitude is None:
            raise ValidationFailed(
                "A radius needs a location.",
                details={"fields": {"latitude": "required with radiusMiles", "longitude": "same"}},
            )
        if starts_from and starts_to and starts_from > starts_to:
            raise ValidationFailed(
                "The window ends before it starts.",
                details={"fields": {"to": "must not be before from"}},
            )
        statement = discovery_query(
            latitude=latitude,
            longitude=longitude,
            radius_miles=radius_miles,
            categories=category,
            starts_from=starts_from,
            starts_to=starts_to,
            cursor=cursor,
            limit=limit,
        )
        rows = (await db.execute(statement)).all()
        return _page(list(rows), limit)

    @get("/{event_id:str}", summary="One event (drafts: the host only)")
    async def read(
        self, event_id: FromPath[str], me: NamedDependency[User], db: NamedDependency[AsyncSession]
    ) -> EventRead:
        return EventRead.from_model(await _visible_event(db, event_id, me))

    @patch("/{event_id:str}", summary="Edit an event (host)")
    async def edit(
        self,
        event_id: FromPath[str],
        data: JSONBody[EventUpdate],
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
    ) -> EventRead:
        event = await _visible_event(db, event_id, me, for_update=True)
        _require_host(event, me)
        if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise Conflict(f"A {event.status} event cannot be edited.")
        changes = _columns(data)
        if event.status is EventStatus.PUBLISHED:
            _check_published_changes(event, changes)
        if changes.get("max_attendees", event.max_attendees) < event.seats_taken:
            # The row is locked, so seats_taken cannot grow between this check and the UPDATE.
            raise Conflict(
                "Fewer seats than are already taken.",
                details={"fields": {"maxAttendees": "must not be below seatsTaken"}},
            )
        starts_at = changes.get("starts_at")
        _check_rules(
            timezone=changes.get("timezone"),
            # Only a new start must be in the future: unrelated edits stay possible.
            starts_at=starts_at if starts_at is not None and starts_at != event.starts_at else None,
            min_attendees=changes.get("min_attendees", event.min_attendees),
            max_attendees=changes.get("max_attendees", event.max_attendees),
        )
        if not changes:
            return EventRead.from_model(event)
        updated = await _guarded_update(db, event, Event.status == event.status, **changes)
        assert updated is not None  # noqa: S101  # the row is locked by this transaction
        return EventRead.from_model(updated)

    @post("/{event_id:str}/publish", status_code=200, summary="Publish a draft (verified host)")
    async def publish(
        self, event_id: FromPath[str], me: NamedDependency[User], db: NamedDependency[AsyncSession]
    ) -> EventRead:
        event = await _visible_event(db, event_id, me, for_update=True)
        _require_host(event, me)
        require_verified(me)
        if event.status is not EventStatus.DRAFT:
            raise Conflict(f"The event is already {event.status}; only a draft can be published.")
        if event.starts_at <= datetime.now(UTC):
            raise Conflict(
                "The event's start time has passed; move it before publishing.",
                details={"fields": {"startsAt": "must be in the future to publish"}},
            )
        published = await _guarded_update(
            db,
            event,
            Event.status == EventStatus.DRAFT,
            status=EventStatus.PUBLISHED,
            published_at=func.now(),
        )
        if published is None:
            raise Conflict("The event is no longer a draft.")
        # EventWorkflow starts here (event lifecycle issue)
        return EventRead.from_model(published)

    @post("/{event_id:str}/cancel", status_code=202, summary="Cancel an event (host)")
    async def cancel(
        self,
        event_id: FromPath[str],
        data: JSONBody[EventCancel],
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
    ) -> EventRead:
        event = await _visible_event(db, event_id, me, for_update=True)
        _require_host(event, me)
        cancellable = (EventStatus.DRAFT, EventStatus.PUBLISHED)
        if event.status not in cancellable:
            raise Conflict(f"The event is already {event.status}.")
        cancelled = await _guarded_update(
            db,
            event,
            Event.status.in_(cancellable),
            status=EventStatus.CANCELLED,
            cancel_reason=data.reason,
            cancelled_at=func.now(),
        )
        if cancelled is None:
            raise Conflict("The event can no longer be cancelled.")
        # Refunds and emails to every RSVP are fanned out by EventWorkflow (later issue).
        return EventRead.from_model(cancelled)


class HostedEventController(Controller):
    path = "/users/me/events"
    tags = ["events"]
    dependencies = {"me": Provide(provide_current_user)}

    @get("/", summary="The caller's hosted events, every status, by start time")
    async def list_hosted(
        self,
        me: NamedDependency[User],
        db: NamedDependency[AsyncSession],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> EventPage:
        statement = select(Event, null().label("distance_miles")).where(Event.host_id == me.id)
        position = after_cursor(cursor)
        if position is not None:
            statement = statement.where(position)
        statement = statement.order_by(Event.starts_at, Event.id).limit(limit + 1)
        rows = (await db.execute(statement)).all()
        return _page(list(rows), limit)
