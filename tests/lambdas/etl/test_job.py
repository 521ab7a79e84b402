"""The day job over in-memory storage: file and row-group sizing, order, partition replacement."""

import copy
import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from itertools import pairwise

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telegram_etl.job import batches, part_key, process_day
from telegram_etl.schema import ARROW_SCHEMA, COLUMN_NAMES
from telegram_etl.storage import StoredObject
from tests.lambdas.etl.faults import FailingOnWrite, Injected

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


def test_one_file_in_row_groups_keeps_the_listing_order():
    storage = MemoryStorage()
    for update_id in range(12):
        put_raw(storage, update_id, name=f"{update_id:03d}")
    result = run(storage, row_group_rows=5)
    assert result.files == [part_key(DAY)]
    parquet = pq.ParquetFile(io.BytesIO(storage.get("out", part_key(DAY))))
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [5, 5, 2]
    assert parquet.read().column("update_id").to_pylist() == list(range(12))
    assert parquet.schema_arrow.equals(ARROW_SCHEMA, check_metadata=False)


def test_files_of_an_older_multi_file_layout_are_removed_by_a_rerun():
    storage = MemoryStorage()
    for update_id in range(7):
        put_raw(storage, update_id)
    for index in (1, 2):  # what the job wrote before partitions became one object
        storage.put("out", f"telegram/context_date={DAY}/part-0000{index}.parquet", b"old", "x")
    assert run(storage).files == [part_key(DAY)]
    assert [key for (bucket, key) in storage.objects if bucket == "out" and key.startswith("telegram/")] == [
        part_key(DAY)]  # fmt: skip


def put_body(storage, name, body: bytes):
    storage.put("raw", f"telegram/context_date={DAY}/{name}.json", body, "application/json")


def written_ids(storage, result):
    return [
        i
        for key in result.files
        for i in pq.read_table(io.BytesIO(storage.get("out", key)))["update_id"].to_pylist()
    ]


def quarantined(storage):
    return sorted(
        key.rsplit("/", 1)[-1] for (bucket, key) in storage.objects if key.startswith("quarantine/")
    )


def test_a_lone_surrogate_costs_nothing_its_text_is_repaired_and_the_day_written():
    storage = MemoryStorage()
    for update_id in range(6):
        put_raw(storage, update_id)
    # What the webhook accepted (valid JSON) and Arrow cannot encode: half of an emoji's UTF-16 pair.
    put_body(storage, "9", b'{"update_id": 9, "message": {"message_id": 1, "text": "oi \\ud83d ?"}}')
    result = run(storage)
    assert sorted(written_ids(storage, result)) == [0, 1, 2, 3, 4, 5, 9]
    (row,) = [
        r
        for r in pq.read_table(io.BytesIO(storage.get("out", result.files[0]))).to_pylist()
        if r["update_id"] == 9
    ]
    assert row["text"] == "oi \ufffd ?"
    assert (result.written, result.repaired, result.quarantined) == (7, 1, 0)


