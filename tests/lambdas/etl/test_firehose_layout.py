"""The ETL over the firehose raw layout, alone and mixed with the object layout (in-memory storage)."""

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telegram_etl import firehose, job
from telegram_etl.firehose import BadRecord, decode_record, record_day
from telegram_etl.job import part_key, process_day
from telegram_etl.storage import StoredObject
from telegram_ingest.firehose import encode_record
from tests.helpers import UPDATE_FILES

ZONE = ZoneInfo("America/Sao_Paulo")
DAY = date(2025, 3, 10)
NOON = datetime(2025, 3, 10, 12, tzinfo=ZONE)


class StampedStorage:
    """In-memory storage whose objects keep the LastModified they were given (Firehose's delivery time)."""

    def __init__(self):
        self.objects: dict[tuple[str, str], tuple[bytes, datetime]] = {}
        self.gets = 0

    def list_objects(self, bucket, prefix):
        for (b, key), (body, stamp) in sorted(self.objects.items()):
            if b == bucket and key.startswith(prefix):
                yield StoredObject(key, stamp, len(body))

    def get(self, bucket, key):
        self.gets += 1
        return self.objects[(bucket, key)][0]

    def put(self, bucket, key, body, content_type, stamp=None):
        self.objects[(bucket, key)] = (body, stamp or NOON)

    def delete(self, bucket, keys):
        for key in keys:
            del self.objects[(bucket, key)]

    def put_object_layout(self, update, received: datetime, day=DAY):
        body = json.dumps(update).encode()
        self.put("raw", f"telegram/context_date={day}/{update['update_id']}.json", body, "x", received)

    def put_firehose(self, name, records, *, prefix_day=DAY, delivered=NOON):
        """One Firehose object: records are (update or raw bytes, received datetime)."""
        lines = []
        for update, received in records:
            body = update if isinstance(update, bytes) else json.dumps(update).encode()
            update_id = json.loads(body)["update_id"] if not isinstance(update, bytes) else 0
            lines.append(encode_record(body, int(received.timestamp() * 1000), update_id))
        key = f"firehose/context_date={prefix_day}/{name}"
        self.put("raw", key, b"".join(lines), "x", delivered)

    def table(self, day=DAY):
        return pq.read_table(io.BytesIO(self.objects[("out", part_key(day))][0]))

    def quarantined(self, day=DAY):
        prefix = f"quarantine/context_date={day}/"
        return {key.removeprefix(prefix): body for (b, key), (body, _) in self.objects.items()
                if b == "out" and key.startswith(prefix)}  # fmt: skip


def run(storage, day=DAY, **sizes):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return process_day(storage, raw_bucket="raw", processed_bucket="out", day=day, pool=pool,
                           timezone=ZONE, **sizes)  # fmt: skip


def fixtures():
    """The real Updates of tests/fixtures, each with a distinct id (some fixtures share one)."""
    updates = []
    for index, path in enumerate(UPDATE_FILES):
        update = json.loads(path.read_bytes())
        update["update_id"] = 500_000 + index
        updates.append(update)
    return updates


# --- the record format -------------------------------------------------------------------------------

BODIES = [
    b'{"update_id": 1, "message": {"text": "ol\xc3\xa1 \xf0\x9f\x91\x8d"}}',
    b'\xef\xbb\xbf{"update_id": 2}',  # a UTF-8 BOM
    b'{"update_id": 3, "message": {"text": "caf\xe9"}}',  # Latin-1: not UTF-8
    b'{"update_id": 4, "message": {"text": "\xed\xa0\xbd"}}',  # a lone surrogate's bytes (CESU-8)
    b'{\n  "update_id": 5,\r\n  "message": {"text": "a\\nb \xe2\x80\xa8 c"}\n}\n',  # line breaks, U+2028
    b'{"update_id": 6, "message": {"text": "\\ud83d"}}',  # an escaped lone surrogate: valid UTF-8
    b"\x00\x01\xff\xfe",
]


@pytest.mark.parametrize("body", BODIES)
def test_a_record_gives_back_the_body_byte_for_byte_and_its_arrival(body):
    line = encode_record(body, 1_741_615_200_123, 42)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line, whatever the body holds
    record = decode_record(line.rstrip(b"\n"))
    assert (record.body, record.received_ms, record.update_id) == (body, 1_741_615_200_123, 42)


def test_valid_utf8_bodies_stay_readable_text_and_others_are_base64():
    assert json.loads(encode_record(BODIES[0], 1, 1))["body"] == BODIES[0].decode()
    assert "body_b64" in json.loads(encode_record(BODIES[2], 1, 3))


