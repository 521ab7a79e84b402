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
