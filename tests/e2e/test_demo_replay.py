"""The demo's path end to end: generated conversation -> real HTTP -> local API Gateway -> ingest Lambda
-> SeaweedFS -> ETL per day -> Parquet -> named queries in DuckDB, checked against the generator's
own ledger (what it intended: each request's topic label, who replied to what and when, who clicked
what), not against the SQL. The settings are the group's: its staff, our bot and the demo's topic rules."""

import io
import json
from collections import Counter
from datetime import date

import pyarrow.parquet as pq
import pytest

from local_pipeline.api_gateway import LocalApiGateway
from local_pipeline.demo import post, scheduled_event
from local_pipeline.generator import REQUESTS, generate
from local_pipeline.runner import LocalPipeline, answer_all
from telegram_etl.privacy import redact

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replay(s3_server, tmp_path_factory):
    conversation = generate(seed=11, updates=250, days=5)
    settings = conversation.settings("replay")
    pipeline = LocalPipeline(
        s3_server.client_env(), raw_bucket="replay-raw", processed_bucket="replay-out", settings=settings
    )
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
        if kind in ("message", "edited_message"):
            text = update[kind].get("text", update[kind].get("caption"))
            # Personal data in texts is redacted (docs/privacy.md): the rest of the text is kept as sent.
            assert by_id[update_id]["text"] == (None if text is None else redact(text))


def test_q1_customer_messages_requests_and_users_by_hour_and_day_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    ledger = conversation.ledger
    assert {
        r["hour_of_day"]: {"messages": r["messages"], "users": r["users"], "requests": r["requests"]}
        for r in answers["q1_messages_by_hour"]
    } == ledger.by_hour
    assert {
        r["day"]: {"messages": r["messages"], "requests": r["requests"], "customers": r["customers"]}
        for r in answers["q1_volume_by_day"]
    } == ledger.by_day
    assert {
        (r["weekday"], r["hour_of_day"]): r["messages"] for r in answers["q1_heatmap_weekday_hour"]
    } == dict(ledger.by_weekday_hour)


def test_q2_topics_coverage_and_commands_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    ledger, rules = conversation.ledger, conversation.topic_rules
    topics = answers["q2_top_topics"]
    # Topics the rules cover: by name, each request counted under its template's topic.
    assert {
        r["topic"]: {"requests": r["requests"], "users": r["users"]} for r in topics if r["source"] == "rule"
    } == {topic: counts for topic, counts in ledger.topics.items() if topic in rules}
    # The others get an automatic topic (their shared key term): one per template topic, same counts.
    uncovered = [topic for topic in REQUESTS if topic is not None and topic not in rules]
    assert uncovered and all(topic in ledger.topics for topic in uncovered)
    assert sorted((r["requests"], r["users"]) for r in topics if r["source"] == "keyword") == sorted(
        (ledger.topics[topic]["requests"], ledger.topics[topic]["users"]) for topic in uncovered
    )
    (coverage,) = answers["q2_topic_coverage"]
    assert coverage["requests"] == ledger.questions
    assert coverage["with_rule_topic"] == sum(ledger.topics[topic]["requests"] for topic in rules)
    assert coverage["without_topic"] == ledger.requests_without_topic
    assert {r["keyword"] for r in answers["q2_uncovered_keywords"]} >= {
        r["topic"] for r in topics if r["source"] == "keyword"
    }
    assert {r["command"]: {"uses": r["uses"], "users": r["users"]} for r in answers["q2_top_commands"]} == (
        ledger.commands
    )


def test_q3_feedback_answers_asked_again_and_outcomes_equal_the_ledger(replay):
    conversation, _, _, answers = replay
    ledger = conversation.ledger
    (feedback,) = answers["q3_feedback_resolution_rate"]
    assert {k: feedback[k] for k in ("rated", "resolved", "unresolved")} == ledger.feedback
    assert feedback["resolution_rate_pct"] == round(100 * feedback["resolved"] / feedback["rated"], 1)
    (answered,) = answers["q3_questions_answered"]
    assert (answered["questions"], answered["answered"]) == (ledger.questions, ledger.answered)
    assert ledger.median_minutes_to_reply is not None
    assert abs(float(answered["median_minutes_to_reply"]) - ledger.median_minutes_to_reply) <= 0.1 + 1e-9
    (again,) = answers["q3_asked_again_within_24h"]
    assert (again["questions"], again["followed_by_another_question"], again["users_who_asked_again"]) == (
        ledger.questions,
        ledger.asked_again,
        ledger.users_who_asked_again,
    )
    assert ledger.asked_again > 0
    assert {r["outcome"]: r["cases"] for r in answers["q3_case_outcomes"]} == dict(ledger.outcomes)
