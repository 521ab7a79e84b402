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


def test_a_slow_backend_is_cut_off_in_bounded_time(s3, relay_env, lambda_context, monkeypatch):
    monkeypatch.setattr(relay_module, "TIMEOUT_S", 0.3)
    with FakeBotBackend(delay_s=2) as backend:
        relay_env.setenv("RELAY_URL", backend.url)
        started = time.monotonic()
        response = call(UPDATE, lambda_context, headers=AUTH)
    assert response["statusCode"] == 502 and time.monotonic() - started < 1.5


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
