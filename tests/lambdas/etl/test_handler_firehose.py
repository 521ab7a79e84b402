"""The ETL Lambda under moto over both raw layouts at once: a stage that switched during the day."""

import importlib
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from telegram_ingest.firehose import encode_record
from tests.helpers import UPDATE_FILES

RAW, PROCESSED = "raw-bucket", "processed-bucket"
ZONE = ZoneInfo("America/Sao_Paulo")
DAY, YESTERDAY = "2025-03-10", "2025-03-09"


def ms(day: str, hhmm: str) -> int:
    return int(datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZONE).timestamp() * 1000)


@pytest.fixture
def s3(monkeypatch, aws_credentials):
    for name, value in {
        "RAW_BUCKET": RAW,
        "PROCESSED_BUCKET": PROCESSED,
        "TIMEZONE": "America/Sao_Paulo",
        # pseudonymize_users is on by default: the ETL refuses to start without a key (the local form).
        "PSEUDONYM_KEY": "test-pseudonym-key",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=RAW)
        client.create_bucket(Bucket=PROCESSED)
        yield client


@pytest.fixture
def run(s3, lambda_context):
    import lambdas.etl.handler as module

    handler = importlib.reload(module).handler
    return lambda event: handler(event, lambda_context)


def updates() -> list[tuple[int, bytes]]:
    """The real fixtures, each with its own update_id, as Telegram sent them (pretty-printed bytes)."""
    found = []
    for index, path in enumerate(UPDATE_FILES):
        update = json.loads(path.read_bytes())
        update["update_id"] = 700_000 + index
        found.append((update["update_id"], json.dumps(update, indent=1, ensure_ascii=False).encode()))
    return found


def firehose_object(s3, day: str, name: str, records: list[tuple[int, bytes, int]]) -> str:
    key = f"firehose/context_date={day}/telegram-raw-1-{day}-{name}.jsonl"
    body = b"".join(encode_record(body, received, update_id) for update_id, body, received in records)
    s3.put_object(Bucket=RAW, Key=key, Body=body)
    return key


def partition(s3, day: str):
    key = f"telegram/context_date={day}/part-00000.parquet"
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=PROCESSED, Key=key)["Body"].read()))


def test_a_day_half_in_objects_half_in_firehose_records_is_one_partition(s3, run):
    everything = updates()
    half = len(everything) // 2
    for update_id, body in everything[:half]:  # the morning, in the object layout
        s3.put_object(Bucket=RAW, Key=f"telegram/context_date={DAY}/{update_id}.json", Body=body)
    # The afternoon, after the switch: Firehose objects, one record delivered twice (at least once), one
    # update of the morning redelivered by Telegram, one line that is no record, one body no Update.
    afternoon = [(i, body, ms(DAY, "15:00")) for i, body in everything[half:]]
    firehose_object(
        s3, DAY, "15-05-00-a", [*afternoon[:5], (everything[0][0], everything[0][1], ms(DAY, "15:01"))]
    )
    key = firehose_object(
        s3, DAY, "15-10-00-b", [*afternoon[4:], (1, b'{"not": "an update"}', ms(DAY, "15:02"))]
    )
    s3.put_object(Bucket=RAW, Key=key, Body=s3.get_object(Bucket=RAW, Key=key)["Body"].read() + b"{broken\n")

    result = run({"date": DAY})["days"][0]
    assert (result["written"], result["duplicates"], result["quarantined"]) == (len(everything), 2, 2)
    table = partition(s3, DAY)
    assert sorted(table.column("update_id").to_pylist()) == sorted(i for i, _ in everything)
    quarantined = sorted(
        o["Key"] for o in s3.list_objects_v2(Bucket=PROCESSED, Prefix="quarantine/")["Contents"]
    )
    lines = len(everything) - half - 4 + 1
    assert quarantined == [
        f"quarantine/context_date={DAY}/{key.rsplit('/', 1)[1]}.{n}" for n in (lines, lines + 1)
    ]
    # Idempotent: a re-run writes the same partition.
    assert run({"date": DAY})["days"][0]["written"] == len(everything)
    assert partition(s3, DAY).equals(table)


def test_a_redelivery_after_midnight_is_dropped_whatever_each_days_layout(s3, run):
    (first_id, first), (second_id, second) = updates()[:2]
    firehose_object(s3, YESTERDAY, "23-50-00-a", [(first_id, first, ms(YESTERDAY, "23:59"))])
    s3.put_object(Bucket=RAW, Key=f"telegram/context_date={DAY}/{first_id}.json", Body=first)
    s3.put_object(Bucket=RAW, Key=f"telegram/context_date={YESTERDAY}/{second_id}.json", Body=second)
    firehose_object(s3, DAY, "00-05-00-a", [(second_id, second, ms(DAY, "00:01"))])
    result = run({"date": DAY})["days"][0]
    assert (result["written"], result["redelivered_from_previous_day"]) == (0, 2)
