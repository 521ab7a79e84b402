"""make set-webhook / webhook-info when the operator's setup is incomplete: one line saying what to do,
exit 1, never a traceback (issue 12, item 18). AWS stubbed in botocore or with no credentials at all; the Bot API
is the local fake, or a closed port on loopback."""

import boto3
import pytest
from botocore.stub import Stubber

from ops.webhook import main
from tests.fake_bot_api import TOKEN, FakeBotApi


@pytest.fixture
def bot_api(monkeypatch):
    with FakeBotApi() as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_URL", fake.base_url)
        yield fake


@pytest.fixture
def no_aws_setup(monkeypatch, tmp_path):
    """No region, no credentials, no config files, no instance metadata: a fresh machine."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default session keeps the credentials it found for an earlier test: start afresh.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_set_webhook_without_a_region(bot_api, no_aws_setup, capsys):
    assert main(["set", "--stage", "prod"]) == 1
    assert one_line(capsys).startswith("make set-webhook: no AWS region: export AWS_DEFAULT_REGION=")
    assert bot_api.calls == []


def test_set_webhook_without_credentials(bot_api, no_aws_setup, monkeypatch, capsys):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    assert main(["set", "--stage", "prod"]) == 1
    assert one_line(capsys).startswith("make set-webhook: no AWS credentials: run `aws configure`")


def test_set_webhook_for_a_stage_that_was_never_deployed(bot_api, aws_credentials, monkeypatch, capsys):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(cloudformation)
    stubber.add_client_error(  # what CloudFormation answers for a stack name it does not know
        "describe_stacks", service_error_code="ValidationError", http_status_code=400,
        service_message="Stack with id TelegramPrdoIngestion does not exist",
        expected_params={"StackName": "TelegramPrdoIngestion"},
    )  # fmt: skip
    stubber.activate()
    real_client = boto3.client
    monkeypatch.setattr(
        boto3,
        "client",
        lambda name, **kw: cloudformation if name == "cloudformation" else real_client(name, **kw),
    )
    assert main(["set", "--stage", "prdo"]) == 1
    line = one_line(capsys)
    assert "stack TelegramPrdoIngestion does not exist" in line
    assert "check STAGE=prdo" in line and "make deploy STAGE=prdo" in line
    assert bot_api.calls == []  # nothing was sent to Telegram


def test_webhook_info_without_network(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["info"]) == 1
    line = one_line(capsys)
    assert line.startswith("make webhook-info: getWebhookInfo: cannot reach the Bot API")
    assert TOKEN not in line