@given(st.binary(max_size=300), st.integers(0, firehose.MAX_EPOCH_MS), st.integers(0, 2**63 - 1))
def test_any_body_survives_the_record(body, received_ms, update_id):
    record = decode_record(encode_record(body, received_ms, update_id).rstrip(b"\n"))
    assert (record.body, record.received_ms, record.update_id) == (body, received_ms, update_id)


@pytest.mark.parametrize("line", [b"not json", b"[1]", b'{"received_at": 1, "update_id": 2}',
                                  b'{"received_at": true, "update_id": 2, "body": ""}',
                                  b'{"received_at": 1, "update_id": 2, "body_b64": "@@"}'])  # fmt: skip
def test_a_line_that_is_no_record_is_refused(line):
    with pytest.raises(BadRecord):
        decode_record(line)


# --- which day a record counts on --------------------------------------------------------------------

D, D1 = DAY, DAY + timedelta(days=1)
MIDNIGHT = datetime(2025, 3, 11, tzinfo=ZONE)


@pytest.mark.parametrize(("received", "prefix", "delivered", "counts_on"), [
    (D, D, NOON, D),
    (D1, D, MIDNIGHT + timedelta(minutes=4), D1),  # the object began before midnight
    (D, D1, MIDNIGHT + timedelta(minutes=5), D),  # reached Firehose after midnight, delivered in time
    (D, D1, MIDNIGHT + timedelta(hours=2), D1),  # delivered too late for D's run: D+1 counts it
    (D - timedelta(days=3), D, NOON, D),  # a wrong clock: the prefix's day
])  # fmt: skip
def test_record_day(received, prefix, delivered, counts_on):
    assert record_day(received, prefix, delivered, ZONE) == counts_on


# --- the day job --------------------------------------------------------------------------------------


def test_the_same_updates_give_the_same_table_in_either_layout():
    updates = fixtures()
    by_objects, by_firehose = StampedStorage(), StampedStorage()
    # Whole seconds: S3's LastModified (the object layout's ingested_at) has no milliseconds.
    stamps = [NOON + timedelta(seconds=index) for index in range(len(updates))]
    for update, stamp in zip(updates, stamps, strict=True):
        by_objects.put_object_layout(update, stamp)
    # In the object layout's listing order (keys sorted as text), split over three Firehose objects.
    order = sorted(range(len(updates)), key=lambda i: f"{updates[i]['update_id']}.json")
    records = [(updates[i], stamps[i]) for i in order]
    for n, start in enumerate(range(0, len(records), 12)):
        by_firehose.put_firehose(f"stream-1-{n}", records[start : start + 12])
    first, second = run(by_objects), run(by_firehose, batch_size=5)
    assert first.counts() == second.counts()
    assert first.written == len(updates)
    assert by_firehose.table().equals(by_objects.table())


def test_a_bad_record_is_quarantined_alone_with_its_line():
    storage = StampedStorage()
    good = [({"update_id": n, "message": {"message_id": n, "date": 1741615200, "chat": {"id": -1,
             "type": "group"}, "text": "oi"}}, NOON) for n in (1, 2, 3)]  # fmt: skip
    not_an_update = encode_record(b'{"no_update_id": true}', 1_741_618_800_000, 7)
    body = encode_record(json.dumps(good[0][0]).encode(), 1_741_618_800_000, 1) + b"garbage line\n"
    body += not_an_update + encode_record(json.dumps(good[1][0]).encode(), 1_741_618_800_000, 2)
    storage.put("raw", f"firehose/context_date={DAY}/stream-1-a", body, "x", NOON)
    storage.put_firehose("stream-1-b", [good[2]])
    result = run(storage)
    assert (result.read, result.written, result.quarantined) == (5, 3, 2)
    assert storage.quarantined() == {"stream-1-a.2": b"garbage line", "stream-1-a.3": not_an_update.rstrip()}
    assert sorted(storage.table().column("update_id").to_pylist()) == [1, 2, 3]
    # Quarantine names are stable: a re-run rewrites the same keys and leaves nothing stale.
    assert run(storage).counts() == result.counts() and len(storage.quarantined()) == 2


