"""The day job over in-memory storage: file and row-group sizing, order, partition replacement."""

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pyarrow.parquet as pq

from telegram_etl.job import part_key, process_day
from telegram_etl.schema import ARROW_SCHEMA
from telegram_etl.storage import StoredObject

DAY = date(2025, 3, 10)
STAMP = datetime(2025, 3, 10, 12, tzinfo=UTC)


class MemoryStorage:
    def __init__(self):
        self.objects: dict[tuple[str, str], bytes] = {}

    def list_objects(self, bucket, prefix):
        for b, key in sorted(self.objects):
            if b == bucket and key.startswith(prefix):
                yield StoredObject(key, STAMP)

    def get(self, bucket, key):
        return self.objects[(bucket, key)]

    def put(self, bucket, key, body, content_type):
        self.objects[(bucket, key)] = body

    def delete(self, bucket, keys):
        for key in keys:
            del self.objects[(bucket, key)]


def run(storage, **sizes):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return process_day(
            storage, raw_bucket="raw", processed_bucket="out", day=DAY, pool=pool, batch_size=3, **sizes
        )


def put_raw(storage, update_id, name=None):
    key = f"telegram/context_date={DAY}/{name or update_id}.json"
    storage.put("raw", key, json.dumps({"update_id": update_id}).encode(), "application/json")


def test_files_and_row_groups_are_sized_and_rows_keep_the_listing_order():
    storage = MemoryStorage()
    for update_id in range(12):
        put_raw(storage, update_id, name=f"{update_id:03d}")
    result = run(storage, rows_per_file=5, row_group_rows=2)
    assert result.files == [part_key(DAY, 0), part_key(DAY, 1), part_key(DAY, 2)]
    files = [pq.ParquetFile(io.BytesIO(storage.get("out", key))) for key in result.files]
    assert [f.metadata.num_rows for f in files] == [5, 5, 2]
    assert [[f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)] for f in files] == [
        [2, 2, 1],
        [2, 2, 1],
        [2],
    ]
    ids = [i for f in files for i in f.read().column("update_id").to_pylist()]
    assert ids == list(range(12))
    assert all(f.schema_arrow.equals(ARROW_SCHEMA, check_metadata=False) for f in files)


def test_a_smaller_rerun_removes_the_files_it_no_longer_writes():
    storage = MemoryStorage()
    for update_id in range(7):
        put_raw(storage, update_id)
    assert len(run(storage, rows_per_file=3, row_group_rows=3).files) == 3
    for update_id in range(3, 7):
        storage.delete("raw", [f"telegram/context_date={DAY}/{update_id}.json"])
    assert run(storage, rows_per_file=3, row_group_rows=3).files == [part_key(DAY, 0)]
    assert [key for (bucket, key) in storage.objects if bucket == "out"] == [part_key(DAY, 0)]
