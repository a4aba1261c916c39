"""Discovery's geometry and paging: the radius bounding box, great-circle distance, the cursor.

PostgreSQL here has no cube/earthdistance/PostGIS, so a radius search is two steps: the
bounding box of the circle is matched by a btree on (latitude, longitude) of published events,
then the exact haversine distance drops the corners. The box follows the standard method
(J. P. Matuschek, "Finding Points Within a Distance of a Latitude/Longitude Using Bounding
Coordinates"): it covers every longitude when it reaches a pole and splits in two across the
antimeridian.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, literal, or_, tuple_

from api.errors import ValidationFailed
from db.models import Event

EARTH_RADIUS_MILES = 3958.8


@dataclass(frozen=True)
class BoundingBox:
    """Latitude band plus one or two longitude ranges (two when it crosses ±180°)."""

    min_latitude: float
    max_latitude: float
    longitude_ranges: tuple[tuple[float, float], ...]

    @property
    def all_longitudes(self) -> bool:
        return self.longitude_ranges == ((-180.0, 180.0),)


def bounding_box(latitude: float, longitude: float, radius_miles: float) -> BoundingBox:
    """The smallest lat/lon box that contains every point within `radius_miles`."""
    angular = radius_miles / EARTH_RADIUS_MILES
    lat = math.radians(latitude)
    min_lat, max_lat = lat - angular, lat + angular
    if min_lat <= -math.pi / 2 or max_lat >= math.pi / 2:
        # The circle contains a pole: every meridian passes through it.
        return BoundingBox(
            math.degrees(max(min_lat, -math.pi / 2)),
            math.degrees(min(max_lat, math.pi / 2)),
            ((-180.0, 180.0),),
        )
    ratio = math.sin(angular) / math.cos(lat)
    if ratio >= 1:  # cannot happen when no pole is inside, kept as a guard against rounding
        return BoundingBox(math.degrees(min_lat), math.degrees(max_lat), ((-180.0, 180.0),))
    half_width = math.degrees(math.asin(ratio))
    west, east = longitude - half_width, longitude + half_width
    if half_width >= 180:
        ranges: tuple[tuple[float, float], ...] = ((-180.0, 180.0),)
    elif west < -180:
        ranges = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return BoundingBox(math.degrees(min_lat), math.degrees(max_lat), ranges)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of radius 3958.8 mi (the Python twin of the SQL)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def distance_miles_sql(latitude: float, longitude: float) -> ColumnElement[float]:
    """The haversine distance from a point to each event's location, in SQL."""
    phi1 = func.radians(literal(latitude))
    phi2 = func.radians(Event.latitude)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = func.radians(Event.longitude - literal(longitude)) / 2
    a = func.power(func.sin(half_dphi), 2) + func.cos(phi1) * func.cos(phi2) * func.power(
        func.sin(half_dlambda), 2
    )
    # least() keeps rounding from pushing asin's argument past 1 for antipodal points.
    return 2 * EARTH_RADIUS_MILES * func.asin(func.least(1.0, func.sqrt(a)))


def in_box(box: BoundingBox) -> ColumnElement[bool]:
    """Conditions the (latitude, longitude) index can serve."""
    band = Event.latitude.between(box.min_latitude, box.max_latitude)
    if box.all_longitudes:
        return band
    ranges = [Event.longitude.between(west, east) for west, east in box.longitude_ranges]
    return and_(band, ranges[0] if len(ranges) == 1 else or_(*ranges))


# --- the cursor: an opaque token for the last item's (startsAt, id) --------------------------


def encode_cursor(starts_at: datetime, event_id: str) -> str:
    raw = f"{starts_at.astimezone(UTC).isoformat()}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(startsAt, id) of the last item of the previous page; a 400 naming `cursor` if garbled."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        starts_at_text, event_id = raw.split("|", 1)
        starts_at = datetime.fromisoformat(starts_at_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            "The cursor is not valid.", details={"fields": {"cursor": "not a cursor we issued"}}
        ) from None
    if starts_at.tzinfo is None or not event_id:
        raise ValidationFailed(
            "The cursor is not valid.", details={"fields": {"cursor": "not a cursor we issued"}}
        )
    return starts_at, event_id


def after_cursor(cursor: str | None) -> ColumnElement[bool] | None:
    """Keyset paging: rows strictly after the cursor in (starts_at, id) order, so rows inserted
    between two pages never shift, duplicate or hide the ones already served."""
    if cursor is None:
        return None
    starts_at, event_id = decode_cursor(cursor)
    return tuple_(Event.starts_at, Event.id) > tuple_(literal(starts_at), literal(event_id))
