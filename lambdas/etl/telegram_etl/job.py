"""One day of raw Updates -> the day's Parquet partition, replaced whole and at once.

Memory is bounded by count and by bytes whatever the day's size: keys are streamed from the paginated
listing in batches (BATCH_SIZE objects, BATCH_BYTES listed bytes), each batch is read concurrently and
flattened, row groups (ROW_GROUP_ROWS rows or ROW_GROUP_BYTES of Arrow data) are encoded into the
partition's one Parquet object, which leaves in parts of PART_BYTES.

What a reader sees (the Glue table, Athena, DuckDB here) is the previous partition or the new one, never a
mix of two runs and never part of a run:
- Athena reads every object under a partition's location, sub-prefixes included, and cannot be told to
  skip some ("Athena reads all data stored in the Amazon S3 folder that you specify", Athena User Guide,
  "Table location in Amazon S3"). With partition projection the location is fixed by the table's
  `storage.location.template` (telegram/context_date=D): a per-run subfolder under it is read as data
  too, and a manifest or pointer file is not followed (that would take a symlink-manifest table).
- S3 cannot update several keys at once ("there is no way to make atomic updates across keys", S3
  consistency model): publishing files staged elsewhere by copy-then-delete shows old and new files
  together between the two steps (and CopyObject needs s3:GetObject on the processed bucket, which the
  ETL role does not have).
- An update of one key is atomic: a reader gets the old object or the new one, never part of it.
So a partition is always exactly one object, `part-00000.parquet`. A day that fits in one part is one
PutObject; a bigger one is a multipart upload, which S3 shows to nobody until CompleteMultipartUpload
makes the whole object visible at once. A run that fails before that point leaves the previous
partition as it was (the upload is aborted, or expired by the bucket's 7-day lifecycle rule), and a
re-run overwrites the same key with the same bytes: deterministic, idempotent, never duplicated.

Limits: a query that is reading the partition at the very moment it is replaced may fail reading (its
ranged GETs span two versions of the object) and is re-run. A partition left as several files by an
older version of this job shows the new file beside the remaining old ones until they are deleted,
moments later: once per such day, only when it is rewritten.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import chain
from typing import Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

import pyarrow as pa

from telegram_etl import firehose
from telegram_etl.flatten import LossyNumber, epoch_ms, flatten_values, parse_update, parse_update_fast
from telegram_etl.ids import UpdateIds
from telegram_etl.language import LanguageModelUnavailable
from telegram_etl.privacy import REDACTION_KINDS, People
from telegram_etl.rows import values_to_table
from telegram_etl.schema import ARROW_SCHEMA, DICTIONARY_COLUMNS
from telegram_etl.storage import PartitionWriter, Storage, StoredObject

RAW_PREFIX = "telegram"
PROCESSED_PREFIX = "telegram"
QUARANTINE_PREFIX = "quarantine"
# One small object per processed day, named by the digest of the raw inputs its run read (late data:
# a later run compares it with the inputs as they are now; a listing answers, nothing is read).
MANIFEST_PREFIX = "manifest"
BATCH_SIZE = 2_000  # keys read concurrently, then flattened into one Arrow table
# ...and at most this many raw bytes (sizes from the listing): the webhook accepts updates of up to
# 1 MiB, so 2,000 of them would be 2 GiB of bodies, plus their parsed objects and rows, in flight.
BATCH_BYTES = 32 * 2**20
ROW_GROUP_ROWS = 50_000
# A row group is written out at ROW_GROUP_ROWS rows or at this many bytes of Arrow data, whichever
# comes first: 50,000 rows of 1 MiB texts would otherwise be 50 GB held before a write.
ROW_GROUP_BYTES = 64 * 2**20
READ_WORKERS = 64  # GETs are I/O-bound: threads overlap their latency
# Parquet bytes held before they leave as one part of the upload (S3: at least 5 MiB, except the last).
PART_BYTES = 8 * 2**20
UTC_ZONE = ZoneInfo("UTC")
MAX_UPDATE_ID = 2**63 - 1  # the webhook refuses bigger ones; the id column is int64


def partition_prefix(prefix: str, day: date) -> str:
    return f"{prefix}/context_date={day.isoformat()}/"


def part_key(day: date) -> str:
    # The partition's one object, always the same name: a re-run replaces it in a single step.
    return f"{partition_prefix(PROCESSED_PREFIX, day)}part-00000.parquet"


@dataclass
class DayResult:
    date: str
    read: int = 0
    written: int = 0
    duplicates: int = 0
    redelivered_from_previous_day: int = 0
    quarantined: int = 0
    repaired: int = 0  # written with U+FFFD in place of lone surrogates ("\ud83d" in the JSON)
    files: list[str] = field(default_factory=list)
    # Personal data replaced in the day's texts, per kind (telegram_etl.privacy.REDACTION_KINDS).
    redactions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REDACTION_KINDS, 0))

    COUNTS: ClassVar[tuple[str, ...]] = (
        "read", "written", "duplicates", "redelivered_from_previous_day", "quarantined", "repaired",
    )  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _PartitionWriter(PartitionWriter):
    """The day's one object of the processed table (telegram_etl.storage.PartitionWriter)."""

    def __init__(
        self, storage: Storage, bucket: str, day: date, *, row_group_rows: int, row_group_bytes: int,
        part_bytes: int,
    ) -> None:  # fmt: skip
        super().__init__(storage, bucket, part_key(day), ARROW_SCHEMA, row_group_rows=row_group_rows,
                         row_group_bytes=row_group_bytes, part_bytes=part_bytes,
                         dictionary_columns=DICTIONARY_COLUMNS)  # fmt: skip


