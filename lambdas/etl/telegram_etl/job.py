"""One day of raw Updates -> the day's Parquet partition, replaced whole.

Memory stays bounded whatever the day's size: keys are streamed from the paginated listing in
batches, each batch is read concurrently and flattened, row groups of ROW_GROUP_ROWS are appended
to the current Parquet file, and a file is uploaded and closed every ROWS_PER_FILE rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from telegram_etl.flatten import flatten, parse_update
from telegram_etl.rows import to_table
from telegram_etl.schema import ARROW_SCHEMA
from telegram_etl.storage import Storage, StoredObject

RAW_PREFIX = "telegram"
PROCESSED_PREFIX = "telegram"
QUARANTINE_PREFIX = "quarantine"
BATCH_SIZE = 2_000  # keys read concurrently, then flattened into one Arrow table
# ...and at most this many raw bytes (sizes from the listing): the webhook accepts updates of up to
# 1 MiB, so 2,000 of them would be 2 GiB of bodies, plus their parsed objects and rows, in flight.
BATCH_BYTES = 32 * 2**20
ROW_GROUP_ROWS = 50_000
# A row group is written out at ROW_GROUP_ROWS rows or at this many bytes of Arrow data, whichever
# comes first: 50,000 rows of 1 MiB texts would otherwise be 50 GB held before a write.
ROW_GROUP_BYTES = 64 * 2**20
READ_WORKERS = 64  # GETs are I/O-bound: threads overlap their latency
ROWS_PER_FILE = 250_000


def partition_prefix(prefix: str, day: date) -> str:
    return f"{prefix}/context_date={day.isoformat()}/"


def part_key(day: date, index: int) -> str:
    # Deterministic names: a re-run overwrites the same files instead of adding new ones.
    return f"{partition_prefix(PROCESSED_PREFIX, day)}part-{index:05d}.parquet"


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

    COUNTS: ClassVar[tuple[str, ...]] = (
        "read", "written", "duplicates", "redelivered_from_previous_day", "quarantined", "repaired",
    )  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _PartWriter:
    """Parquet files of at most ROWS_PER_FILE rows in row groups of ROW_GROUP_ROWS, each file uploaded
    as soon as it is full. Holds at most one row group of Arrow data and one file's compressed bytes."""

    def __init__(
        self, storage: Storage, bucket: str, day: date, rows_per_file: int, row_group_rows: int,
        row_group_bytes: int,
    ) -> None:  # fmt: skip
        self._storage, self._bucket, self._day = storage, bucket, day
        self._rows_per_file, self._row_group_rows = rows_per_file, row_group_rows
        self._row_group_bytes = row_group_bytes
        self._pending: list[pa.Table] = []
        self._pending_rows = self._pending_bytes = 0
        self._buffer: io.BytesIO | None = None
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_file = 0
        self.keys: list[str] = []

    def write(self, table: pa.Table) -> None:
        while table.num_rows:
            room = min(
                self._row_group_rows - self._pending_rows,
                self._rows_per_file - self._rows_in_file - self._pending_rows,
            )
            piece = table.slice(0, room)
            self._pending.append(piece)
            self._pending_rows += piece.num_rows
            self._pending_bytes += piece.nbytes
            table = table.slice(room)
            if (
                self._pending_rows >= self._row_group_rows
                or self._pending_bytes >= self._row_group_bytes
                or self._rows_in_file + self._pending_rows >= self._rows_per_file
            ):
                self._flush_row_group()

    def close(self) -> None:
        self._flush_row_group()
        if self._writer is not None:
            self._upload()

    def _flush_row_group(self) -> None:
        if not self._pending_rows:
            return
        if self._writer is None:
            self._buffer = io.BytesIO()
            self._writer = pq.ParquetWriter(self._buffer, ARROW_SCHEMA, compression="zstd")
        self._writer.write_table(pa.concat_tables(self._pending), row_group_size=self._pending_rows)
        self._rows_in_file += self._pending_rows
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0
        if self._rows_in_file >= self._rows_per_file:
            self._upload()

    def _upload(self) -> None:
        assert self._writer is not None and self._buffer is not None
        self._writer.close()
        key = part_key(self._day, len(self.keys))
        self._storage.put(self._bucket, key, self._buffer.getvalue(), "application/vnd.apache.parquet")
        self.keys.append(key)
        self._writer, self._buffer, self._rows_in_file = None, None, 0


