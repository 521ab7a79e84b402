"""Relay mode: the pipeline in front of an existing bot. The real ingest handler under moto, in front of a
bot backend on loopback: store first, forward the original body with the backend's secret, answer
Telegram with the backend's answer, and a 5xx when the backend fails (Telegram redelivers)."""

# The handler tests' fixtures (env, s3) are imported and then named as arguments, which ruff takes for a
# redefinition.
# ruff: noqa: F811

import json
import socket
import time

import pytest

from telegram_etl.flatten import flatten
from telegram_etl.sources import source_of
from telegram_ingest import relay as relay_module
from telegram_ingest.relay import Relay, RelayFailed, check_relay_url
from tests.fake_bot_backend import FakeBotBackend
from tests.helpers import load_fixture
from tests.lambdas.ingest.test_handler import AUTH, BUCKET, call, env, s3  # noqa: F401 - fixtures

BACKEND_SECRET = "backend-own-secret"
UPDATE = json.dumps(load_fixture("01_group_text.json")).encode()
KEY = f"telegram/context_date=2024-01-01/{json.loads(UPDATE)['update_id']}.json"


@pytest.fixture
def relay_env(env):
    env.setenv("RELAY_SECRET", BACKEND_SECRET)
    return env


def test_update_is_stored_then_relayed_and_the_backend_answers_telegram(s3, relay_env, lambda_context):
    with FakeBotBackend(body=FakeBotBackend.method_answer()) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        response = call(UPDATE, lambda_context, headers=AUTH)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == json.loads(FakeBotBackend.method_answer())  # a method for Telegram
    assert response["headers"]["Content-Type"] == "application/json"
    ((headers, body),) = backend.received
    assert body == UPDATE  # the original bytes
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == BACKEND_SECRET  # the backend's, not ours
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == UPDATE


def test_backend_down_is_a_5xx_after_storing_and_a_redelivery_keeps_one_copy(s3, relay_env, lambda_context):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    relay_env.setenv("RELAY_URL", closed)
    assert call(UPDATE, lambda_context, headers=AUTH)["statusCode"] == 502
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == UPDATE  # stored first
    with FakeBotBackend() as backend:  # Telegram redelivers once the backend is back
        relay_env.setenv("RELAY_URL", backend.url)
        assert call(UPDATE, lambda_context, headers=AUTH)["statusCode"] == 200
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [KEY]


def test_a_slow_backend_is_cut_off_in_bounded_time_and_telegram_does_not_redeliver(
    s3, relay_env, lambda_context, monkeypatch
):
    """The backend got the whole update and is still working on it: a 502 would make Telegram deliver it
    again (a duplicate for the bot); the update is stored, so Telegram is answered 200."""
    monkeypatch.setattr(relay_module, "TIMEOUT_S", 0.3)
    with FakeBotBackend(delay_s=2, body=FakeBotBackend.method_answer()) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        started = time.monotonic()
        response = call(UPDATE, lambda_context, headers=AUTH)
        elapsed = time.monotonic() - started
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"ok": True})
    assert elapsed < 1.5 and backend.bodies() == [UPDATE]
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == UPDATE


def test_a_backend_that_drips_its_answer_is_cut_at_the_deadline_not_per_read(
    s3, relay_env, lambda_context, monkeypatch
):
    """A byte every 0.2 s never trips a per-read timeout of 0.5 s; the whole relay still ends by 0.5 s."""
    monkeypatch.setattr(relay_module, "TIMEOUT_S", 0.5)
    with FakeBotBackend(drip_s=0.2, body=FakeBotBackend.method_answer()) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        started = time.monotonic()
        response = call(UPDATE, lambda_context, headers=AUTH)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 and response["statusCode"] == 200 and backend.bodies() == [UPDATE]


def test_the_relay_stays_inside_the_functions_remaining_time(s3, relay_env, lambda_context, monkeypatch):
    """Slow storage before it leaves the relay less than its 6 s: it takes what is left, less a margin."""
    monkeypatch.setattr(
        type(lambda_context), "get_remaining_time_in_millis", lambda self: 1_800, raising=False
    )
    with FakeBotBackend(delay_s=3) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        started = time.monotonic()
        assert call(UPDATE, lambda_context, headers=AUTH)["statusCode"] == 200
    assert time.monotonic() - started < 1.2  # 1.8 s left - 1.5 s margin: cut at 0.3 s


