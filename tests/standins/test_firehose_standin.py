"""The local Firehose stand-in: buffering by size and by time like Firehose, its keys, its protocol."""

from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.exceptions import ClientError

from standins.firehose import STREAM, LocalFirehose

ZONE = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp() * 1000)


@pytest.fixture
def written():
    return {}


def standin(written, **buffers) -> LocalFirehose:
    return LocalFirehose(lambda bucket, key, body: written.__setitem__(key, body), "raw", "America/Sao_Paulo",
                         **buffers)  # fmt: skip


def test_an_object_is_written_when_the_buffer_reaches_its_size(written):
    stream = standin(written, buffer_bytes=100, buffer_seconds=900)
    stream.clock_ms = at("2025-03-10T12:00:00")
    for n in range(3):
        stream.put_record(b"%d" % n + b"x" * 38 + b"\n")  # 40 bytes each
    assert list(written.values()) == [b"".join(b"%d" % n + b"x" * 38 + b"\n" for n in range(3))]
    stream.put_record(b"last\n")
    assert len(written) == 1  # below the size, within the interval: still buffered
    stream.flush()
    assert list(written.values())[1] == b"last\n"


def test_an_object_is_written_once_its_oldest_record_is_buffer_seconds_old(written):
    stream = standin(written, buffer_bytes=2**20, buffer_seconds=60)
    for clock, data in [("12:00:00", b"a\n"), ("12:00:30", b"b\n"), ("12:01:01", b"c\n")]:
        stream.clock_ms = at(f"2025-03-10T{clock}")
        stream.put_record(data)
    assert list(written.values()) == [b"a\nb\n"]
    stream.flush()
    assert list(written.values()) == [b"a\nb\n", b"c\n"]


def test_keys_are_firehoses_named_by_the_oldest_records_arrival_day(written):
    stream = standin(written, buffer_bytes=2**20, buffer_seconds=300)
    stream.clock_ms = at("2025-03-10T23:59:50")
    stream.put_record(b"before midnight\n")
    stream.clock_ms = at("2025-03-11T00:00:20")
    stream.put_record(b"after midnight\n")
    stream.flush()
    ((key, body),) = written.items()
    assert key.startswith(f"firehose/context_date=2025-03-10/{STREAM}-1-2025-03-10-23-59-50-")
    assert key.endswith(".jsonl") and body == b"before midnight\nafter midnight\n"


def test_put_record_through_boto3_and_firehoses_errors(written, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    with standin(written, buffer_bytes=2**20, buffer_seconds=300) as stream:
        client = boto3.client("firehose", endpoint_url=stream.endpoint_url, region_name="us-east-1")
        stream.clock_ms = at("2025-03-10T12:00:00")
        assert client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"\x00\xff{}\n"})["RecordId"]
        with pytest.raises(ClientError) as missing:
            client.put_record(DeliveryStreamName="other", Record={"Data": b"x"})
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
        with pytest.raises(ClientError) as too_big:
            client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"x" * (1000 * 1024 + 1)})
        assert too_big.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert list(written.values()) == [b"\x00\xff{}\n"]  # leaving the block delivers the buffer
