"""Every named query, run by DuckDB over Parquet that the real ETL wrote from the sample conversation
(ingested through the real webhook Lambda into a real S3 server), checked against answers computed by
hand from local_pipeline/conversation.py."""

from datetime import date

import pytest

from analytics.queries import named_queries, to_duckdb

pytestmark = pytest.mark.e2e


def test_every_named_query_ran(answers):
    assert sorted(answers) == sorted(q.name for q in named_queries("UTC"))


# Q1 -- 19 messages by people: 11 on Monday 2025-03-10, 8 on Tuesday, local time (UTC-3).
def test_messages_by_hour_busiest_first(answers):
    assert [(r["hour_of_day"], r["messages"], r["users"]) for r in answers["q1_messages_by_hour"]] == [
        (9, 5, 3),
        (14, 3, 3),
        (8, 2, 2),
        (10, 2, 1),
        (11, 2, 1),
        (15, 2, 2),
        (12, 1, 1),
        (13, 1, 1),
        (23, 1, 1),
    ]


def test_bruno_at_23_30_local_is_hour_23_not_utc_2(answers):
    hours = {r["hour_of_day"] for r in answers["q1_messages_by_hour"]}
    assert 23 in hours and 2 not in hours


def test_heatmap_weekday_hour(answers):
    assert [(r["weekday"], r["hour_of_day"], r["messages"]) for r in answers["q1_heatmap_weekday_hour"]] == [
        (1, 9, 3),
        (1, 10, 2),
        (1, 14, 3),
        (1, 15, 2),
        (1, 23, 1),
        (2, 8, 2),
        (2, 9, 2),
        (2, 11, 2),
        (2, 12, 1),
        (2, 13, 1),
    ]


def test_volume_by_day(answers):
    assert answers["q1_volume_by_day"] == [
        {"day": date(2025, 3, 10), "messages": 11, "active_users": 4},
        {"day": date(2025, 3, 11), "messages": 8, "active_users": 4},
    ]


# Q2 -- 8 questions; /ajuda twice by Bruno, /start once by Ana.
def test_top_commands(answers):
    assert answers["q2_top_commands"] == [
        {"command": "/ajuda", "uses": 2, "users": 1},
        {"command": "/start", "uses": 1, "users": 1},
    ]


def test_top_questions_are_normalized(answers):
    assert [(r["question"], r["times_asked"]) for r in answers["q2_top_questions"]] == [
        ("how do i change my delivery address", 2),  # "How do I ...?" and "how do i ..." are one question
        ("qual o prazo de entrega para recife", 2),
        ("como faco para rastrear meu pedido", 1),
        ("meu pedido chegou quebrado como trocar", 1),
        ("rastrear pedido nao funciona", 1),
        ("voces entregam no sabado", 1),  # the original text, not its later edit
    ]


def test_top_keywords_without_stop_words(answers):
    assert [(r["keyword"], r["occurrences"]) for r in answers["q2_top_keywords"]] == [
        ("pedido", 3),
        ("address", 2),
        ("change", 2),
        ("delivery", 2),
        ("entrega", 2),
        ("prazo", 2),
        ("rastrear", 2),
        ("recife", 2),
        ("chegou", 1),
        ("entregam", 1),
        ("funciona", 1),
        ("quebrado", 1),
        ("sabado", 1),
        ("trocar", 1),
    ]


# Q3 -- feedback clicks: Ana resolved, Diego unresolved then (on his second question) resolved,
# Bruno resolved. Replies: 10, 13, 20, 30 and 540 minutes. Bruno and Diego asked again within 24 h.
def test_feedback_resolution_rate(answers):
    assert answers["q3_feedback_resolution_rate"] == [
        {"rated": 4, "resolved": 3, "unresolved": 1, "resolution_rate_pct": 75.0}
    ]


def test_questions_answered_and_median_time(answers):
    assert answers["q3_questions_answered"] == [
        {"questions": 8, "answered": 5, "answered_pct": 62.5, "median_minutes_to_reply": 20.0}
    ]


def test_asked_again_within_24h(answers):
    assert answers["q3_asked_again_within_24h"] == [
        {
            "questions": 8,
            "followed_by_another_question": 3,
            "asked_again_pct": 37.5,
            "users_who_asked_again": 2,
        }
    ]


def test_transpilation_is_the_documented_one():
    sql = next(q.sql for q in named_queries("UTC") if q.name == "q1_heatmap_weekday_hour")
    assert "day_of_week(" in sql and "ISODOW(" in to_duckdb(sql)