def test_json_nested_100000_deep_is_quarantined_and_the_rest_written():
    storage = MemoryStorage()
    for update_id in range(5):
        put_raw(storage, update_id)
    put_body(storage, "deep", b'{"update_id": 7, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    put_body(storage, "deeper", b"[" * 100_000 + b"]" * 100_000)
    result = run(storage)
    assert sorted(written_ids(storage, result)) == [0, 1, 2, 3, 4]
    assert quarantined(storage) == ["deep.json", "deeper.json"]
    assert (result.read, result.written, result.quarantined) == (7, 5, 2)


def test_a_flattener_failure_quarantines_that_object_only(monkeypatch):
    import telegram_etl.job as job

    real = job.flatten_values

    def flaky(update, ingested_ms, **options):
        if update["update_id"] == 4:
            raise KeyError("a flattener bug")
        return real(update, ingested_ms, **options)

    monkeypatch.setattr(job, "flatten_values", flaky)
    storage = MemoryStorage()
    for update_id in range(8):
        put_raw(storage, update_id)
    result = run(storage)
    assert sorted(written_ids(storage, result)) == [0, 1, 2, 3, 5, 6, 7]
    assert quarantined(storage) == ["4.json"]


def test_a_language_model_that_cannot_load_fails_the_run_instead_of_quarantining_each_request(
    monkeypatch, tmp_path
):
    import telegram_etl.language as language

    monkeypatch.setattr(language, "model_path", lambda: tmp_path / "lid.176.ftz")  # a bundle without it
    language._model.cache_clear()
    monkeypatch.setattr(language, "_model", language._model)  # restored (and its cache) after the test
    storage = MemoryStorage()
    put_raw(storage, 1)  # no text: flattened as ever
    update = {"update_id": 2, "message": {"message_id": 5, "date": 1700000000, "chat": {"id": -100, "type": "group"},
              "from": {"id": 7, "is_bot": False, "first_name": "Ana"}, "text": "Onde está o meu pedido de ontem?"}}  # fmt: skip
    storage.put("raw", f"telegram/context_date={DAY}/2.json", json.dumps(update).encode(), "application/json")
    with pytest.raises(language.LanguageModelUnavailable, match="could not be loaded"):
        run(storage)
    assert quarantined(storage) == [] and not [k for (_, k) in storage.objects if k.startswith("telegram/")
                                               and "context_date" in k and k.endswith(".parquet")]  # fmt: skip
    language._model.cache_clear()


def test_a_row_arrow_refuses_quarantines_its_object_only_never_its_batch(monkeypatch):
    import telegram_etl.job as job

    real = job.flatten_values

    def mistyped(update, ingested_ms, **options):
        values = real(update, ingested_ms, **options)
        if update["update_id"] in (2, 6):
            chat_id = COLUMN_NAMES.index("chat_id")  # what a flattener bug would hand Arrow
            values = (*values[:chat_id], "not a number", *values[chat_id + 1 :])
        return values

    monkeypatch.setattr(job, "flatten_values", mistyped)
    storage = MemoryStorage()
    for update_id in range(9):
        put_raw(storage, update_id)
    result = run(storage)  # batches of 3: the bad rows sit in two batches among good ones
    assert written_ids(storage, result) == [0, 1, 3, 4, 5, 7, 8]
    assert quarantined(storage) == ["2.json", "6.json"]
    assert (result.written, result.quarantined) == (7, 2)


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=5_000), max_size=60),
    max_count=st.integers(min_value=1, max_value=10),
    max_bytes=st.integers(min_value=1, max_value=8_000),
)
def test_batches_respect_a_count_and_a_byte_budget(sizes, max_count, max_bytes):
    objects = [StoredObject(f"{i}.json", STAMP, size) for i, size in enumerate(sizes)]
    found = list(batches(iter(objects), max_count, max_bytes))
    assert [obj for batch in found for obj in batch] == objects  # all of them, in order
    for batch in found:
        assert 1 <= len(batch) <= max_count
        # Over the budget only when one object alone is: it still has to be read.
        assert sum(obj.size for obj in batch) <= max_bytes or len(batch) == 1
    for batch, following in pairwise(found):
        # Batches are full: the next object would have broken a limit.
        assert len(batch) == max_count or sum(o.size for o in batch) + following[0].size > max_bytes


class RecordingPool:
    """A thread pool that records how many body bytes each batch holds at once."""

    def __init__(self, pool):
        self.pool, self.batch_bytes = pool, []

    def map(self, fn, items):
        bodies = list(self.pool.map(fn, items))
        self.batch_bytes.append(sum(len(body) for body in bodies))
        return iter(bodies)


class SizedMemoryStorage(MemoryStorage):
    def list_objects(self, bucket, prefix):
        for b, key in sorted(self.objects):
            if b == bucket and key.startswith(prefix):
                yield StoredObject(key, STAMP, len(self.objects[(b, key)]))


def big_update(update_id: int, text_bytes: int) -> bytes:
    text = "x" * text_bytes
    return json.dumps({"update_id": update_id, "message": {"message_id": 1, "text": text}}).encode()


def test_a_day_of_big_updates_is_read_within_the_byte_budget():
    storage = SizedMemoryStorage()
    for update_id in range(40):
        put_body(storage, f"{update_id:03d}", big_update(update_id, 100_000))
    with ThreadPoolExecutor(max_workers=4) as threads:
        pool = RecordingPool(threads)
        result = process_day(storage, raw_bucket="raw", processed_bucket="out", day=DAY, pool=pool,
                             batch_size=1_000, batch_bytes=350_000)  # fmt: skip
    assert result.written == 40
    assert max(pool.batch_bytes) <= 350_000 and len(pool.batch_bytes) == 14  # 3 updates a batch
    assert written_ids(storage, result) == list(range(40))


def test_row_groups_are_bounded_by_bytes_as_well_as_rows():
    storage = SizedMemoryStorage()
    for update_id in range(10):
        put_body(storage, f"{update_id:03d}", big_update(update_id, 100_000))
    result = run(storage, row_group_rows=1_000, row_group_bytes=250_000)
    (key,) = result.files
    metadata = pq.ParquetFile(io.BytesIO(storage.get("out", key))).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sum(sizes) == 10 and max(sizes) <= 3


class MultipartMemoryStorage(MemoryStorage):
    """S3's multipart semantics: parts are invisible until complete(), which shows the whole object."""

    def __init__(self):
        super().__init__()
        self.open_uploads = 0

    def start_upload(self, bucket, key, content_type):
        storage, parts = self, []
        storage.open_uploads += 1

        class Upload:
            def write_part(self, body):
                parts.append(body)

            def complete(self):
                storage.objects[(bucket, key)] = b"".join(parts)
                storage.open_uploads -= 1

            def abort(self):
                storage.open_uploads -= 1

        return Upload()