def test_an_answer_above_the_lambda_response_limit_is_not_passed_on(s3, relay_env, lambda_context):
    huge = json.dumps({"method": "sendMessage", "chat_id": -100123, "text": "x" * (7 * 2**20)}).encode()
    with FakeBotBackend(body=huge) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        response = call(UPDATE, lambda_context, headers=AUTH)
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"ok": True})
    assert len(json.dumps(response)) < 1000


def test_a_secret_with_a_trailing_newline_is_stripped(s3, relay_env, lambda_context):
    """What `put-secret-value --secret-string file://token.txt` stores: a ValueError carrying the secret
    out of the handler before."""
    relay_env.setenv("RELAY_SECRET", BACKEND_SECRET + "\n")
    with FakeBotBackend(expect_secret=BACKEND_SECRET) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        assert call(UPDATE, lambda_context, headers=AUTH)["statusCode"] == 200
    ((headers, _),) = backend.received
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == BACKEND_SECRET


def test_an_unusable_secret_is_a_502_that_never_shows_it(s3, relay_env, lambda_context, capsys, caplog):
    leaked = "bad secret\r\nX-Injected: 1"
    relay_env.setenv("RELAY_SECRET", leaked)
    with FakeBotBackend() as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        response = call(UPDATE, lambda_context, headers=AUTH)
    assert response["statusCode"] == 502 and backend.received == []
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == UPDATE  # stored all the same
    records = " ".join(str(record.__dict__) for record in caplog.records)
    logs = capsys.readouterr().out + records + json.dumps(response)
    assert "bad secret" not in logs and "secret_token is not" in records


def secrets_manager(values: list[str]):
    """A fetch that answers the next value on each read (a rotation between them), and counts reads."""
    reads: list[str] = []

    def fetch(arn: str) -> str:
        reads.append(arn)
        return values[min(len(reads), len(values)) - 1]

    return fetch, reads


def test_the_url_and_secret_come_from_the_secret_and_a_rotation_is_picked_up_on_403():
    with FakeBotBackend(expect_secret="rotated_2", body=FakeBotBackend.method_answer()) as backend:
        old, new = (
            json.dumps({"url": backend.url, "secret_token": token}) for token in ("before_1", "rotated_2")
        )
        fetch, reads = secrets_manager([old, new])
        relay = Relay.from_env({"RELAY_SECRET_ARN": "arn:relay"}, fetch)
        assert relay is not None
        assert relay.forward(UPDATE).status == 200  # 403 with the old secret, re-read, 200
        assert relay.forward(UPDATE).status == 200  # the new one is kept
    assert len(reads) == 2 and [h["X-Telegram-Bot-Api-Secret-Token"] for h, _ in backend.received] == [
        "before_1", "rotated_2", "rotated_2"]  # fmt: skip


def test_the_relay_settings_are_re_read_after_their_ttl(monkeypatch):
    clock = [0.0]
    with FakeBotBackend() as backend:
        fetch, reads = secrets_manager([json.dumps({"url": backend.url})])
        relay = Relay(lambda: relay_module.target_from_secret(fetch("arn")), refreshable=True,
                      clock=lambda: clock[0])  # fmt: skip
        relay.forward(b"{}", lambda: 25.0)
        clock[0] = relay_module.SETTINGS_TTL_S - 1
        relay.forward(b"{}", lambda: 25.0)
        clock[0] = relay_module.SETTINGS_TTL_S + 1
        relay.forward(b"{}", lambda: 25.0)
    assert len(reads) == 2


@pytest.mark.parametrize(
    "value",
    [
        "Zq8v0generatedRandom64chars",
        '{"url": "http://bot.example.com/123456:AAH-tok/hook"}',
        '{"url": "https://bot.example.com/hook", "secret_token": "has space"}',
    ],
)
def test_relay_settings_not_yet_filled_in_or_wrong_are_a_failure_that_names_no_value(value):
    """The secret as deployed (a random string) or filled in wrongly: the update is not sent (502 and
    Telegram redelivers), and neither the URL (it may carry the bot's token) nor the secret is said."""
    relay = Relay.from_env({"RELAY_SECRET_ARN": "arn:relay"}, lambda arn: value)
    assert relay is not None
    with pytest.raises(RelayFailed) as failure:
        relay.forward(UPDATE)
    assert not failure.value.delivered
    assert "AAH-tok" not in str(failure.value) and "has space" not in str(failure.value)
    assert "Zq8v0" not in str(failure.value)


def test_a_backend_that_is_down_is_a_failure_that_names_no_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/123456:AAH-token-in-path/hook"
    relay = Relay.from_env({"RELAY_SECRET_ARN": "arn:relay"}, lambda arn: json.dumps({"url": url}))
    with pytest.raises(RelayFailed) as failure:
        relay.forward(UPDATE)  # type: ignore[union-attr]
    assert not failure.value.delivered and "AAH" not in str(failure.value)


