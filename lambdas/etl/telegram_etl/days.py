"""Which days a run processes: D-1 of a scheduled event, one given day, or a backfill range."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_BACKFILL_DAYS = 366


class BadRequest(ValueError):
    """An invocation payload the ETL cannot act on."""


def days_to_process(event: dict[str, Any], timezone: ZoneInfo) -> list[date]:
    if "date" in event:
        return [_day(event["date"], "date")]
    if "start_date" in event or "end_date" in event:
        start, end = _day(event.get("start_date"), "start_date"), _day(event.get("end_date"), "end_date")
        if end < start:
            raise BadRequest(f"end_date {end} is before start_date {start}")
        count = (end - start).days + 1
        if count > MAX_BACKFILL_DAYS:
            raise BadRequest(f"backfill of {count} days; split it into ranges of at most {MAX_BACKFILL_DAYS}")
        return [start + timedelta(days=offset) for offset in range(count)]
    if "time" in event:
        return [previous_day(_instant(event["time"]), timezone)]
    raise BadRequest(
        'expected a scheduled event (with "time"), {"date": ...} or {"start_date": ..., "end_date": ...}'
    )


def is_scheduled(event: dict[str, Any]) -> bool:
    """The daily schedule's event (which also re-runs recent days that received late data), not a run
    of given days (those run exactly what they name)."""
    return "time" in event and "date" not in event and "start_date" not in event and "end_date" not in event


def previous_day(instant: datetime, timezone: ZoneInfo) -> date:
    """D-1: the day before the local date of `instant` in `timezone`."""
    return instant.astimezone(timezone).date() - timedelta(days=1)


def _day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be YYYY-MM-DD, got {value!r}") from None


def _instant(value: Any) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"time must be an ISO 8601 instant, got {value!r}") from None
    if instant.tzinfo is None:
        raise BadRequest(f"time must carry a UTC offset, got {value!r}")
    return instant
