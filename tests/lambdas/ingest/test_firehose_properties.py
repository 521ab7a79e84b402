"""Property-based, raw_layout "firehose": whatever arrives, only valid updates become records, and each
record gives back the exact body and its arrival time (read with the ETL's own decoder)."""

import json

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telegram_etl.firehose import decode_record
from telegram_ingest.allow_list import AllowList
from telegram_ingest.app import SECRET_HEADER, handle_webhook
from telegram_ingest.secret import WebhookSecret
from tests.helpers import api_gateway_event
from tests.lambdas.ingest.test_properties import LOGGER, SECRET, SETTINGS, bodies, headers, json_values


def run(body, request_headers, base64_encoded, request_time_ms):
    records, objects = [], []
    if isinstance(body, bytes) and not base64_encoded:
        body = body.decode("utf-8", errors="replace")
    event = api_gateway_event(body, headers=request_headers, base64_encoded=base64_encoded,
                              request_time_ms=request_time_ms)  # fmt: skip
    response = handle_webhook(
        APIGatewayProxyEvent(event), settings=SETTINGS,
        secret=WebhookSecret({"WEBHOOK_SECRET": SECRET}, fetch=lambda arn: ""),
        put_object=lambda bucket, key, data: objects.append(key), allow_list=AllowList(None, exists=lambda key: False),
        logger=LOGGER, put_record=records.append,
    )  # fmt: skip
    return response, records, objects


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies | st.none(),
    request_headers=headers | st.none(),
    base64_encoded=st.booleans(),
    request_time_ms=st.integers(min_value=1, max_value=4_102_444_800_000),
)
def test_only_valid_updates_become_records(body, request_headers, base64_encoded, request_time_ms):
    response, records, objects = run(body, request_headers, base64_encoded, request_time_ms)
    assert objects == []  # nothing goes to S3 in this layout (no allow-list here, every record fits)
    if response["statusCode"] == 200:
        (line,) = records
        record = decode_record(line.rstrip(b"\n"))
        assert record.received_ms == request_time_ms
        assert record.update_id == json.loads(record.body)["update_id"]
    else:
        assert records == []


@settings(max_examples=200, deadline=None)
@given(update_id=st.integers(min_value=0, max_value=2**62), payload=json_values, bom=st.booleans())
def test_an_authorized_update_comes_back_byte_for_byte(update_id, payload, bom):
    body = ("\ufeff" if bom else "").encode() + json.dumps({"update_id": update_id, "message": payload},
                                                          ensure_ascii=False).encode()  # fmt: skip
    response, records, _ = run(body, {SECRET_HEADER: SECRET}, True, 1_704_067_200_000)
    assert response["statusCode"] == 200
    (line,) = records
    record = decode_record(line.rstrip(b"\n"))
    assert (record.body, record.update_id, record.received_ms) == (body, update_id, 1_704_067_200_000)
