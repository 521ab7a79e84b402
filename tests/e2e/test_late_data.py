"""Late data on a real S3 server (SeaweedFS), in both raw layouts: a record stored after its day's scheduled
run is in the table after the next scheduled run, counted once (issue 22; docs/architecture.md, "Late
data"). The unchanged Lambdas, driven as API Gateway and EventBridge Scheduler would."""

import dataclasses
import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from demo_data.generator import generate
from demo_data.group import BOT
from local.demo import scheduled_event
from standins.runner import LocalPipeline
from telegram_ingest.outgoing import outgoing_update_id

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CONVERSATION = generate(seed=5, updates=120, days=2)
ZONE = ZoneInfo(CONVERSATION.timezone)
DAY, NEXT = CONVERSATION.days[0], CONVERSATION.days[1]


def local_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=ZONE).date()


def pipeline_for(s3_server, name: str, layout: str) -> LocalPipeline:
    settings = dataclasses.replace(CONVERSATION.settings(), raw_layout=layout, bot_user_id=BOT["id"])
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket=f"{name}-raw", processed_bucket=f"{name}-out",
                             settings=settings)  # fmt: skip
    pipeline.create_buckets()
    return pipeline


def post_deliveries(pipeline: LocalPipeline, day: date) -> set[int]:
    """Telegram's deliveries that reached API Gateway on `day`; their update ids."""
    ids = set()
    for delivery in CONVERSATION.deliveries:
        if local_day(delivery.request_time_ms) == day:
            body = json.dumps(delivery.update).encode()
            assert pipeline.post_webhook(body, request_time_ms=delivery.request_time_ms)["statusCode"] == 200
            ids.add(delivery.update["update_id"])
    return ids


def partition_ids(pipeline: LocalPipeline, day: date) -> list[int]:
    key = f"telegram/context_date={day.isoformat()}/part-00000.parquet"
    listed = pipeline.s3.list_objects_v2(Bucket=pipeline.processed_bucket, Prefix=key).get("Contents", [])
    if not listed:
        return []
    body = pipeline.s3.get_object(Bucket=pipeline.processed_bucket, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body)).column("update_id").to_pylist()


def test_object_layout_an_outgoing_post_after_its_days_run_is_in_the_table_after_the_next_run(s3_server):
    pipeline = pipeline_for(s3_server, "late-objects", "object")
    webhook_ids = post_deliveries(pipeline, DAY)
    posts = [post for post in CONVERSATION.outgoing if local_day(post.request_time_ms) == DAY]
    *on_time, late = posts  # the backend's last post of the day is held back (it was down, say)
    for post in on_time:
        assert pipeline.post_outgoing(json.dumps(post.body).encode(),
                                      request_time_ms=post.request_time_ms)["statusCode"] == 200  # fmt: skip
    first = pipeline.run_etl(scheduled_event(DAY))
    late_ids = {outgoing_update_id(m["chat"]["id"], m["message_id"]) for m in late.messages}
    assert not late_ids & set(partition_ids(pipeline, DAY)) and not first.get("late_reruns")

    # The next morning, after the run: the late post, keyed by its messages' send date (DAY).
    after_run = int(datetime.combine(NEXT, time(10), tzinfo=ZONE).timestamp() * 1000)
    assert (
        pipeline.post_outgoing(json.dumps(late.body).encode(), request_time_ms=after_run)["statusCode"] == 200
    )
    post_deliveries(pipeline, NEXT)
    second = pipeline.run_etl(scheduled_event(NEXT))

    ids = partition_ids(pipeline, DAY)
    assert len(ids) == len(set(ids))  # counted once
    on_time_ids = {outgoing_update_id(m["chat"]["id"], m["message_id"]) for p in on_time for m in p.messages}
    assert set(ids) == webhook_ids | on_time_ids | late_ids
    assert not late_ids & set(partition_ids(pipeline, NEXT))
    assert second["late_reruns"] == [DAY.isoformat()]
    assert [day["date"] for day in second["days"]] == [NEXT.isoformat(), DAY.isoformat()]
    # Nothing changed since: the run after re-runs nothing.
    assert pipeline.run_etl(scheduled_event(NEXT + timedelta(days=1)))["late_reruns"] == []


def test_firehose_layout_a_delivery_retried_past_its_days_run_is_in_the_table_after_the_next_run(s3_server):
    pipeline = pipeline_for(s3_server, "late-firehose", "firehose")
    day_ids = post_deliveries(pipeline, DAY)
    # S3 refuses Firehose's deliveries: the day's last records are still in the stream when the run reads.
    first = pipeline.etl.invoke(scheduled_event(DAY))  # no flush, unlike run_etl
    missing = day_ids - set(partition_ids(pipeline, DAY))
    assert missing and not first.get("late_reruns")
    assert pipeline.firehose is not None
    pipeline.firehose.flush()  # S3 is back: Firehose delivers them, filed under DAY, after its run

    next_ids = post_deliveries(pipeline, NEXT)
    second = pipeline.run_etl(scheduled_event(NEXT))
    ids, next_day = partition_ids(pipeline, DAY), partition_ids(pipeline, NEXT)
    assert sorted(ids) == sorted(day_ids)  # every record of the day, each once
    assert not set(next_day) & day_ids  # not on the next day too (redeliveries of DAY's updates included)
    assert set(next_day) == next_ids - day_ids
    assert second["late_reruns"] == [DAY.isoformat()]
    assert pipeline.run_etl(scheduled_event(NEXT + timedelta(days=1)))["late_reruns"] == []