def what_a_reader_sees(storage) -> list[int]:
    """Like Athena: every object under the partition's prefix, sub-prefixes included, read as Parquet."""
    ids = []
    for obj in storage.list_objects("out", f"telegram/context_date={DAY}/"):
        ids += pq.read_table(io.BytesIO(storage.get("out", obj.key)))["update_id"].to_pylist()
    return sorted(ids)


def put_noisy(storage, update_id):
    # Text that does not compress away, so that the Parquet object spans several parts.
    text = hashlib.sha256(str(update_id).encode()).hexdigest() * 30
    put_body(
        storage, f"{update_id:04d}", json.dumps({"update_id": update_id, "message": {"text": text}}).encode()
    )


def run_parts(storage):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return process_day(storage, raw_bucket="raw", processed_bucket="out", day=DAY, pool=pool,
                           batch_size=10, row_group_rows=10, part_bytes=4_096)  # fmt: skip


@pytest.mark.parametrize("previous", [0, 30])
def test_a_run_failing_at_any_write_leaves_the_previous_partition_whole(previous):
    base = MultipartMemoryStorage()
    for update_id in range(previous):
        put_noisy(base, update_id)
    if previous:
        run_parts(base)
    before = what_a_reader_sees(base)
    assert len(before) == previous
    for update_id in range(previous, previous + 60):
        put_noisy(base, update_id)
    put_body(base, "bad", b"not json")  # a quarantine put among the writes

    counting = FailingOnWrite(copy.deepcopy(base), fail_at=0)
    run_parts(counting)
    assert counting.writes > 6  # the new partition left in several parts
    for fail_at in range(1, counting.writes + 1):
        storage = copy.deepcopy(base)
        with pytest.raises(Injected):
            run_parts(FailingOnWrite(storage, fail_at))
        # The last writes are the manifest's, after the partition is published: a failure there leaves the
        # whole new partition and no manifest of it (the next scheduled run re-runs the day).
        assert what_a_reader_sees(storage) in (before, list(range(previous + 60))), (
            f"failure at write {fail_at}"
        )
        assert storage.open_uploads == 0, f"upload left open at write {fail_at}"

    result = run_parts(base)
    assert what_a_reader_sees(base) == list(range(previous + 60))
    first = base.get("out", part_key(DAY))
    again = run_parts(base)
    assert again.files == result.files == [part_key(DAY)]
    assert base.get("out", part_key(DAY)) == first  # a re-run writes the same bytes


def test_a_storage_without_multipart_gets_one_put_per_partition():
    storage = MemoryStorage()
    for update_id in range(40):
        put_noisy(storage, update_id)
    assert run_parts(storage).files == [part_key(DAY)]
    assert what_a_reader_sees(storage) == list(range(40))


def test_columns_unique_per_row_skip_the_dictionary_and_the_values_stay_the_rows():
    # The real Updates of the fixtures, each stored twice under its own update_id.
    from telegram_etl.flatten import flatten, parse_update
    from telegram_etl.schema import DICTIONARY_COLUMNS, PLAIN_ENCODED_COLUMNS
    from tests.helpers import UPDATE_FILES

    storage = MemoryStorage()
    updates = []
    for copy_number in range(2):
        for index, path in enumerate(UPDATE_FILES):
            update = {**json.loads(path.read_bytes()), "update_id": copy_number * 1000 + index}
            updates.append(update)
            key = f"telegram/context_date={DAY}/{update['update_id']:05d}.json"
            storage.put("raw", key, json.dumps(update).encode(), "application/json")
    run(storage)
    parquet = pq.ParquetFile(io.BytesIO(storage.get("out", part_key(DAY))))
    chunks = parquet.metadata.row_group(0)
    encodings = {chunks.column(i).path_in_schema.split(".")[0]: chunks.column(i).encodings
                 for i in range(chunks.num_columns)}  # fmt: skip
    assert set(DICTIONARY_COLUMNS) | PLAIN_ENCODED_COLUMNS == set(COLUMN_NAMES)
    table = parquet.read()
    for name in PLAIN_ENCODED_COLUMNS:
        assert "RLE_DICTIONARY" not in encodings[name], (name, encodings[name])
    # (Parquet has no dictionary of booleans)
    valued = [name for name in DICTIONARY_COLUMNS if ARROW_SCHEMA.field(name).type != "bool"]
    assert "reactions" in valued and len(valued) >= 20
    for name in valued:
        assert "RLE_DICTIONARY" in encodings[name], (name, encodings[name])
    # The rows are flatten()'s (redacted, no people given), in the listing's order.
    expected = [flatten(parse_update(json.dumps(u).encode()), STAMP) for u in updates]
    assert table.to_pylist() == expected