def test_the_backends_error_status_is_telegrams_answer(s3, relay_env, lambda_context):
    with FakeBotBackend(status=500, body=b"oops", content_type="text/plain") as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        response = call(UPDATE, lambda_context, headers=AUTH)
    assert (response["statusCode"], response["body"], response["headers"]["Content-Type"]) == (
        500, "oops", "text/plain")  # fmt: skip


def test_a_refused_secret_is_never_relayed(s3, relay_env, lambda_context):
    with FakeBotBackend() as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        assert (
            call(UPDATE, lambda_context, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})["statusCode"]
            == 401
        )
    assert backend.received == []


def test_without_relay_url_the_webhook_answers_ok_itself(s3, env, lambda_context):
    env.delenv("RELAY_URL", raising=False)
    assert json.loads(call(UPDATE, lambda_context, headers=AUTH)["body"]) == {"ok": True}


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://bot.example.com/hook", True), ("http://127.0.0.1:8080/hook", True),
     ("http://localhost/hook", True), ("http://bot.example.com/hook", False), ("ftp://x/y", False),
     ("https:///nohost", False)],
)  # fmt: skip
def test_relay_urls_are_https_or_loopback(url, ok):
    if ok:
        check_relay_url(url)
    else:
        with pytest.raises(ValueError, match="https"):
            check_relay_url(url)


def test_an_unreadable_backend_secret_is_a_relay_failure():
    def fetch(arn: str) -> str:
        raise RuntimeError("AccessDenied")

    relay = Relay.from_env({"RELAY_URL": "https://bot.example.com/hook", "RELAY_SECRET_ARN": "arn:x"}, fetch)
    with pytest.raises(RelayFailed, match="secret"):
        relay.forward(b"{}")


def test_a_method_answered_in_the_webhook_response_is_recorded_as_our_bots_message(
    s3, relay_env, lambda_context
):
    """The backend answers with sendMessage in its webhook response: Telegram gets the method, and the
    message (what is known of it: no message_id or date comes back) is stored like an /outgoing post, once
    however often Telegram redelivers the update, and reads as our bot's in the ETL."""
    relay_env.setenv("BOT_USER_ID", "7000000001")
    relay_env.setenv("BOT_USERNAME", "ajuda_loja_bot")
    update = json.loads(UPDATE)
    chat, asked = update["message"]["chat"], update["message"]["message_id"]
    method = {"method": "sendMessage", "chat_id": chat["id"], "text": "Olá! Já vejo seu pedido.",
              "reply_parameters": {"message_id": asked}}  # fmt: skip
    with FakeBotBackend(body=json.dumps(method).encode()) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        first = call(UPDATE, lambda_context, headers=AUTH)
        call(UPDATE, lambda_context, headers=AUTH)  # a redelivery
    assert json.loads(first["body"]) == method
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert len(keys) == 2 and KEY in keys
    (answer_key,) = [key for key in keys if key != KEY]
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=answer_key)["Body"].read())
    message = stored["message"]
    assert stored["update_id"] < 0 and source_of(stored["update_id"]) == "outgoing"
    assert (message["from"]["id"], message["from"]["is_bot"], message["from"]["username"]) == (
        7000000001, True, "ajuda_loja_bot")  # fmt: skip
    assert (message["chat"], message["text"], message["reply_to_message"]["message_id"]) == (
        chat, "Olá! Já vejo seu pedido.", asked)  # fmt: skip
    assert message["date"] == 1_704_067_200  # the update's arrival (API Gateway's requestTimeEpoch)
    row = flatten(stored, None)
    assert (row["user_is_bot"], row["user_username"], row["reply_to_message_id"]) == (
        True,
        "ajuda_loja_bot",
        asked,
    )


def test_an_answer_that_sends_nothing_is_not_recorded(s3, relay_env, lambda_context):
    relay_env.setenv("BOT_USER_ID", "7000000001")
    for answer in (b"", b'{"method": "answerCallbackQuery", "callback_query_id": "1"}', b"not json",
                   b'{"method": "sendMessage", "chat_id": "@canal", "text": "x"}'):  # fmt: skip
        with FakeBotBackend(body=answer) as backend:
            relay_env.setenv("RELAY_URL", backend.url)
            assert call(UPDATE, lambda_context, headers=AUTH)["statusCode"] == 200
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [KEY]
