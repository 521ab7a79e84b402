"""The ingest Lambda end to end under moto: every rule of the webhook contract."""

import io
import json
import logging
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from telegram_ingest import sdk
from telegram_ingest.secret import secrets_manager_fetch
from tests.helpers import (
    DESKTOP_EXPORTS,
    UPDATE_FILES,
    api_gateway_event,
    json_body,
    load_fixture,
    reload_ingest_handler,
)

BUCKET = "raw-bucket"
SECRET = "s3cr3t-token_ABC"
AUTH = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
# 2024-01-01T02:00:00Z: still 2023-12-31 in São Paulo (UTC-3).
NEW_YEAR_2AM_UTC_MS = 1_704_074_400_000


@pytest.fixture
def env(monkeypatch, aws_credentials):
    monkeypatch.setenv("RAW_BUCKET", BUCKET)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.delenv("WEBHOOK_SECRET_ARN", raising=False)
    monkeypatch.delenv("ALLOWED_CHAT_IDS", raising=False)
    return monkeypatch


@pytest.fixture
def s3(env):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


load_handler = reload_ingest_handler


def stored_keys(s3) -> list[str]:
    return [obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def call(body, lambda_context, **kwargs):
    return load_handler().handler(api_gateway_event(body, **kwargs), lambda_context)


@pytest.mark.parametrize("path", UPDATE_FILES, ids=lambda p: p.stem)
def test_every_real_update_is_stored_byte_for_byte(path: Path, s3, lambda_context):
    body = path.read_bytes()
    response = call(body, lambda_context, headers=AUTH)

    assert response["statusCode"] == 200, response
    assert json_body(response) == {"ok": True}
    update_id = json.loads(body)["update_id"]
    stored = s3.get_object(Bucket=BUCKET, Key=f"telegram/context_date=2024-01-01/{update_id}.json")
    assert stored["Body"].read() == body
    assert stored["ContentType"] == "application/json"


@pytest.mark.parametrize("path", DESKTOP_EXPORTS, ids=lambda p: p.stem)
def test_a_desktop_export_is_not_an_update(path, s3, lambda_context):
    response = call(path.read_bytes(), lambda_context, headers=AUTH)
    assert response["statusCode"] == 400
    assert "update_id" in json_body(response)["error"]
    assert stored_keys(s3) == []


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        {"X-Telegram-Bot-Api-Secret-Token": ""},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
        {"Authorization": SECRET},
    ],
    ids=["no-headers", "empty-headers", "wrong", "empty", "longer", "other-header"],
)
def test_missing_or_wrong_secret_is_401_and_nothing_is_written(headers, s3, lambda_context):
    response = call(json.dumps({"update_id": 1, "message": {}}), lambda_context, headers=headers)
    assert response["statusCode"] == 401
    assert stored_keys(s3) == []


@pytest.mark.parametrize("name", ["x-telegram-bot-api-secret-token", "X-TELEGRAM-BOT-API-SECRET-TOKEN"])
def test_secret_header_name_is_case_insensitive(name, s3, lambda_context):
    response = call(json.dumps({"update_id": 7}), lambda_context, headers={name: SECRET})
    assert response["statusCode"] == 200
    assert stored_keys(s3) == ["telegram/context_date=2024-01-01/7.json"]


def test_without_any_configured_secret_every_request_is_refused(env, s3, lambda_context):
    env.delenv("WEBHOOK_SECRET")
    for headers in (AUTH, {"X-Telegram-Bot-Api-Secret-Token": ""}, None):
        assert call(json.dumps({"update_id": 1}), lambda_context, headers=headers)["statusCode"] == 401
    assert stored_keys(s3) == []


