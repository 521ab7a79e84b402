"""What a reader of the table sees while the ETL replaces a day, on a real S3 server (SeaweedFS): the
old partition or the new one, never part of a run, never two runs mixed, also when a run fails midway.

The reader reads like Athena: every object under telegram/context_date=D/, sub-prefixes included."""

import base64
import io
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pyarrow.parquet as pq
import pytest

from standins.runner import LocalPipeline
from telegram_etl.job import part_key, process_day
from telegram_etl.storage import S3Storage
from tests.lambdas.etl.faults import FailingOnWrite, Injected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PART = 5 * 2**20  # S3's (and SeaweedFS's) smallest part but the last


@pytest.fixture(scope="module")
def pipeline(s3_server) -> LocalPipeline:
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="swap-raw", processed_bucket="swap-processed")
    pipeline.create_buckets()
    return pipeline


def put_updates(pipeline, day: date, ids) -> None:
    def put(update_id):
        # Random text, so that the day's Parquet spans several 5 MiB parts (it does not compress away).
        text = base64.b64encode(random.Random(update_id).randbytes(75_000)).decode()
        body = json.dumps({"update_id": update_id, "message": {"message_id": update_id, "text": text}})
        key = f"telegram/context_date={day}/{update_id}.json"
        pipeline.s3.put_object(Bucket=pipeline.raw_bucket, Key=key, Body=body.encode())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, ids))


def reader_sees(pipeline, day: date) -> list[int]:
    ids = []
    pages = pipeline.s3.get_paginator("list_objects_v2").paginate(
        Bucket=pipeline.processed_bucket, Prefix=f"telegram/context_date={day}/"
    )
    for item in (item for page in pages for item in page.get("Contents", [])):
        body = pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=item["Key"])["Body"].read()
        ids += pq.read_table(io.BytesIO(body))["update_id"].to_pylist()
    return sorted(ids)


def etl(storage, day: date):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return process_day(storage, raw_bucket="swap-raw", processed_bucket="swap-processed", day=day,
                           pool=pool, batch_size=20, row_group_rows=20, part_bytes=PART)  # fmt: skip


def open_uploads(pipeline) -> list[str]:
    uploads = pipeline.s3.list_multipart_uploads(Bucket=pipeline.processed_bucket).get("Uploads", [])
    return [upload["Key"] for upload in uploads]


def test_a_run_failing_midway_leaves_the_old_partition_and_a_rerun_replaces_it_at_once(pipeline):
    day = date(2025, 5, 1)
    put_updates(pipeline, day, range(20))
    etl(S3Storage(pipeline.s3), day)
    old = list(range(20))
    assert reader_sees(pipeline, day) == old

    put_updates(pipeline, day, range(20, 130))
    # Writes of the new run: 1 starts the upload, 2.. are its parts, the last completes it.
    failing = FailingOnWrite(S3Storage(pipeline.s3), fail_at=3)  # its second part
    with pytest.raises(Injected):
        etl(failing, day)
    assert reader_sees(pipeline, day) == old
    assert open_uploads(pipeline) == []  # aborted: no part of it lingers

    counting = FailingOnWrite(S3Storage(pipeline.s3), fail_at=0)
    seen, done = [], threading.Event()

    def read_while_replacing():
        while not done.is_set():
            seen.append(reader_sees(pipeline, day))

    reader = threading.Thread(target=read_while_replacing)
    reader.start()
    try:
        result = etl(counting, day)
    finally:
        done.set()
        reader.join()
    new = list(range(130))
    assert counting.writes >= 4  # start, at least two parts, complete: a real multipart upload
    assert seen and all(ids in (old, new) for ids in seen), {len(ids) for ids in seen}
    assert reader_sees(pipeline, day) == new and result.files == [part_key(day)]

    # The completion: after it come only the day's manifest (late data) and the removal of the older one.
    failing_at_the_end = FailingOnWrite(S3Storage(pipeline.s3), fail_at=counting.writes - 2)
    put_updates(pipeline, day, [130])
    with pytest.raises(Injected):
        etl(failing_at_the_end, day)
    assert reader_sees(pipeline, day) == new


def test_a_first_run_failing_midway_shows_nothing_of_the_day(pipeline):
    day = date(2025, 5, 3)
    put_updates(pipeline, day, range(1000, 1130))
    with pytest.raises(Injected):
        etl(FailingOnWrite(S3Storage(pipeline.s3), fail_at=3), day)
    assert reader_sees(pipeline, day) == []
    etl(S3Storage(pipeline.s3), day)
    first = pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=part_key(day))["Body"].read()
    etl(S3Storage(pipeline.s3), day)  # a re-run: the same bytes, no second file
    again = pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=part_key(day))["Body"].read()
    assert first == again and reader_sees(pipeline, day) == list(range(1000, 1130))
