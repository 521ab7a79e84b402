"""`make import-export FILE=... STAGE=dev` against AWS: the raw bucket under moto, the stage's stacks and
the ETL Lambda's invocation stubbed in botocore (their calls and parameters checked)."""

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ops.import_export import StageResources, convert_file, day_runs, main, stage_resources
from standins.settings import stage_config
from tests.helpers import FIXTURES_DIR

NEW = FIXTURES_DIR / "39_desktop_export_new_format.json"
OLD = FIXTURES_DIR / "40_desktop_export_old_format.json"
BUCKET, FUNCTION = "telegramdevingestion-rawbucket-abc", "TelegramDevEtl-EtlFunction1A2B-xyz"


def cloudformation_answering() -> boto3.client:
    client = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(client)
    stack = {"StackName": "TelegramDevIngestion", "CreationTime": "2026-01-01T00:00:00Z",
             "StackStatus": "CREATE_COMPLETE", "Outputs": [{"OutputKey": "RawBucketName", "OutputValue": BUCKET}]}  # fmt: skip
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "TelegramDevIngestion"})
    resources = [
        {"LogicalResourceId": "EtlFunction1A2B3C4D", "PhysicalResourceId": FUNCTION, "ResourceType": "AWS::Lambda::Function",
         "LastUpdatedTimestamp": "2026-01-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"},
        {"LogicalResourceId": "LogRetentionaae0aa3c", "PhysicalResourceId": "other", "ResourceType": "AWS::Lambda::Function",
         "LastUpdatedTimestamp": "2026-01-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"},
    ]  # fmt: skip
    stubber.add_response(
        "list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": "TelegramDevEtl"}
    )
    stubber.activate()
    return client


class Session:
    """What main() asks of a boto3 session: clients, here moto's S3 and stubbed ones."""

    def __init__(self, **clients) -> None:
        self.clients = clients

    def client(self, name: str):
        return self.clients[name]


def lambda_expecting(*payloads: dict) -> tuple[boto3.client, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1")
    stubber = Stubber(client)
    for payload in payloads:
        stubber.add_response("invoke", {"StatusCode": 202}, {
            "FunctionName": FUNCTION, "InvocationType": "Event", "Payload": json.dumps(payload).encode()})  # fmt: skip
    stubber.activate()
    return client, stubber


def test_stage_resources_are_the_raw_bucket_output_and_the_etl_function(aws_credentials):
    assert stage_resources(cloudformation_answering(), "dev") == StageResources(BUCKET, FUNCTION)


@mock_aws
def test_import_writes_the_raw_objects_and_invokes_the_etl_once_per_day_run(aws_credentials, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    # Fixture 39 is 2022-06-05 and fixture 40 2022-09-16 in São Paulo (the dev stage's time zone).
    lam, stubber = lambda_expecting({"start_date": "2022-06-05", "end_date": "2022-06-05"})
    session = Session(s3=s3, cloudformation=cloudformation_answering(), **{"lambda": lam})
    assert main([str(NEW), "--stage", "dev", "--json"], session=session) == 0
    stubber.assert_no_pending_responses()
    printed = json.loads(capsys.readouterr().out)
    assert {k: printed[k] for k in ("read", "imported", "already_present", "skipped", "days_touched")} == {
        "read": 155, "imported": 155, "already_present": 0, "skipped": 0, "days_touched": ["2022-06-05"]}  # fmt: skip
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 155 and all(k.startswith("telegram/context_date=2022-06-05/-") for k in keys)
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert body["message"]["chat"]["id"] == -1001712691810

    # Again, with the older export too: the first file is already there, only the new day is processed.
    lam, stubber = lambda_expecting({"start_date": "2022-09-16", "end_date": "2022-09-16"})
    session = Session(s3=s3, cloudformation=cloudformation_answering(), **{"lambda": lam})
    assert main([str(NEW), "--stage", "dev"], session=session) == 0  # nothing new: no invocation
    assert "155 already present" in capsys.readouterr().out
    session = Session(s3=s3, cloudformation=cloudformation_answering(), **{"lambda": lam})
    assert main([str(OLD), "--stage", "dev", "--export-timezone", "Asia/Jakarta"], session=session) == 0
    stubber.assert_no_pending_responses()
    out = capsys.readouterr().out
    assert "46 messages read, 46 imported, 0 already present, 0 skipped; 1 days touched" in out
    assert "older export format: 46 dates without offset, read as local time in Asia/Jakarta" in out
    assert "ETL invoked for 2022-09-16 to 2022-09-16" in out


@mock_aws
def test_no_etl_prints_the_invocations_instead(aws_credentials, capsys):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    session = Session(s3=s3, cloudformation=cloudformation_answering())  # no Lambda client: none is made
    assert main([str(NEW), "--stage", "dev", "--no-etl"], session=session) == 0
    out = capsys.readouterr().out
    assert f"aws lambda invoke --function-name {FUNCTION} --invocation-type Event" in out
    assert '{"start_date": "2022-06-05", "end_date": "2022-06-05"}' in out


@pytest.mark.parametrize(
    "content", ['{"name": "x", "type": "public_supergroup", "id": 1, "messages": [', "[]"]
)
def test_bad_input_is_one_line_and_exit_2_before_any_aws_call(tmp_path, capsys, content):
    bad = tmp_path / "result.json"
    bad.write_text(content)
    assert main([str(bad), "--stage", "dev"], session=Session()) == 2  # Session() has no client at all
    err = capsys.readouterr().err
    assert err.startswith("import-export: ") and err.count("\n") == 1


def test_a_bad_export_timezone_is_refused(capsys):
    assert main([str(OLD), "--stage", "dev", "--export-timezone", "Mars/Olympus"], session=Session()) == 2
    assert "is not an IANA time zone name" in capsys.readouterr().err


def test_day_runs_group_consecutive_days_within_the_backfill_limit():
    days = ["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-05", "2024-01-02"]
    assert list(day_runs(days)) == [
        {"start_date": "2024-01-01", "end_date": "2024-01-03"},
        {"start_date": "2024-01-05", "end_date": "2024-01-05"},
    ]
    long = [(date(2020, 1, 1) + timedelta(days=i)).isoformat() for i in range(400)]
    assert [(r["start_date"], r["end_date"]) for r in day_runs(long)] == [
        ("2020-01-01", "2020-12-31"), ("2021-01-01", "2021-02-03"),
    ]  # fmt: skip


def test_our_bot_is_the_stages_bot_user_id_unless_the_option_says_otherwise():
    # In fixture 39, user 230072954 wrote 35 messages; as the stage's bot_user_id they become our bot's.
    config = replace(stage_config("dev"), bot_user_id=230072954, bot_username="ajuda_loja_bot")

    def senders(conversion) -> Counter:
        froms = (json.loads(o.body)["message"]["from"] for o in conversion.objects)
        return Counter((f["id"], f.get("is_bot"), f.get("username")) for f in froms if f["id"] == 230072954)

    assert senders(convert_file(NEW, config)) == Counter({(230072954, True, "ajuda_loja_bot"): 35})
    # --bot-user-id names another account: this one is a person again.
    assert senders(convert_file(NEW, config, bot_user_id=1168523623)) == Counter(
        {(230072954, None, None): 35}
    )