def test_secret_from_secrets_manager_is_read_by_arn(env, s3, lambda_context):
    env.delenv("WEBHOOK_SECRET")
    arn = boto3.client("secretsmanager").create_secret(Name="webhook", SecretString=SECRET)["ARN"]
    env.setenv("WEBHOOK_SECRET_ARN", arn)
    handler = load_handler()
    ok = handler.handler(api_gateway_event(json.dumps({"update_id": 3}), headers=AUTH), lambda_context)
    bad = handler.handler(
        api_gateway_event(json.dumps({"update_id": 4}), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}),
        lambda_context,
    )
    assert (ok["statusCode"], bad["statusCode"]) == (200, 401)
    assert stored_keys(s3) == ["telegram/context_date=2024-01-01/3.json"]


def test_unreadable_secret_is_503_so_telegram_retries(env, s3, lambda_context):
    env.delenv("WEBHOOK_SECRET")
    env.setenv("WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf")
    response = call(json.dumps({"update_id": 1}), lambda_context, headers=AUTH)
    assert response["statusCode"] == 503
    assert stored_keys(s3) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "empty body"),
        ("   ", "empty body"),
        (None, "empty body"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('"text"', "not a JSON object"),
        ('{"message": {"text": "hi"}}', "update_id"),
        ('{"update_id": "12"}', "update_id"),
        ('{"update_id": 1.5}', "update_id"),
        ('{"update_id": true}', "update_id"),
        ('{"update_id": null}', "update_id"),
        ('{"update_id": -1}', "update_id"),
        # Beyond int64: the ETL's update_id column could never hold it.
        ('{"update_id": 9223372036854775808}', "update_id"),
        ('{"update_id": 100000000000000000000000}', "update_id"),
        # Deeper than the interpreter's recursion limit: a 400, not a crash (API Gateway's 502).
        ("[" * 100_000, "nested too deeply"),
        ('{"update_id": 1, "message": ' + '{"a": ' * 100_000, "nested too deeply"),
    ],
    ids=lambda value: value if len(value or "") < 40 else value[:30] + "...",
)
def test_bad_bodies_are_400_with_a_short_json_error(body, error, s3, lambda_context):
    response = call(body, lambda_context, headers=AUTH)
    assert response["statusCode"] == 400
    assert error in json_body(response)["error"]
    assert json_body(response)["ok"] is False
    assert stored_keys(s3) == []


def test_largest_int64_update_id_is_stored(s3, lambda_context):
    body = json.dumps({"update_id": 2**63 - 1})
    assert call(body, lambda_context, headers=AUTH)["statusCode"] == 200
    assert stored_keys(s3) == [f"telegram/context_date=2024-01-01/{2**63 - 1}.json"]


def test_body_over_one_mib_is_413(s3, lambda_context):
    big = json.dumps({"update_id": 5, "message": {"text": "x" * (1024 * 1024)}})
    assert call(big, lambda_context, headers=AUTH)["statusCode"] == 413
    assert call(big.encode(), lambda_context, headers=AUTH, base64_encoded=True)["statusCode"] == 413
    assert stored_keys(s3) == []


def test_body_of_exactly_one_mib_is_accepted(s3, lambda_context):
    head = '{"update_id": 6, "pad": "'
    body = head + "x" * (1024 * 1024 - len(head) - 2) + '"}'
    assert len(body.encode()) == 1024 * 1024
    assert call(body, lambda_context, headers=AUTH)["statusCode"] == 200


def test_base64_bodies_are_decoded_and_stored_as_sent_by_telegram(s3, lambda_context):
    body = (UPDATE_FILES[0]).read_bytes()
    response = call(body, lambda_context, headers=AUTH, base64_encoded=True)
    assert response["statusCode"] == 200
    key = f"telegram/context_date=2024-01-01/{json.loads(body)['update_id']}.json"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body


def test_invalid_base64_is_400(s3, lambda_context):
    event = api_gateway_event("not base64!!", headers=AUTH)
    event["isBase64Encoded"] = True
    assert load_handler().handler(event, lambda_context)["statusCode"] == 400


