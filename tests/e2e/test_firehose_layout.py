"""raw_layout "firehose" on a real S3 server (SeaweedFS): the unchanged Lambdas, the local Firehose
stand-in, and a stage switching layouts in the middle of its traffic."""

import dataclasses
import io
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from demo_data.generator import generate
from standins.runner import LocalPipeline, raw_days
from telegram_etl.firehose import decode_record

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CONVERSATION = generate(seed=11, updates=240, days=3)
SETTINGS = CONVERSATION.settings()
KEY = "firehose-layout-e2e-pseudonym-key"


def pipeline_for(s3_server, name: str, layout: str, **buffers) -> LocalPipeline:
    settings = dataclasses.replace(SETTINGS, raw_layout=layout, **buffers)
    # One pseudonym key for all (pseudonyms are on by default): the same person, the same pseudonym.
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket=f"{name}-raw", processed_bucket=f"{name}-out",
                             settings=settings, pseudonym_key_text=KEY)  # fmt: skip
    pipeline.create_buckets()
    return pipeline


def post_all(pipeline: LocalPipeline, deliveries) -> None:
    for delivery in deliveries:
        response = pipeline.post_webhook(json.dumps(delivery.update).encode(),
                                         request_time_ms=delivery.request_time_ms)  # fmt: skip
        assert response["statusCode"] == 200, response


def processed(pipeline: LocalPipeline) -> dict[str, pa.Table]:
    """Every day's partition, sorted by update_id, without ingested_at (the object layout's is the S3
    server's LastModified, i.e. now; the firehose layout's is the replayed arrival)."""
    for payload_day in raw_days(pipeline):
        pipeline.run_etl({"date": payload_day})
    tables = {}
    pages = pipeline.s3.get_paginator("list_objects_v2").paginate(Bucket=pipeline.processed_bucket,
                                                                  Prefix="telegram/")  # fmt: skip
    for item in (obj for page in pages for obj in page.get("Contents", [])):
        body = pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=item["Key"])["Body"].read()
        table = pq.read_table(io.BytesIO(body))
        tables[item["Key"].split("/")[1]] = table.sort_by("update_id").drop_columns(["ingested_at"])
    return tables


@pytest.fixture(scope="module")
def by_objects(s3_server) -> dict[str, pa.Table]:
    pipeline = pipeline_for(s3_server, "fh-objects", "object")
    post_all(pipeline, CONVERSATION.deliveries)
    return processed(pipeline)


def test_the_firehose_layout_gives_the_object_layouts_table(s3_server, by_objects):
    # A small buffer, so that the conversation becomes many objects, some of them across midnight.
    pipeline = pipeline_for(s3_server, "fh-firehose", "firehose", firehose_buffer_mib=1,
                            firehose_buffer_seconds=600)  # fmt: skip
    post_all(pipeline, CONVERSATION.deliveries)
    pipeline.firehose.flush()
    assert len(pipeline.firehose.objects) > len(CONVERSATION.days)
    keys = [o["Key"] for o in pipeline.s3.list_objects_v2(Bucket=pipeline.raw_bucket).get("Contents", [])]
    assert keys and all(key.startswith("firehose/context_date=") and key.endswith(".jsonl") for key in keys)
    assert processed(pipeline) == by_objects
    assert sum(t.num_rows for t in by_objects.values()) == len(
        {d.update["update_id"] for d in CONVERSATION.deliveries}
    )


def test_firehose_objects_hold_each_body_byte_for_byte_with_its_arrival(s3_server):
    pipeline = pipeline_for(s3_server, "fh-bytes", "firehose")
    sent = CONVERSATION.deliveries[:20]
    post_all(pipeline, sent)
    pipeline.firehose.flush()
    lines = []
    for key in pipeline.firehose.objects:
        lines += pipeline.s3.get_object(Bucket=pipeline.raw_bucket, Key=key)["Body"].read().splitlines()
    records = [decode_record(line) for line in lines]
    assert [(r.body, r.received_ms) for r in records] == [
        (json.dumps(d.update).encode(), d.request_time_ms) for d in sent
    ]


def test_a_stage_switching_layouts_mid_day_loses_nothing_and_counts_nothing_twice(s3_server, by_objects):
    half = len(CONVERSATION.deliveries) // 2
    before = pipeline_for(s3_server, "fh-switch", "object")
    post_all(before, CONVERSATION.deliveries[:half])
    after = pipeline_for(s3_server, "fh-switch", "firehose")
    # Telegram redelivers a few updates already stored as objects, now as records.
    post_all(after, CONVERSATION.deliveries[half - 10 :])
    assert processed(after) == by_objects
    totals = pc.sum(pa.array([t.num_rows for t in by_objects.values()])).as_py()
    assert totals == len({d.update["update_id"] for d in CONVERSATION.deliveries})
