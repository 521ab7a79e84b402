"""Webhook registration against a local fake Bot API, with the stack outputs and the secret from AWS
(Secrets Manager under moto, CloudFormation's answer stubbed in botocore)."""

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ops.botapi import BotApi, BotApiError
from ops.webhook import WebhookTarget, describe_webhook, main, set_webhook, webhook_target
from telegram_etl.flatten import UPDATE_KINDS
from tests.fake_bot_api import TOKEN, FakeBotApi

URL = "https://abc123.execute-api.sa-east-1.amazonaws.com/dev/webhook"


@pytest.fixture
def bot_api():
    with FakeBotApi() as fake:
        yield fake


def cloudformation_answering(outputs: dict[str, str]):
    client = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(client)
    stack = {
        "StackName": "TelegramDevIngestion",
        "CreationTime": "2026-01-01T00:00:00Z",
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
    }
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "TelegramDevIngestion"})
    stubber.activate()
    return client


@mock_aws
def test_target_is_the_stack_url_and_the_secret_value(aws_credentials):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name="webhook", SecretString="s3cr3t-Token_value")["ARN"]
    cloudformation = cloudformation_answering(
        {"WebhookUrl": URL, "WebhookSecretArn": arn, "WebhookMaxConnections": "20"}
    )
    assert webhook_target(cloudformation, secrets, "dev") == WebhookTarget(URL, "s3cr3t-Token_value", 20)


@mock_aws
def test_the_secret_is_trimmed_as_the_webhook_trims_it_and_checked_against_telegrams_rule(aws_credentials):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    outputs = {"WebhookUrl": URL, "WebhookMaxConnections": "20"}
    # A secret stored from a file keeps its trailing newline; Telegram would refuse it in secret_token.
    arn = secrets.create_secret(Name="from-a-file", SecretString="s3cr3t-Token_value\n")["ARN"]
    target = webhook_target(cloudformation_answering({**outputs, "WebhookSecretArn": arn}), secrets, "dev")
    assert target.secret_token == "s3cr3t-Token_value"
    arn = secrets.create_secret(Name="with-a-space", SecretString="two words")["ARN"]
    with pytest.raises(SystemExit, match=r"not a Telegram secret_token.*it has 9 after") as refused:
        webhook_target(cloudformation_answering({**outputs, "WebhookSecretArn": arn}), secrets, "dev")
    assert "two words" not in str(refused.value)


def test_a_stack_without_the_outputs_is_a_clear_error(aws_credentials):
    cloudformation = cloudformation_answering({"RawBucketName": "raw"})
    with pytest.raises(SystemExit, match="no output WebhookMaxConnections, WebhookSecretArn, WebhookUrl"):
        webhook_target(cloudformation, None, "dev")


def test_set_webhook_sends_secret_every_update_kind_and_max_connections(bot_api):
    set_webhook(BotApi(TOKEN, base_url=bot_api.base_url), WebhookTarget(URL, "s3cr3t", 20))
    ((method, params),) = bot_api.calls
    assert method == "setWebhook"
    assert params["url"] == URL and params["secret_token"] == "s3cr3t"
    assert params["max_connections"] == 20  # the stack's output, not a constant of its own
    assert params["drop_pending_updates"] is False
    # Telegram leaves these out unless asked for by name.
    assert {"chat_member", "message_reaction", "message_reaction_count"} <= set(params["allowed_updates"])
    assert params["allowed_updates"] == list(UPDATE_KINDS)


def test_info_prints_url_pending_updates_and_last_error(bot_api, monkeypatch, capsys):
    bot_api.add_updates([{"update_id": 1}, {"update_id": 2}])
    bot_api.webhook = {
        "url": URL,
        "last_error_message": "Wrong response from the webhook: 401",
        "last_error_date": 5,
    }
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", bot_api.base_url)
    assert main(["info"]) == 0
    printed = capsys.readouterr().out
    assert URL in printed
    assert "pending updates:      2" in printed
    assert "Wrong response from the webhook: 401" in printed


def test_info_without_a_webhook_says_so():
    text = describe_webhook({"url": "", "pending_update_count": 0})
    assert "not using a webhook" in text and "last error:           none" in text


def test_missing_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="set TELEGRAM_BOT_TOKEN"):
        main(["info"])


def test_errors_name_the_method_and_never_the_token(bot_api):
    wrong = BotApi("999:wrong-token", base_url=bot_api.base_url)
    with pytest.raises(BotApiError, match="getWebhookInfo: Unauthorized") as raised:
        wrong.call("getWebhookInfo")
    assert raised.value.error_code == 401
    assert "wrong-token" not in str(raised.value)


def test_unreachable_api_is_a_clear_error():
    with pytest.raises(BotApiError, match="cannot reach the Bot API"):
        BotApi(TOKEN, base_url="http://127.0.0.1:9", timeout=2).call("getMe")