def test_day_is_the_arrival_day_in_the_configured_timezone(env, s3, lambda_context):
    env.setenv("TIMEZONE", "America/Sao_Paulo")
    call(json.dumps({"update_id": 10}), lambda_context, headers=AUTH, request_time_ms=NEW_YEAR_2AM_UTC_MS)
    env.setenv("TIMEZONE", "Asia/Tokyo")
    call(json.dumps({"update_id": 11}), lambda_context, headers=AUTH, request_time_ms=NEW_YEAR_2AM_UTC_MS)
    assert sorted(stored_keys(s3)) == [
        "telegram/context_date=2023-12-31/10.json",
        "telegram/context_date=2024-01-01/11.json",
    ]


def test_without_request_time_the_current_time_is_used(s3, lambda_context):
    from datetime import UTC, datetime

    before = datetime.now(UTC).date()
    call(json.dumps({"update_id": 12}), lambda_context, headers=AUTH, request_time_ms=None)
    after = datetime.now(UTC).date()
    assert stored_keys(s3)[0] in {f"telegram/context_date={d}/12.json" for d in (before, after)}


def test_redelivery_is_idempotent(s3, lambda_context):
    body = UPDATE_FILES[2].read_bytes()
    first = call(body, lambda_context, headers=AUTH)
    second = call(body, lambda_context, headers=AUTH)
    assert first["statusCode"] == second["statusCode"] == 200
    keys = stored_keys(s3)
    assert len(keys) == 1
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == body


def test_storage_failure_is_5xx_never_200(env, s3, lambda_context):
    env.setenv("RAW_BUCKET", "bucket-that-does-not-exist")
    response = call(json.dumps({"update_id": 13}), lambda_context, headers=AUTH)
    assert response["statusCode"] == 500
    assert json_body(response)["ok"] is False


def test_allow_list_keeps_other_chats_updates_under_refused(env, s3, lambda_context):
    """Acknowledged (Telegram would redeliver for 24 h) but never thrown away: kept under refused/,
    outside what the ETL reads, keyed like raw objects so that a redelivery overwrites the same key."""
    allowed = load_fixture("01_group_text.json")["message"]["chat"]["id"]
    env.setenv("ALLOWED_CHAT_IDS", f"{allowed}, 42")
    handler = load_handler()
    names = ("01_group_text.json", "20_private_text_link_preview.json", "30_callback_query_message.json",
             "32_doc_inline_query.json", "20_private_text_link_preview.json")  # fmt: skip
    for name in names:
        response = handler.handler(
            api_gateway_event(json.dumps(load_fixture(name)), headers=AUTH), lambda_context
        )
        assert response["statusCode"] == 200
    refused = {load_fixture(name)["update_id"] for name in names[1:]}
    assert sorted(stored_keys(s3)) == sorted(
        ["telegram/context_date=2024-01-01/13671261.json"]
        + [f"refused/context_date=2024-01-01/{update_id}.json" for update_id in refused]
    )
    body = s3.get_object(
        Bucket=BUCKET, Key=f"refused/context_date=2024-01-01/{load_fixture(names[1])['update_id']}.json"
    )
    assert json.loads(body["Body"].read()) == load_fixture(names[1])


def test_refused_updates_are_logged_with_their_own_outcome(env, s3, lambda_context):
    env.setenv("ALLOWED_CHAT_IDS", "42")
    handler = load_handler()
    output = io.StringIO()
    handler.logger.setLevel("INFO")
    handler.logger.registered_handler.setStream(output)
    update = load_fixture("20_private_text_link_preview.json")
    handler.handler(api_gateway_event(json.dumps(update), headers=AUTH), lambda_context)
    (line,) = [json.loads(line) for line in output.getvalue().splitlines()]
    assert (line["outcome"], line["update_id"], line["chat_id"]) == (
        "refused", update["update_id"], update["message"]["chat"]["id"])  # fmt: skip
    assert line["key"].startswith("refused/context_date=2024-01-01/")


def migration_update(update_id: int, chat_id: int, **migration: int) -> str:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 1, "date": 1_704_067_200, "chat": {"id": chat_id, "type": "supergroup"}, **migration}})  # fmt: skip