def test_duplicates_are_removed_within_and_across_layouts():
    storage = StampedStorage()
    updates = fixtures()[:4]
    storage.put_object_layout(updates[0], NOON)
    # Firehose delivers at least once: the same record twice, in two objects; and one also as an object.
    storage.put_firehose("stream-1-a", [(updates[0], NOON), (updates[1], NOON), (updates[2], NOON)])
    storage.put_firehose("stream-1-b", [(updates[1], NOON), (updates[3], NOON)])
    result = run(storage)
    assert (result.written, result.duplicates) == (4, 2)
    assert sorted(storage.table().column("update_id").to_pylist()) == sorted(u["update_id"] for u in updates)


@pytest.mark.parametrize("yesterday_layout", ["object", "firehose"])
@pytest.mark.parametrize("today_layout", ["object", "firehose"])
def test_a_redelivery_after_midnight_stays_with_the_day_before_in_both_layouts(
    yesterday_layout, today_layout
):
    storage = StampedStorage()
    update, other = fixtures()[:2]
    yesterday = DAY - timedelta(days=1)
    evening = datetime(2025, 3, 9, 23, 59, 50, tzinfo=ZONE)
    if yesterday_layout == "object":
        storage.put_object_layout(update, evening, day=yesterday)
    else:
        storage.put_firehose("stream-1-y", [(update, evening)], prefix_day=yesterday,
                             delivered=evening + timedelta(minutes=5))  # fmt: skip
    morning = datetime(2025, 3, 10, 0, 0, 30, tzinfo=ZONE)
    if today_layout == "object":
        storage.put_object_layout(update, morning)
        storage.put_object_layout(other, morning)
    else:
        storage.put_firehose("stream-1-t", [(update, morning), (other, morning)])
    result = run(storage)
    assert (result.written, result.redelivered_from_previous_day) == (1, 1)
    assert storage.table().column("update_id").to_pylist() == [other["update_id"]]


def test_records_near_midnight_count_once_on_their_arrival_day():
    storage = StampedStorage()
    late, early, next_day = fixtures()[:3]
    before_midnight = MIDNIGHT - timedelta(seconds=2)
    # An object begun on D holds a record of D+1; an object of D+1's prefix holds one received on D.
    storage.put_firehose("stream-1-a", [(early, NOON), (next_day, MIDNIGHT + timedelta(seconds=1))],
                         delivered=MIDNIGHT + timedelta(minutes=4))  # fmt: skip
    storage.put_firehose("stream-1-b", [(late, before_midnight)], prefix_day=D1,
                         delivered=MIDNIGHT + timedelta(minutes=6))  # fmt: skip
    on_d, on_d1 = run(storage, day=D), run(storage, day=D1)
    assert sorted(storage.table(D).column("update_id").to_pylist()) == [late["update_id"], early["update_id"]]
    assert storage.table(D1).column("update_id").to_pylist() == [next_day["update_id"]]
    assert (on_d.written, on_d1.written, on_d1.redelivered_from_previous_day) == (2, 1, 0)
    ingested = storage.table(D).column("ingested_at").to_pylist()
    assert before_midnight.astimezone(UTC) in ingested  # the record's arrival, to the millisecond


def test_objects_far_from_the_day_are_not_read():
    storage = StampedStorage()
    update = fixtures()[0]
    two_days_before = DAY - timedelta(days=2)
    storage.put_firehose("old", [(update, NOON - timedelta(days=2))], prefix_day=two_days_before,
                         delivered=NOON - timedelta(days=2))  # fmt: skip
    storage.put_firehose("tomorrow", [(update, NOON + timedelta(days=1))], prefix_day=D1,
                         delivered=NOON + timedelta(days=1))  # fmt: skip
    result = run(storage)
    assert (result.read, storage.gets) == (0, 0)


def test_a_big_object_is_processed_in_bounded_chunks(monkeypatch):
    """Memory is bounded by the chunk, not the object: rows are made batch_size records at a time."""
    storage = StampedStorage()
    updates = fixtures()
    storage.put_firehose("big", [(update, NOON) for update in updates])
    sizes = []
    real_of = job._Rows.of
    monkeypatch.setattr(
        job._Rows, "of", lambda self, items: (sizes.append(len(items)), real_of(self, items))[1]
    )
    result = run(storage, batch_size=4)
    assert result.written == len(updates)
    assert max(sizes) <= 4 and sum(sizes) == len(updates)


@pytest.mark.parametrize(("body", "expected"), [
    (b"a\nb\n", [(1, b"a"), (2, b"b")]),
    (b"a\n\n  \nb", [(1, b"a"), (4, b"b")]),  # blank lines keep their numbers; no final newline
    (b"", []),
    (b"\n", []),
])  # fmt: skip
def test_lines_are_numbered_as_in_the_object(body, expected):
    assert list(firehose.lines(body)) == expected


