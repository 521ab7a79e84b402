"""A local Lambda container signs with its own environment's keys, whatever clients the process made before
(botocore caches the credentials a default session first resolved)."""

import json

import boto3
import pytest

from standins.runner import LocalPipeline

pytestmark = pytest.mark.e2e


def test_a_container_loaded_after_another_default_client_uses_its_own_keys(s3_server, aws_credentials):
    boto3.client("s3")  # the process's default session now holds moto's "testing" keys, as a test left it
    pipeline = LocalPipeline(
        s3_server.client_env(), raw_bucket="container-raw", processed_bucket="container-out"
    )
    pipeline.create_buckets()
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1_741_000_000,
                                          "chat": {"id": -1, "type": "group"}, "text": "oi"}}  # fmt: skip
    response = pipeline.post_webhook(json.dumps(update).encode(), request_time_ms=1_741_000_000_000)
    assert response["statusCode"] == 200, response["body"]


def test_the_local_containers_have_the_deployed_functions_timeouts():
    """The time left a local handler sees (FakeContext) counts down from its deployed function's timeout."""
    from stacks.etl_stack import FUNCTION_TIMEOUT
    from stacks.ingestion_stack import INGEST_TIMEOUT_S
    from standins.runner import DAILY_TIMEOUT_MS, INGEST_TIMEOUT_MS, FakeContext

    assert (INGEST_TIMEOUT_MS, DAILY_TIMEOUT_MS) == (
        INGEST_TIMEOUT_S * 1000,
        FUNCTION_TIMEOUT.to_milliseconds(),
    )
    left = FakeContext(DAILY_TIMEOUT_MS).get_remaining_time_in_millis()
    assert DAILY_TIMEOUT_MS - 1_000 < left <= DAILY_TIMEOUT_MS
    assert FakeContext(0).get_remaining_time_in_millis() == 0


def test_a_deferred_days_invocation_adds_its_days_and_totals_to_the_ranges_result():
    """The local pipeline runs the days an ETL invocation deferred one invocation each and merges them, so a
    local report never misses part of its range."""
    from standins.runner import _merged
    from telegram_etl.job import DayResult

    def day(date: str, read: int, phones: int) -> dict:
        result = DayResult(date=date, read=read, written=read)
        result.redactions["phone"] = phones
        return result.as_dict()

    first_day = day("2024-03-09", 5, 1)
    first = {"days": [first_day], "totals": {}, "late_reruns": [], "deferred": ["2024-03-10", "2024-03-11"]}
    second = {"days": [day("2024-03-10", 7, 2)], "totals": {}, "late_reruns": [], "deferred": []}
    merged = _merged(first, second)
    assert [day["date"] for day in merged["days"]] == ["2024-03-09", "2024-03-10"]
    assert merged["deferred"] == ["2024-03-11"]
    totals = merged["totals"]
    assert (totals["read"], totals["written"], totals["duplicates"], totals["quarantined"]) == (12, 12, 0, 0)
    assert totals["redactions"]["phone"] == 3 and totals["redactions"]["cpf"] == 0