def text_update(update_id: int, chat_id: int) -> str:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 2, "date": 1_704_067_200, "chat": {"id": chat_id, "type": "supergroup"}, "text": "oi"}})  # fmt: skip


def test_allow_list_follows_a_migration_announced_in_the_allowed_group(env, s3, lambda_context):
    """A group upgraded to a supergroup gets a new chat id: the old group's migrate_to_chat_id makes the
    new id allowed, for every container (a marker object), not only the one that saw it."""
    update = load_fixture("18_group_migrate_to_chat_id.json")
    old, new = update["message"]["chat"]["id"], update["message"]["migrate_to_chat_id"]
    env.setenv("ALLOWED_CHAT_IDS", str(old))
    assert call(text_update(1, new), lambda_context, headers=AUTH)["statusCode"] == 200  # before: refused
    assert call(json.dumps(update), lambda_context, headers=AUTH)["statusCode"] == 200
    assert call(text_update(2, new), lambda_context, headers=AUTH)["statusCode"] == 200  # a new container
    assert sorted(stored_keys(s3)) == [
        f"allowed-chats/{new}.json",
        "refused/context_date=2024-01-01/1.json",
        "telegram/context_date=2024-01-01/2.json",
        f"telegram/context_date=2024-01-01/{update['update_id']}.json",
    ]
    marker = json.loads(s3.get_object(Bucket=BUCKET, Key=f"allowed-chats/{new}.json")["Body"].read())
    assert marker == {"chat_id": new, "migrated_from": old, "update_id": update["update_id"]}


def test_allow_list_follows_a_migration_announced_in_the_new_supergroup(env, s3, lambda_context):
    env.setenv("ALLOWED_CHAT_IDS", "-4518810793")
    handler = load_handler()
    for body in (migration_update(5, -1002471352452, migrate_from_chat_id=-4518810793),
                 text_update(6, -1002471352452)):  # fmt: skip
        assert handler.handler(api_gateway_event(body, headers=AUTH), lambda_context)["statusCode"] == 200
    assert sorted(stored_keys(s3)) == [
        "allowed-chats/-1002471352452.json",
        "telegram/context_date=2024-01-01/5.json",
        "telegram/context_date=2024-01-01/6.json",
    ]


def test_a_migration_of_a_chat_outside_the_allow_list_allows_nothing(env, s3, lambda_context):
    env.setenv("ALLOWED_CHAT_IDS", "42")
    handler = load_handler()
    for body in (migration_update(7, -100, migrate_to_chat_id=-1009), migration_update(8, -1009, migrate_from_chat_id=-100),
                 text_update(9, -1009)):  # fmt: skip
        assert handler.handler(api_gateway_event(body, headers=AUTH), lambda_context)["statusCode"] == 200
    assert sorted(stored_keys(s3)) == [f"refused/context_date=2024-01-01/{i}.json" for i in (7, 8, 9)]


def test_allow_list_lookup_failure_is_5xx_not_a_refusal(env, s3, lambda_context):
    env.setenv("ALLOWED_CHAT_IDS", "42")
    handler = load_handler()
    with Stubber(handler.s3) as stubber:
        stubber.add_client_error("list_objects_v2", service_error_code="SlowDown", http_status_code=503)
        response = handler.handler(api_gateway_event(text_update(10, -1009), headers=AUTH), lambda_context)
    assert response["statusCode"] == 500
    assert stored_keys(s3) == []


def test_allow_list_finds_the_chat_of_a_callback_query(env, s3, lambda_context):
    update = load_fixture("30_callback_query_message.json")
    env.setenv("ALLOWED_CHAT_IDS", str(update["callback_query"]["message"]["chat"]["id"]))
    call(json.dumps(update), lambda_context, headers=AUTH)
    assert stored_keys(s3) == [f"telegram/context_date=2024-01-01/{update['update_id']}.json"]


