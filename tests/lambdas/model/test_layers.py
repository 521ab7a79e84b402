"""The layers' SQL: comments go, `--` inside a string literal (a topic or hand-over pattern) stays."""

from datetime import timedelta

from telegram_model.app import Settings
from telegram_model.job import run_model
from telegram_model.layers import code, rendered_layers
from telegram_model.tables import CASES
from tests.lambdas.model.test_job import D, read, sample_storage


def test_comments_go_and_dashes_in_literals_and_quoted_names_stay():
    sql = "SELECT 'a--b' AS x -- a comment\n-- a whole line\nFROM t WHERE \"c--d\" = 'it''s -- no' AND y = 1 - -2"
    assert code(sql) == "SELECT 'a--b' AS x\nFROM t WHERE \"c--d\" = 'it''s -- no' AND y = 1 - -2"


def test_a_topic_pattern_with_dashes_reaches_the_model_whole():
    storage = sample_storage()
    settings = Settings(
        timezone="UTC", topic_rules={"entrega": ("x--y", "pedido")}, bot_handover_patterns=("a--b",)
    )
    layers = rendered_layers(settings)
    assert "'(?:x--y)|(?:pedido)'" in layers["request_messages"] and "'(?:a--b)'" in layers["staff_replies"]
    run_model(storage, bucket="out", settings=settings, first=D, last=D + timedelta(days=1))
    (case,) = read(storage, CASES, D).to_pylist()
    assert (case["topic"], case["topic_source"]) == ("entrega", "rule")