class OneObject:
    """A raw bucket holding one Firehose object, for objects_for()."""

    def __init__(self, prefix_day, delivered):
        self.key = f"firehose/context_date={prefix_day}/stream-1-x.jsonl"
        self.delivered = delivered

    def list_objects(self, bucket, prefix):
        if self.key.startswith(prefix):
            yield StoredObject(self.key, self.delivered, 1)


@given(
    day=st.dates(date(2024, 12, 1), date(2026, 12, 31)),  # DST changes included
    # Mostly within a minute of midnight, where days are decided; sometimes anywhere in the day.
    from_midnight_ms=st.one_of(st.integers(-30_000, 30_000), st.integers(0, 86_399_999)),
    to_firehose_ms=st.integers(0, 29_000),  # API Gateway's 29 s: PutRecord is done within the request
    after_oldest_ms=st.one_of(st.integers(0, 5_000), st.integers(0, 900_000)),  # buffer begun before it
    delivery_lag_ms=st.one_of(st.integers(0, 2_400_000), st.integers(0, 3 * 86_400_000)),
    zone=st.sampled_from(["America/Sao_Paulo", "UTC", "Asia/Tokyo", "America/New_York", "Pacific/Auckland"]),
)
@settings(max_examples=1000)  # the cases that matter are a few seconds around midnight
def test_every_record_is_counted_by_exactly_one_run(
    day, from_midnight_ms, to_firehose_ms, after_oldest_ms, delivery_lag_ms, zone
):
    """Whatever the timing Firehose allows, exactly one day's run both reads the record's object and
    counts the record: nothing is lost, nothing counted twice."""
    timezone = ZoneInfo(zone)
    received = int(firehose.day_start(day, timezone).timestamp() * 1000) + from_midnight_ms
    arrived = received + to_firehose_ms
    oldest = arrived - after_oldest_ms
    delivered = datetime.fromtimestamp((arrived + delivery_lag_ms) / 1000, tz=UTC)
    prefix_day = firehose.local_day(oldest, timezone)
    received_day = firehose.local_day(received, timezone)
    storage = OneObject(prefix_day, delivered)
    counted_on = [
        day for day in (received_day + timedelta(days=offset) for offset in range(-2, 3))
        if any(True for _ in firehose.objects_for(storage, "raw", day, timezone))
        and firehose.record_day(received_day, prefix_day, delivered, timezone) == day
    ]  # fmt: skip
    assert len(counted_on) == 1
    assert counted_on[0] in (received_day, received_day + timedelta(days=1))


@pytest.mark.parametrize(
    "zone", ["America/Sao_Paulo", "Africa/Monrovia", "Asia/Kolkata", "Pacific/Apia", "UTC"]
)
def test_local_day_with_its_last_second_kept_is_each_instants_own_date(zone):
    """local_day keeps the last epoch second's date: around every midnight and every offset change of zones
    with midnight DST (Sao Paulo until 2019), an offset in seconds (Monrovia, -0:44:30 until 1972), half
    hours, and a skipped day (Apia, 2011-12-30), each millisecond gets the date datetime gives it."""
    timezone = ZoneInfo(zone)
    instants = []
    for year in (1968, 1971, 1972, 2011, 2012, 2017, 2018, 2019, 2025):
        for day in range(0, 366, 3):
            for hour in (-1, 0, 1):  # around local midnight, as naive local time read in the zone
                moment = datetime(year, 1, 1, tzinfo=timezone) + timedelta(days=day, hours=hour)
                instants.append(int(moment.timestamp() * 1000))
    # each offset change of the zone: its instant, found where the offset differs a day apart
    for days in range(60 * 366):
        before = datetime(1968, 1, 1, tzinfo=UTC) + timedelta(days=days)
        if timezone.utcoffset(before) != timezone.utcoffset(before + timedelta(days=1)):
            low, high = int(before.timestamp()), int(before.timestamp()) + 86_400
            while high - low > 1:
                middle = (low + high) // 2
                offset = timezone.utcoffset(datetime.fromtimestamp(middle, UTC))
                low, high = (middle, high) if offset == timezone.utcoffset(before) else (low, middle)
            instants.append(high * 1000)
    for instant in instants:
        for ms in (
            instant - 1001,
            instant - 1000,
            instant - 1,
            instant,
            instant + 1,
            instant + 999,
            instant + 1000,
        ):
            assert (
                firehose.local_day(ms, timezone) == datetime.fromtimestamp(ms / 1000, tz=timezone).date()
            ), ms