def _update_ids_in(objects: Iterator[StoredObject]) -> set[int]:
    names = (obj.key.rsplit("/", 1)[-1] for obj in objects)
    return {int(name[:-5]) for name in names if name.endswith(".json") and name[:-5].isdigit()}


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


def process_day(
    storage: Storage,
    *,
    raw_bucket: str,
    processed_bucket: str,
    day: date,
    pool: ThreadPoolExecutor,
    batch_size: int = BATCH_SIZE,
    batch_bytes: int = BATCH_BYTES,
    rows_per_file: int = ROWS_PER_FILE,
    row_group_rows: int = ROW_GROUP_ROWS,
    row_group_bytes: int = ROW_GROUP_BYTES,
) -> DayResult:
    """Replace the day's processed partition with the day's raw updates, flattened and deduplicated."""
    result = DayResult(date=day.isoformat())
    out_prefix = partition_prefix(PROCESSED_PREFIX, day)
    quarantine_prefix = partition_prefix(QUARANTINE_PREFIX, day)
    previous = {obj.key for obj in storage.list_objects(processed_bucket, out_prefix)}
    previous |= {obj.key for obj in storage.list_objects(processed_bucket, quarantine_prefix)}
    # Telegram retries a delivery for up to 24 h, so a redelivery may arrive after midnight: an update
    # already stored the day before belongs to that day (raw keys are named by update_id).
    earlier = _update_ids_in(
        storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, day - timedelta(days=1)))
    )

    writer = _PartWriter(storage, processed_bucket, day, rows_per_file, row_group_rows, row_group_bytes)
    quarantined: list[str] = []

    def quarantine(obj: StoredObject, body: bytes) -> None:
        key = quarantine_prefix + obj.key.rsplit("/", 1)[-1]
        storage.put(processed_bucket, key, body, "application/octet-stream")
        quarantined.append(key)

    seen: set[int] = set()
    listing = storage.list_objects(raw_bucket, partition_prefix(RAW_PREFIX, day))
    for batch in batches(listing, batch_size, batch_bytes):
        # Concurrent GETs with a bounded pool; map() keeps the listing's order, so the output is
        # the same on every run.
        bodies = pool.map(lambda obj: storage.get(raw_bucket, obj.key), batch)
        accepted: list[tuple[StoredObject, bytes, int]] = []
        rows = []
        for obj, body in zip(batch, bodies, strict=True):
            result.read += 1
            # Total per object: whatever one object does (not JSON, not an Update, JSON nested
            # 100,000 deep -> RecursionError, a flattener bug), it alone is quarantined.
            try:
                update = parse_update(body)
                update_id = update["update_id"]
                if update_id in seen:
                    result.duplicates += 1
                    continue
                if update_id in earlier:
                    result.redelivered_from_previous_day += 1
                    continue
                row = flatten(update, obj.last_modified)
            except MemoryError:
                raise  # the run's resources, not this object's fault
            except Exception:  # NotAnUpdate and anything else this object causes
                quarantine(obj, body)
                continue
            seen.add(update_id)
            accepted.append((obj, body, update_id))
            rows.append(row)
        if not rows:
            continue
        # Arrow refuses some values the flattener lets through (lone surrogates): to_table finds the
        # rows at fault, and only their objects are quarantined.
        conversion = to_table(rows)
        for index in conversion.rejected:
            obj, body, update_id = accepted[index]
            seen.discard(update_id)
            quarantine(obj, body)
        result.repaired += conversion.repaired
        result.written += conversion.table.num_rows
        writer.write(conversion.table)
    writer.close()

    result.files = writer.keys
    result.quarantined = len(quarantined)
    # Replace the partition whole: whatever an earlier run left and this one did not rewrite goes.
    stale = previous - set(writer.keys) - set(quarantined)
    if stale:
        storage.delete(processed_bucket, sorted(stale))
    return result
