"""The model Lambda under moto: the ETL's on-success record in, the model's tables of its days out, on S3,
with the settings of its environment; nothing written for an empty ETL result; a bad payload refused."""

import importlib
import io
import json
from datetime import timedelta

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from telegram_model.app import BadRequest, Settings
from tests.lambdas.model.test_job import D, sample_storage

PROCESSED = "processed-bucket"


@pytest.fixture
def s3(monkeypatch, aws_credentials):
    monkeypatch.setenv("PROCESSED_BUCKET", PROCESSED)
    monkeypatch.setenv(
        "MODEL_SETTINGS", Settings(timezone="UTC", topic_rules={"entrega": ("pedido",)}).to_json()
    )
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=PROCESSED)
        for (_, key), body in sample_storage().objects.items():  # a question on D, its answer on D+1
            client.put_object(Bucket=PROCESSED, Key=key, Body=body)
        yield client


def test_the_etls_success_writes_the_model_of_its_days(s3, lambda_context):
    import lambdas.model.handler as module

    handler = importlib.reload(module).handler
    record = {"requestPayload": {"time": "2025-03-12T06:00:00Z"},
              "responsePayload": {"days": [{"date": (D + timedelta(days=1)).isoformat()}]}}  # fmt: skip
    result = handler(record, lambda_context)
    assert (result["start_date"], result["end_date"]) == (
        (D - timedelta(days=6)).isoformat(),
        (D + timedelta(days=1)).isoformat(),
    )
    assert result["rows"] == {"messages": 2, "requests": 1, "cases": 1, "ratings": 0}
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=PROCESSED, Prefix="model/")["Contents"])
    keys = [key for key in listed if not key.startswith("model/_state/")]
    # Beside the tables, each written day's state for the next day's run (telegram_model.state).
    assert f"model/_state/versions/context_date={D + timedelta(days=1)}/part-00000.parquet" in listed
    assert keys == [f"model/cases/context_date={D}/part-00000.parquet",
                    f"model/messages/context_date={D}/part-00000.parquet",
                    f"model/messages/context_date={D + timedelta(days=1)}/part-00000.parquet",
                    f"model/requests/context_date={D}/part-00000.parquet"]  # fmt: skip
    body = s3.get_object(Bucket=PROCESSED, Key=f"model/cases/context_date={D}/part-00000.parquet")[
        "Body"
    ].read()
    (case,) = pq.read_table(io.BytesIO(body)).to_pylist()
    assert (case["topic"], case["topic_source"], case["staff_answered_at"] is not None) == (
        "entrega",
        "rule",
        True,
    )
    assert handler({"responsePayload": {"days": []}}, lambda_context) == {"days": 0}
    with pytest.raises(BadRequest):
        handler({"start_date": "2025-03-12", "end_date": "2025-03-10"}, lambda_context)
    assert json.loads(module.settings.to_json())["topic_rules"] == {"entrega": ["pedido"]}
