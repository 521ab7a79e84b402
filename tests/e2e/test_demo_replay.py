"""The demo's path end to end: generated conversation -> real HTTP -> local API Gateway -> ingest Lambda
-> SeaweedFS -> ETL per day -> Parquet -> named queries in DuckDB, checked against the generator's
own ledger (what it intended: each request's topic label, who replied to what and when, who clicked
what), not against the SQL, on several seeds. The settings are the group's: its staff, our bot and the
demo's topic rules. Our bot's own messages reach the pipeline as its backend posts them to /outgoing,
through the demo's own replay (replay()): without them, the bot's share and the answers do not match."""

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pyarrow.parquet as pq
import pytest

from demo_data.generator import generate
from demo_data.group import BOT_USERNAME, REQUESTS
from demo_data.ledger import BOT_SHARE
from local.demo import replay as post_all
from local.demo import scheduled_event
from standins.api_gateway import LocalApiGateway
from standins.runner import LocalPipeline, answer_all
from telegram_etl.privacy import redact

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module", params=[(2, 250, 5), (4, 200, 3)], ids=["seed2", "seed4"])
def replay(request, s3_server, tmp_path_factory):
    seed, updates, days = request.param
    conversation = generate(seed=seed, updates=updates, days=days)
    settings = conversation.settings("replay")
    name = f"replay-{seed}-{updates}-{days}"  # a bucket pair of its own per parameter set
    buckets = {"raw_bucket": f"{name}-raw", "processed_bucket": f"{name}-out"}
    pipeline = LocalPipeline(s3_server.client_env(), settings=settings, **buckets)
    pipeline.create_buckets()
    with LocalApiGateway(pipeline.ingest.invoke) as api:
        statuses = post_all(conversation, api.url, pipeline.webhook_secret)
    assert statuses == {
        "webhook": {200: len(conversation.deliveries)},
        "outgoing": {200: len(conversation.outgoing)},
    }
    results = [pipeline.run_etl(scheduled_event(day))["days"][0] for day in conversation.days]
    answers = answer_all(pipeline, tmp_path_factory.mktemp("replay-parquet"))
    return conversation, pipeline, results, answers


def test_each_day_holds_exactly_the_updates_that_arrived_that_day_and_the_bots_messages(replay):
    conversation, pipeline, results, _ = replay
    ledger = conversation.ledger
    raw_bucket, processed_bucket = pipeline.raw_bucket, pipeline.processed_bucket
    # A day holds the updates that arrived that day and the bot's messages sent that day.
    assert {date.fromisoformat(r["date"]): r["written"] for r in results} == dict(
        ledger.updates_by_arrival_day + ledger.outgoing_by_day
    )
    # A redelivery (or a post made twice) lands on its key again: one raw object per distinct update or
    # message of the bot.
    assert ledger.redeliveries > 0 and ledger.outgoing_reposts > 0
    raw = pipeline.s3.get_paginator("list_objects_v2").paginate(Bucket=raw_bucket)
    assert sum(len(page.get("Contents", [])) for page in raw) == sum(
        (ledger.updates_by_arrival_day + ledger.outgoing_by_day).values()
    )
    rows = []
    for page in pipeline.s3.get_paginator("list_objects_v2").paginate(
        Bucket=processed_bucket, Prefix="telegram/"
    ):
        for item in page.get("Contents", []):
            body = pipeline.s3.get_object(Bucket=processed_bucket, Key=item["Key"])["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
    # The bot's messages: one row each (a list, a whole Bot API response, a repost: the same), with ids
    # below zero that are never Telegram's, and the bot as the sender.
    posted = {(m["chat"]["id"], m["message_id"]): m for post in conversation.outgoing for m in post.messages}
    bot_rows = [r for r in rows if r["update_id"] < 0]
    assert len(posted) == sum(ledger.outgoing_by_day.values()) == len(bot_rows)
    assert {(r["chat_id"], r["message_id"]): r["text"] for r in bot_rows} == {
        key: m["text"] for key, m in posted.items()
    }
    assert all(r["user_username"] == BOT_USERNAME and r["user_is_bot"] for r in bot_rows)
    rows = [r for r in rows if r["update_id"] >= 0]
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
    # A rule's topic nobody asked about this time has no entry in the ledger.
    assert coverage["with_rule_topic"] == sum(
        c["requests"] for topic, c in ledger.topics.items() if topic in rules
    )
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


def test_q3_the_bots_share_per_topic_equals_the_ledger(replay):
    """Cases answered by the bot, handed over by it, contained and escalated per topic, and the median
    minutes to its first answer, from the generator's intent. Without the posts to /outgoing the bot answers nothing."""
    conversation, _, _, answers = replay
    ledger, rules = conversation.ledger, conversation.topic_rules
    totals = {key: sum(share[key] for share in ledger.bot.values()) for key in BOT_SHARE}
    assert totals["cases"] == ledger.questions
    assert 0 < totals["contained"] < totals["bot_answered"] < totals["bot_handled"]
    assert 0 < totals["handed_over"] < totals["escalated"] < totals["bot_handled"]
    rows = answers["q3_bot_containment"]
    found = {r["topic"]: {key: r[key] for key in BOT_SHARE} for r in rows}
    # Topics the rules cover by name, "(no topic)" for requests without one; the others by their counts.
    expected = {
        ("(no topic)" if t is None else t): share
        for t, share in ledger.bot.items()
        if t is None or t in rules
    }
    assert {t: v for t, v in found.items() if t in expected} == expected
    assert sorted(tuple(v.values()) for t, v in found.items() if t not in expected) == sorted(
        tuple(share.values()) for t, share in ledger.bot.items() if t is not None and t not in rules
    )
    for r in rows:
        assert r["containment_pct"] == percent(r["contained"], r["bot_handled"])
        assert r["escalation_pct"] == percent(r["escalated"], r["bot_handled"])
    # The median minutes to the bot's first answer is an approximate percentile (Athena's approx_percentile,
    # DuckDB's t-digest): within the middle half of the ledger's values, once rounded to 0.1 min.
    for t, minutes in ledger.minutes_to_bot_answer.items():
        if t is None or t in rules:
            ordered = sorted(minutes)
            low, high = ordered[(len(ordered) - 1) // 4], ordered[(3 * len(ordered)) // 4]
            median = float(found_row(rows, "(no topic)" if t is None else t)["median_minutes_to_bot_answer"])
            assert low - 0.05 - 1e-9 <= median <= high + 0.05 + 1e-9, (t, ordered, median)  # rounded to 0.1


def percent(part, whole):
    """SQL's round(100.0 * part / whole, 1): halves away from zero; no rate without a denominator."""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def found_row(rows, topic):
    (row,) = [r for r in rows if r["topic"] == topic]
    return row
