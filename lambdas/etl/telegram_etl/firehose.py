"""The firehose raw layout: batched objects of many records, written by Kinesis Data Firehose.

Each object under `firehose/context_date=D/` holds records, one line each (the ingest Lambda writes
them, telegram_ingest/firehose.py):
    {"received_at": <epoch ms>, "update_id": <int>, "body": "<the request body, as text>"}\n
or, when the body is not valid UTF-8, "body_b64" (standard base64) in place of "body": either way the
body comes back byte for byte. D is Firehose's arrival day of the object's OLDEST record in the stage's
time zone (CustomTimeZone), so near midnight a record may sit in the previous or the next day's prefix.

A record belongs to the day it reached API Gateway (received_at), like an object of the object layout,
except when it is found later than the run of that day could see it (record_day). The run of day D
therefore reads the whole prefix D, the objects of D-1 delivered after D began, and the objects of D+1
delivered less than LATE_WINDOW after D+1 began; every record is counted by exactly one run.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from telegram_etl.storage import Storage, StoredObject

try:
    import orjson
except ImportError:  # pragma: no cover - bundled into the Lambda's asset; the stdlib parser otherwise
    orjson = None  # type: ignore[assignment]

FIREHOSE_PREFIX = "firehose"
# A record received just before midnight reaches Firehose within API Gateway's 29 s, and its object is
# delivered within the buffering interval (at most 900 s) after its oldest record: 30 minutes covers
# both with room for a slow delivery. Beyond it a record counts on the later day (never lost).
LATE_WINDOW = timedelta(minutes=30)
MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: any later arrival time is no date


class BadRecord(ValueError):
    """A line that is not a record of ours: quarantined alone."""


class Record(NamedTuple):  # a tuple: made once per record, ~3x cheaper than a frozen dataclass
    received_ms: int
    update_id: int
    body: bytes


def decode_record(line: bytes) -> Record:
    """A line of a firehose object back into the original body, its arrival time and its update_id."""
    try:
        item: Any = orjson.loads(line) if orjson is not None else json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        try:  # orjson refuses some JSON the standard library reads (e.g. NaN); the format never has it
            item = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadRecord("not a JSON line") from None
    if type(item) is not dict:  # a parser's dict, never a subclass
        raise BadRecord("not a JSON object")
    received, update_id, text = item.get("received_at"), item.get("update_id"), item.get("body")
    # a parser's ints, not bools (nor any other subclass)
    if type(received) is not int or type(update_id) is not int or not 0 <= received <= MAX_EPOCH_MS:
        raise BadRecord("received_at or update_id missing or not an integer")
    if type(text) is str:  # a parser's str, never a subclass
        try:
            body = text.encode()  # UTF-8
        except UnicodeEncodeError:
            raise BadRecord("body holds a lone surrogate") from None
    elif isinstance(item.get("body_b64"), str):
        try:
            body = base64.b64decode(item["body_b64"], validate=True)
        except (binascii.Error, ValueError):
            raise BadRecord("body_b64 is not base64") from None
    else:
        raise BadRecord("neither body nor body_b64")
    return Record(received, update_id, body)  # (received_ms, update_id, body)


def lines(body: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, line) of an object, blank lines skipped (each record ends with a newline).
    One line at a time: a 64 MiB object is not copied whole into a list of lines."""
    start, number = 0, 0
    while start < len(body):
        end = body.find(b"\n", start)
        if end < 0:
            end = len(body)
        number += 1
        line = body[start:end]
        if line.strip():
            yield number, line
        start = end + 1


def day_start(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone)


def local_day(epoch_ms: int, timezone: ZoneInfo) -> date:
    # A record's day is one datetime per record, ~0.7 µs; the records of an object come in arrival order,
    # many a second, so the last second's day is kept. Exact: a time zone's offsets and transitions are
    # whole seconds (TZif), so every instant of one epoch second has the same local date.
    global _LAST_DAY
    second = epoch_ms // 1000
    last_second, last_zone, last_day = _LAST_DAY
    if second == last_second and timezone is last_zone:
        return last_day
    day = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone).date()
    _LAST_DAY = (second, timezone, day)  # one tuple: a thread sees the old one or the new one, whole
    return day


_LAST_DAY: tuple[int | None, ZoneInfo | None, date] = (None, None, date.min)


def record_day(received_day: date, prefix_day: date, delivered: datetime, timezone: ZoneInfo) -> date:
    """The day a record counts on: its arrival day, unless that day's run may have missed it (a record of
    the day before a prefix's day, delivered LATE_WINDOW or more after that day began, or any arrival
    day further off than one day, e.g. a wrong clock): then the prefix's day, whose run reads it."""
    if received_day == prefix_day or received_day == prefix_day + timedelta(days=1):
        return received_day
    in_time = delivered < day_start(prefix_day, timezone) + LATE_WINDOW
    if received_day == prefix_day - timedelta(days=1) and in_time:
        return received_day
    return prefix_day


def prefix_of(day: date) -> str:
    return f"{FIREHOSE_PREFIX}/context_date={day.isoformat()}/"


def objects_for(
    storage: Storage, bucket: str, day: date, timezone: ZoneInfo
) -> Iterator[tuple[StoredObject, date]]:
    """(object, its prefix's day) of every firehose object that may hold a record of `day`."""
    begins, after = day_start(day, timezone), day_start(day + timedelta(days=1), timezone)
    for obj in storage.list_objects(bucket, prefix_of(day - timedelta(days=1))):
        if obj.last_modified >= begins:  # delivered after `day` began: may hold some of its records
            yield obj, day - timedelta(days=1)
    for obj in storage.list_objects(bucket, prefix_of(day)):
        yield obj, day
    for obj in storage.list_objects(bucket, prefix_of(day + timedelta(days=1))):
        if obj.last_modified < after + LATE_WINDOW:
            yield obj, day + timedelta(days=1)


def update_ids_of_day(storage: Storage, bucket: str, day: date, timezone: ZoneInfo) -> Iterator[int]:
    """The update ids of the records that count on `day` (the envelope's, not the body's: no body is
    parsed). Lines that are not records are skipped here: the run of their own day quarantines them."""
    for obj, prefix_day in objects_for(storage, bucket, day, timezone):
        for _, line in lines(storage.get(bucket, obj.key)):
            try:
                record = decode_record(line)
            except BadRecord:
                continue
            received = local_day(record.received_ms, timezone)
            if record_day(received, prefix_day, obj.last_modified, timezone) == day:
                yield record.update_id
