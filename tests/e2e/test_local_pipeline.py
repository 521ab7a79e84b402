"""The unchanged Lambda code against a real S3-compatible server (SeaweedFS) on loopback."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from standins.runner import LocalPipeline
from telegram_etl.schema import ARROW_SCHEMA
from tests.helpers import DESKTOP_EXPORTS, UPDATE_FILES

pytestmark = pytest.mark.e2e
DAY = "2025-04-01"
ARRIVAL_MS = 1_743_516_000_000  # 2025-04-01T14:00:00Z, 11:00 in São Paulo


@pytest.fixture(scope="module")
def pipeline(s3_server) -> LocalPipeline:
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="e2e-raw", processed_bucket="e2e-processed")
    pipeline.create_buckets()
    return pipeline


def keys(pipeline, bucket, prefix=""):
    pages = pipeline.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def partition(pipeline) -> pa.Table:
    bodies = [
        pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=key)["Body"].read()
        for key in keys(pipeline, pipeline.processed_bucket, f"telegram/context_date={DAY}/")
    ]
    return pa.concat_tables(pq.read_table(io.BytesIO(body)) for body in bodies)


def test_webhook_stores_every_real_update_byte_for_byte(pipeline):
    last_sent = {}
    for path in UPDATE_FILES:
        response = pipeline.post_webhook(path.read_bytes(), request_time_ms=ARRIVAL_MS)
        assert response["statusCode"] == 200, path.name
        # Fixtures that share an update_id overwrite each other's key: the last one sent is kept.
        last_sent[json.loads(path.read_bytes())["update_id"]] = path.read_bytes()
    for update_id, body in last_sent.items():
        stored = pipeline.s3.get_object(
            Bucket=pipeline.raw_bucket, Key=f"telegram/context_date={DAY}/{update_id}.json"
        )
        assert stored["Body"].read() == body


def test_webhook_refuses_bad_input_and_stores_nothing(pipeline):
    before = keys(pipeline, pipeline.raw_bucket)
    assert (
        pipeline.post_webhook(DESKTOP_EXPORTS[0].read_bytes(), request_time_ms=ARRIVAL_MS)["statusCode"]
        == 400
    )
    assert (
        pipeline.post_webhook(b'{"update_id": 1}', request_time_ms=ARRIVAL_MS, secret="wrong")["statusCode"]
        == 401
    )
    assert keys(pipeline, pipeline.raw_bucket) == before


def test_etl_writes_the_day_with_the_exact_schema_and_reruns_idempotently(pipeline):
    distinct = {json.loads(p.read_bytes())["update_id"] for p in UPDATE_FILES}
    first = pipeline.run_etl({"date": DAY})
    table = partition(pipeline)
    assert table.schema.equals(ARROW_SCHEMA, check_metadata=False)
    assert sorted(table.column("update_id").to_pylist()) == sorted(distinct)
    assert first["totals"]["written"] == len(distinct)

    second = pipeline.run_etl({"date": DAY})
    assert second["days"][0]["files"] == first["days"][0]["files"]
    assert partition(pipeline).to_pylist() == table.to_pylist()


def test_etl_quarantines_a_broken_raw_object_on_real_s3(pipeline):
    pipeline.s3.put_object(
        Bucket=pipeline.raw_bucket, Key=f"telegram/context_date={DAY}/garbage.json", Body=b"\x00not json"
    )
    result = pipeline.run_etl({"date": DAY})
    assert result["totals"]["quarantined"] == 1
    assert keys(pipeline, pipeline.processed_bucket, "quarantine/") == [
        f"quarantine/context_date={DAY}/garbage.json"
    ]
    pipeline.s3.delete_object(Bucket=pipeline.raw_bucket, Key=f"telegram/context_date={DAY}/garbage.json")
    pipeline.run_etl({"date": DAY})
    assert keys(pipeline, pipeline.processed_bucket, "quarantine/") == []  # the day is replaced whole


def test_one_poisonous_object_never_costs_the_day_on_real_s3(pipeline):
    """A lone surrogate (accepted by the webhook) and JSON nested 100,000 deep among good updates."""
    day, arrival = "2025-04-03", 1_743_688_800_000  # 2025-04-03T14:00:00Z
    for update_id in range(100, 110):
        body = json.dumps({"update_id": update_id, "message": {"message_id": update_id, "text": "ok"}})
        assert pipeline.post_webhook(body.encode(), request_time_ms=arrival)["statusCode"] == 200
    surrogate = b'{"update_id": 200, "message": {"message_id": 1, "text": "oi \\ud83d"}}'
    assert pipeline.post_webhook(surrogate, request_time_ms=arrival)["statusCode"] == 200
    deep = b'{"update_id": 201, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    pipeline.s3.put_object(Bucket=pipeline.raw_bucket, Key=f"telegram/context_date={day}/201.json", Body=deep)

    result = pipeline.run_etl({"date": day})["days"][0]
    assert (result["read"], result["written"], result["repaired"], result["quarantined"]) == (12, 11, 1, 1)
    assert keys(pipeline, pipeline.processed_bucket, f"quarantine/context_date={day}/") == [
        f"quarantine/context_date={day}/201.json"
    ]
    (key,) = keys(pipeline, pipeline.processed_bucket, f"telegram/context_date={day}/")
    table = pq.read_table(
        io.BytesIO(pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=key)["Body"].read())
    )
    assert sorted(table.column("update_id").to_pylist()) == [*range(100, 110), 200]
    assert "oi \ufffd" in table.column("text").to_pylist()