def test_logs_are_json_with_outcome_and_never_the_text_or_the_secret(s3, lambda_context):
    update = load_fixture("01_group_text.json")
    update["message"]["text"] = "my private words"
    handler = load_handler()
    output = io.StringIO()
    handler.logger.setLevel("INFO")
    handler.logger.registered_handler.setStream(output)  # the JSON lines the Lambda writes to stdout
    handler.handler(api_gateway_event(json.dumps(update), headers=AUTH), lambda_context)
    handler.handler(
        api_gateway_event(json.dumps(update), headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}),
        lambda_context,
    )
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    stored = [line for line in lines if line.get("outcome") == "stored"]
    assert len(stored) == 1
    assert stored[0]["update_id"] == update["update_id"]
    assert stored[0]["update_kind"] == "message"
    assert [line["outcome"] for line in lines] == ["stored", "unauthorized"]
    everything = output.getvalue()
    assert "my private words" not in everything
    assert SECRET not in everything and "guess" not in everything


@pytest.mark.parametrize(("name", "value"), [("RAW_BUCKET", ""), ("TIMEZONE", "Mars/Olympus")])
def test_bad_configuration_fails_loudly_at_start(env, name, value):
    env.setenv(name, value)
    with mock_aws(), pytest.raises(Exception, match=r"RAW_BUCKET|Mars"):
        load_handler()


def test_sdk_clients_fail_fast_with_standard_retries(env, s3, monkeypatch):
    """botocore's defaults (60 s timeouts, legacy retries) would turn a storage outage into a Lambda
    timeout; these bound one call to a few seconds."""
    handler = load_handler()
    config = handler.s3.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1, 2)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert sdk.worst_case_call_seconds() == 7

    created = []
    real_client = boto3.client
    monkeypatch.setattr(boto3, "client", lambda *a, **kw: created.append(kw) or real_client(*a, **kw))
    arn = real_client("secretsmanager").create_secret(Name="fast", SecretString=SECRET)["ARN"]
    assert secrets_manager_fetch(arn) == SECRET
    assert created[-1]["config"] is sdk.SDK_CONFIG


def test_failed_put_answers_5xx_and_logs_storage_failed(s3, lambda_context):
    handler = load_handler()
    output = io.StringIO()
    handler.logger.setLevel("INFO")
    handler.logger.registered_handler.setStream(output)
    with Stubber(handler.s3) as stubber:
        stubber.add_client_error("put_object", service_error_code="SlowDown", http_status_code=503)
        response = handler.handler(
            api_gateway_event(json.dumps({"update_id": 14}), headers=AUTH), lambda_context
        )
        stubber.assert_no_pending_responses()
    assert response["statusCode"] == 500
    (line,) = [json.loads(line) for line in output.getvalue().splitlines()]
    assert (line["message"], line["outcome"], line["update_id"]) == ("storage failed", "storage_error", 14)
    assert line["error"] == "ClientError"


def test_no_setting_logs_the_secret_or_the_message(env, s3, lambda_context, caplog):
    """POWERTOOLS_LOGGER_LOG_EVENT=true would log the event (secret header, text), and botocore at DEBUG
    the GetSecretValue response: neither may reach the logs."""
    env.delenv("WEBHOOK_SECRET")
    arn = boto3.client("secretsmanager").create_secret(Name="logged", SecretString=SECRET)["ARN"]
    env.setenv("WEBHOOK_SECRET_ARN", arn)
    env.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    env.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)  # the root logger, where botocore's records go
    update = load_fixture("01_group_text.json")
    update["message"]["text"] = "my private words"
    handler = load_handler()
    output = io.StringIO()
    handler.logger.registered_handler.setStream(output)
    response = handler.handler(api_gateway_event(json.dumps(update), headers=AUTH), lambda_context)
    assert response["statusCode"] == 200
    everything = output.getvalue() + caplog.text
    assert '"outcome":"stored"' in everything.replace(" ", "")  # the handler's own log lines are there
    assert SECRET not in everything
    assert "my private words" not in everything
