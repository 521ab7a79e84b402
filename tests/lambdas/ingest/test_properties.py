"""Property-based: whatever arrives at the webhook, the handler answers (never raises, never 5xx while
storage works) and stores nothing unless the secret matches and the body is an Update."""

import json
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telegram_ingest.allow_list import AllowList
from telegram_ingest.app import SECRET_HEADER, handle_webhook
from telegram_ingest.secret import WebhookSecret
from telegram_ingest.webhook import Settings
from tests.helpers import api_gateway_event

SECRET = "s3cr3t-token_ABC"
SETTINGS = Settings(raw_bucket="raw", timezone=ZoneInfo("America/Sao_Paulo"), allowed_chat_ids=None)
LOGGER = Logger(service="property-test", level="CRITICAL")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
update_like = st.fixed_dictionaries(
    {},
    optional={
        "update_id": st.integers(min_value=-(2**70), max_value=2**70) | json_values,
        "message": json_values,
    },
).map(json.dumps)
bodies = st.one_of(st.binary(max_size=300), st.text(max_size=300), json_values.map(json.dumps), update_like)
header_values = st.text(max_size=40) | st.just(SECRET)
headers = st.dictionaries(st.sampled_from([SECRET_HEADER, SECRET_HEADER.lower(), "Content-Type", "X-Other"]),
                          header_values, max_size=3)  # fmt: skip


def run(body, request_headers, base64_encoded, request_time_ms):
    stored = []
    if isinstance(body, bytes) and not base64_encoded:
        body = body.decode("utf-8", errors="replace")
    event = api_gateway_event(body, headers=request_headers, base64_encoded=base64_encoded,
                              request_time_ms=request_time_ms)  # fmt: skip
    response = handle_webhook(
        APIGatewayProxyEvent(event),
        settings=SETTINGS,
        secret=WebhookSecret({"WEBHOOK_SECRET": SECRET}, fetch=lambda arn: ""),
        put_object=lambda bucket, key, data: stored.append((bucket, key, data)),
        allow_list=AllowList(None, exists=lambda key: False),
        logger=LOGGER,
    )
    return response, stored


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies | st.none(),
    request_headers=headers | st.none(),
    base64_encoded=st.booleans(),
    request_time_ms=st.none() | st.integers(min_value=0, max_value=4_102_444_800_000),
)
def test_any_request_gets_an_answer_and_only_valid_updates_are_stored(
    body, request_headers, base64_encoded, request_time_ms
):
    response, stored = run(body, request_headers, base64_encoded, request_time_ms)
    status = response["statusCode"]
    assert status in (200, 400, 401, 413)
    assert json.loads(response["body"])["ok"] is (status == 200)
    authorized = any(
        k.lower() == SECRET_HEADER.lower() and v == SECRET for k, v in (request_headers or {}).items()
    )
    if status == 200:
        assert authorized
        (bucket, key, data) = stored[0]
        update = json.loads(data)
        assert key.endswith(f"/{update['update_id']}.json") and bucket == "raw"
        assert len(stored) == 1
    else:
        assert stored == []


@settings(max_examples=200, deadline=None)
@given(update_id=st.integers(min_value=0, max_value=2**62), payload=json_values)
def test_an_authorized_update_is_stored_exactly_as_sent(update_id, payload):
    body = json.dumps({"update_id": update_id, "message": payload}, ensure_ascii=False).encode()
    for encoded in (False, True):  # api_gateway_event base64-encodes the bytes when asked
        response, stored = run(body, {SECRET_HEADER: SECRET}, encoded, 1_704_067_200_000)
        assert response["statusCode"] == 200
        assert stored == [("raw", f"telegram/context_date=2023-12-31/{update_id}.json", body)]
