"""The demo's path end to end: generated conversation -> real HTTP -> local API Gateway -> ingest Lambda
-> SeaweedFS -> ETL per day -> Parquet -> named queries in DuckDB, checked against the generator's
own ledger (not against the SQL)."""

import io
import json
from collections import Counter
from datetime import date

import pyarrow.parquet as pq
import pytest

from local_pipeline.api_gateway import LocalApiGateway
from local_pipeline.demo import post, scheduled_event
from local_pipeline.generator import generate
from local_pipeline.runner import LocalPipeline, answer_all

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replay(s3_server, tmp_path_factory):
    conversation = generate(seed=11, updates=250, days=5)
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="replay-raw", processed_bucket="replay-out")
    pipeline.create_buckets()
    with LocalApiGateway(pipeline.ingest.invoke) as api:
        statuses = Counter(
            post(
                f"{api.url}/webhook",
                json.dumps(d.update).encode(),
                pipeline.webhook_secret,
                d.request_time_ms,
            )[0]
            for d in conversation.deliveries
        )
    assert statuses == {200: len(conversation.deliveries)}
    results = [pipeline.run_etl(scheduled_event(day))["days"][0] for day in conversation.days]
    answers = answer_all(pipeline, tmp_path_factory.mktemp("replay-parquet"))
    return conversation, pipeline, results, answers


def test_each_day_holds_exactly_the_updates_that_arrived_that_day(replay):
    conversation, pipeline, results, _ = replay
    ledger = conversation.ledger
    assert {date.fromisoformat(r["date"]): r["written"] for r in results} == dict(
        ledger.updates_by_arrival_day
    )
    # A redelivery lands on its update's key again: one raw object per distinct update.
    assert ledger.redeliveries > 0
    raw = pipeline.s3.get_paginator("list_objects_v2").paginate(Bucket="replay-raw")
    assert sum(len(page.get("Contents", [])) for page in raw) == sum(ledger.updates_by_arrival_day.values())
    rows = []
    for page in pipeline.s3.get_paginator("list_objects_v2").paginate(
        Bucket="replay-out", Prefix="telegram/"
    ):
        for item in page.get("Contents", []):
            body = pipeline.s3.get_object(Bucket="replay-out", Key=item["Key"])["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
    sent = {d.update["update_id"]: d.update for d in conversation.deliveries}
    assert sorted(r["update_id"] for r in rows) == sorted(sent)
    by_id = {r["update_id"]: r for r in rows}
    for update_id, update in sent.items():
        kind = next(k for k in update if k != "update_id")
        assert by_id[update_id]["update_type"] == kind
        if kind == "message":
            assert by_id[update_id]["text"] == update["message"].get("text", update["message"].get("caption"))


def test_q1_hours_days_and_heatmap_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    ledger = conversation.ledger
    assert {r["hour_of_day"]: r["messages"] for r in answers["q1_messages_by_hour"]} == dict(
        ledger.user_messages_by_hour
    )
    assert {r["day"]: r["messages"] for r in answers["q1_volume_by_day"]} == dict(ledger.user_messages_by_day)
    assert {
        (r["weekday"], r["hour_of_day"]): r["messages"] for r in answers["q1_heatmap_weekday_hour"]
    } == dict(ledger.user_messages_by_weekday_hour)


def test_q2_questions_and_commands_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    assert {r["question"]: r["times_asked"] for r in answers["q2_top_questions"]} == dict(
        conversation.ledger.questions
    )
    assert {r["command"]: r["uses"] for r in answers["q2_top_commands"]} == dict(conversation.ledger.commands)
    top = answers["q2_top_questions"][0]
    assert top["times_asked"] == max(conversation.ledger.questions.values())


def test_q3_feedback_and_answers_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    ledger = conversation.ledger
    (feedback,) = answers["q3_feedback_resolution_rate"]
    assert (feedback["resolved"], feedback["unresolved"]) == (
        ledger.feedback["feedback:resolved"],
        ledger.feedback["feedback:unresolved"],
    )
    assert feedback["resolution_rate_pct"] == round(100 * feedback["resolved"] / feedback["rated"], 1)
    (answered,) = answers["q3_questions_answered"]
    assert answered["questions"] == sum(ledger.questions.values())
    assert answered["answered"] == ledger.answered_questions