def _update_ids_in(objects: Iterator[StoredObject]) -> Iterator[int]:
    names = (obj.key.rsplit("/", 1)[-1] for obj in objects)
    ids = (int(name[:-5]) for name in names if name.endswith(".json") and name[:-5].isdecimal())
    return (i for i in ids if i <= MAX_UPDATE_ID)  # a bigger one is no update of ours


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for a batch: parsing allocates a few dicts per update, which set it
    off every ~700 allocations to scan young objects that reference counting frees anyway (JSON makes
    no cycles): ~20% of the flattener's time. Whatever cycles the batch makes are collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batches(objects: Iterable[StoredObject], max_count: int, max_bytes: int) -> Iterator[list[StoredObject]]:
    """Consecutive batches of at most max_count objects and max_bytes listed bytes; an object larger
    than max_bytes on its own is a batch of one (it must be read to be processed or quarantined)."""
    batch: list[StoredObject] = []
    size = 0
    for obj in objects:
        if batch and (len(batch) >= max_count or size + obj.size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(obj)
        size += obj.size
    if batch:
        yield batch


class RawItem(NamedTuple):
    """One update to process: an object of the object layout, or a record of a firehose object (a tuple:
    one is made per update, ~3x cheaper than a frozen dataclass)."""

    name: str  # its name in quarantine: the object's file name, or "<file name>.<line>" for a record
    body: bytes
    ingested_ms: int | None
    original: bytes  # what quarantine keeps: the object, or the record's whole line (with received_at)


class _Rows:
    """Raw items -> deduplicated rows, total per item: whatever one object or record does (not JSON, not
    an Update, JSON nested 100,000 deep -> RecursionError, a flattener bug, a value Arrow refuses), that
    item alone is copied to quarantine and the others are written."""

    def __init__(
        self, storage: Storage, bucket: str, quarantine_prefix: str, earlier: UpdateIds, result: DayResult,
        people: People | None,
    ) -> None:  # fmt: skip
        self._storage, self._bucket, self._prefix = storage, bucket, quarantine_prefix
        self._earlier, self._result, self._people = earlier, result, people
        self.redactions: Counter[str] = Counter()
        self._seen = UpdateIds()
        self.quarantined: list[str] = []

    def of(self, items: list[RawItem]) -> pa.Table:
        with without_cycle_collection():
            return self._of(items)

    def _of(self, items: list[RawItem]) -> pa.Table:
        parsed: list[tuple[RawItem, dict[str, Any], bool]] = []
        self._result.read += len(items)
        for item in items:
            try:
                update, exact = parse_update_fast(item.body)
            except MemoryError:
                raise  # the run's resources, not this object's fault
            except Exception:  # NotAnUpdate, RecursionError (JSON nested 100,000 deep), ...
                self.quarantine(item.name, item.original)
                continue
            parsed.append((item, update, exact))
        # The id sets answer for the whole batch at once; ids added within it are in seen.recent.
        ids = [update["update_id"] for _, update, _ in parsed]
        seen_before, earlier = self._seen.contains_many(ids), self._earlier.contains_many(ids)
        recent = self._seen.recent

        accepted: list[tuple[RawItem, int]] = []
        values = []
        people, redactions, seen = self._people, self.redactions, self._seen
        for index, (item, update, exact) in enumerate(parsed):
            update_id = ids[index]
            if seen_before[index] or update_id in recent:
                self._result.duplicates += 1
                continue
            if earlier[index]:
                self._result.redelivered_from_previous_day += 1
                continue
            try:
                try:
                    value = flatten_values(update, item.ingested_ms, exact_numbers=exact, people=people,
                                           redactions=redactions)  # fmt: skip
                except LossyNumber:  # raised before any text is read: nothing was counted twice
                    value = flatten_values(parse_update(item.body), item.ingested_ms, people=people,
                                           redactions=redactions)  # fmt: skip
            except (MemoryError, LanguageModelUnavailable):  # the run's fault, not the item's: fail loudly
                raise
            except Exception:  # a flattener bug: this item alone
                self.quarantine(item.name, item.original)
                continue
            seen.add(update_id)
            accepted.append((item, update_id))
            values.append(value)
        # Arrow refuses some values the flattener lets through (lone surrogates): values_to_table finds
        # the rows at fault, and only their items are quarantined.
        conversion = values_to_table(values)
        for index in conversion.rejected:
            item, update_id = accepted[index]
            self._seen.discard(update_id)
            self.quarantine(item.name, item.original)
        self._seen.merge_if_large()
        self._result.repaired += conversion.repaired
        self._result.written += conversion.table.num_rows
        return conversion.table

    def reject(self, name: str, original: bytes) -> None:
        """An item read but unusable before parsing (a firehose line that is no record)."""
        self._result.read += 1
        self.quarantine(name, original)

    def quarantine(self, name: str, original: bytes) -> None:
        key = self._prefix + name
        self._storage.put(self._bucket, key, original, "application/octet-stream")
        self.quarantined.append(key)


def _object_items(
    storage: Storage, bucket: str, listing: Iterable[StoredObject], pool: ThreadPoolExecutor, *,
    batch_size: int, batch_bytes: int,
) -> Iterator[list[RawItem]]:  # fmt: skip
    """The object layout: one update an object, ingested when it was stored (LastModified)."""
    stamps: dict[Any, int | None] = {}  # listings share LastModified values (second resolution)
    for batch in batches(listing, batch_size, batch_bytes):
        # Concurrent GETs with a bounded pool; map() keeps the listing's order, so the output is the
        # same on every run.
        bodies = pool.map(lambda obj: storage.get(bucket, obj.key), batch)
        items = []
        for obj, body in zip(batch, bodies, strict=True):
            if obj.last_modified not in stamps:
                stamps[obj.last_modified] = epoch_ms(obj.last_modified)
            items.append(RawItem(obj.key.rsplit("/", 1)[-1], body, stamps[obj.last_modified], body))
        yield items


def _firehose_items(
    storage: Storage, bucket: str, day: date, timezone: ZoneInfo, pool: ThreadPoolExecutor,
    rows: _Rows, *, batch_size: int, batch_bytes: int,
) -> Iterator[list[RawItem]]:  # fmt: skip
    """The firehose layout: the records that count on `day` (firehose.record_day), in chunks of at most
    batch_size records and batch_bytes bytes of lines; each record ingested at its received_at. A line
    that is no record is quarantined alone by the run of its object's prefix day."""
    chosen = firehose.objects_for(storage, bucket, day, timezone)
    prefix_days: dict[str, date] = {}

    def listed() -> Iterator[StoredObject]:
        for obj, prefix_day in chosen:
            prefix_days[obj.key] = prefix_day
            yield obj

    def fetch(batch: list[StoredObject]) -> tuple[list[StoredObject], list[Future[bytes]]]:
        return batch, [pool.submit(storage.get, bucket, obj.key) for obj in batch]

    # One batch ahead: the next objects are read while this one's records are processed (a Firehose
    # object is a batch of its own above batch_bytes, so without it every GET would stall the CPU).
    ahead = map(fetch, batches(listed(), batch_size, batch_bytes))
    current = next(ahead, None)
    while current is not None:
        batch, futures = current
        current = next(ahead, None)
        items: list[RawItem] = []
        size = 0
        for obj, body in zip(batch, (future.result() for future in futures), strict=True):
            prefix_day = prefix_days.pop(obj.key)
            name = obj.key.rsplit("/", 1)[-1]
            for number, line in firehose.lines(body):
                try:
                    record = firehose.decode_record(line)
                except firehose.BadRecord:
                    if prefix_day == day:
                        rows.reject(f"{name}.{number}", line)
                    continue
                received = firehose.local_day(record.received_ms, timezone)
                if firehose.record_day(received, prefix_day, obj.last_modified, timezone) != day:
                    continue
                items.append(RawItem(f"{name}.{number}", record.body, record.received_ms, line))
                size += len(line)
                if len(items) >= batch_size or size >= batch_bytes:
                    yield items
                    items, size = [], 0
        if items:
            yield items


class _ListingCache:
    """Storage whose listings are made once per prefix: the late-data check lists overlapping days."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._listed: dict[tuple[str, str], list[StoredObject]] = {}

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        if (bucket, prefix) not in self._listed:
            self._listed[(bucket, prefix)] = list(self._storage.list_objects(bucket, prefix))
        return iter(self._listed[(bucket, prefix)])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def input_digest(storage: Storage, raw_bucket: str, day: date, timezone: ZoneInfo) -> tuple[str, int]:
    """(digest, objects of the day itself) of every raw object the run of `day` reads: the object prefixes
    of the day and the day before (redeliveries after midnight), and the firehose objects that may hold
    records of either. An object added, rewritten (LastModified, size) or removed there changes the digest."""
    yesterday = day - timedelta(days=1)
    own = [
        *storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, day)),
        *(obj for obj, _ in firehose.objects_for(storage, raw_bucket, day, timezone)),
    ]
    earlier = chain(
        storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, yesterday)),
        (obj for obj, _ in firehose.objects_for(storage, raw_bucket, yesterday, timezone)),
    )
    lines = sorted({f"{obj.key}\t{obj.last_modified.isoformat()}\t{obj.size}" for obj in chain(own, earlier)})
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32], len(own)


def manifest_prefix(day: date) -> str:
    return partition_prefix(MANIFEST_PREFIX, day)


def processed_digests(storage: Storage, processed_bucket: str, day: date) -> set[str]:
    """The input digests the day was last processed with (empty: never, or before manifests existed)."""
    names = (
        obj.key.rsplit("/", 1)[-1] for obj in storage.list_objects(processed_bucket, manifest_prefix(day))
    )
    return {name.removesuffix(".json") for name in names if name.endswith(".json")}


def _write_manifest(
    storage: Storage, bucket: str, day: date, digest: str, count: int, result: DayResult
) -> None:
    """The day's manifest, then the older ones go (a failure between leaves two: either digest differs
    from the inputs' once they change, so the day is still re-run)."""
    key = f"{manifest_prefix(day)}{digest}.json"
    body = json.dumps({"inputs": count, **result.counts()}).encode()
    storage.put(bucket, key, body, "application/json")
    stale = [obj.key for obj in storage.list_objects(bucket, manifest_prefix(day)) if obj.key != key]
    if stale:
        storage.delete(bucket, stale)


def late_days(
    storage: Storage, *, raw_bucket: str, processed_bucket: str, before: date, count: int, timezone: ZoneInfo
) -> list[tuple[date, str]]:
    """(day, why) of the `count` days before `before` whose raw inputs changed since their run (late data:
    a Firehose retry, a redelivery, an /outgoing post or edit, an import), or that were never processed
    but have raw data (a failed run, or days from before manifests)."""
    cached = _ListingCache(storage)
    found = []
    for offset in range(count, 0, -1):  # oldest first
        day = before - timedelta(days=offset)
        digest, objects = input_digest(cached, raw_bucket, day, timezone)  # type: ignore[arg-type]
        done = processed_digests(storage, processed_bucket, day)
        if done and digest not in done:
            found.append((day, "raw data changed since its run"))
        elif not done and objects:
            found.append((day, "raw data but no manifest of a run"))
    return found


def process_day(
    storage: Storage,
    *,
    raw_bucket: str,
    processed_bucket: str,
    day: date,
    pool: ThreadPoolExecutor,
    batch_size: int = BATCH_SIZE,
    batch_bytes: int = BATCH_BYTES,
    row_group_rows: int = ROW_GROUP_ROWS,
    row_group_bytes: int = ROW_GROUP_BYTES,
    part_bytes: int = PART_BYTES,
    people: People | None = None,
    timezone: ZoneInfo = UTC_ZONE,
) -> DayResult:
    """Replace the day's processed partition with the day's raw updates, flattened and deduplicated.
    On any failure the previous partition stays exactly as it was (see the module's docstring).
    people: how users are stored (telegram_etl.privacy.People); texts are redacted whatever it is."""
    result = DayResult(date=day.isoformat())
    # Listed before anything is read: whatever arrives during the run changes the digest, and the day is
    # re-run by a later run (never the other way round: a manifest never covers an unread object).
    digest, inputs = input_digest(storage, raw_bucket, day, timezone)
    previous = {
        obj.key
        for prefix in (PROCESSED_PREFIX, QUARANTINE_PREFIX)
        for obj in storage.list_objects(processed_bucket, partition_prefix(prefix, day))
    }
    # Telegram retries a delivery for up to 24 h, so a redelivery may arrive after midnight: an update
    # already stored the day before belongs to that day (object keys are named by update_id; firehose
    # records carry theirs), in either layout.
    yesterday = day - timedelta(days=1)
    earlier = UpdateIds(chain(
        _update_ids_in(storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, yesterday))),
        firehose.update_ids_of_day(storage, raw_bucket, yesterday, timezone),
    ))  # fmt: skip

    writer = _PartitionWriter(
        storage, processed_bucket, day, row_group_rows=row_group_rows, row_group_bytes=row_group_bytes,
        part_bytes=part_bytes,
    )  # fmt: skip
    rows = _Rows(storage, processed_bucket, partition_prefix(QUARANTINE_PREFIX, day), earlier, result, people)
    sizes = {"batch_size": batch_size, "batch_bytes": batch_bytes}
    try:
        # Both layouts, one after the other, through the same rows (so the same seen ids): a stage that
        # switched layouts during the day loses nothing and counts nothing twice.
        listing = storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, day))
        for items in chain(
            _object_items(storage, raw_bucket, listing, pool, **sizes),
            _firehose_items(storage, raw_bucket, day, timezone, pool, rows, **sizes),
        ):
            writer.write(rows.of(items))
        if result.read == 0 and part_key(day) in previous:
            # No raw left for a processed day, in either layout: expired by retention (or all forgotten,
            # docs/privacy.md). A re-run must not replace the day with nothing: the partition is kept.
            writer.abort()
            result.files = [part_key(day)]
            _write_manifest(storage, processed_bucket, day, digest, inputs, result)
            return result
        writer.close()
    except BaseException:
        writer.abort()  # nothing of this run becomes visible
        raise

    result.files = writer.keys
    result.quarantined = len(rows.quarantined)
    result.redactions.update(rows.redactions)
    # Replace the partition whole: whatever an earlier run left and this one did not rewrite goes.
    stale = previous - set(writer.keys) - set(rows.quarantined)
    if stale:
        storage.delete(processed_bucket, sorted(stale))
    _write_manifest(storage, processed_bucket, day, digest, inputs, result)
    return result
