"""raw_layout "firehose": the same stacks with a Firehose stream of raw updates; cdk-nag, cfn-lint, snapshot."""

import json
from dataclasses import replace

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.config import ConfigError, StageConfig
from stacks.pipeline import Pipeline, add_pipeline
from tests.stacks.conftest import cdk_context, dev_config
from tests.stacks.support import (
    assert_matches_snapshot,
    cfn_lint,
    logical_id,
    role_statements,
    without_tracing,
)
from tests.stacks.test_pipeline import IGNORED_CFN_LINT_RULES


def firehose_config() -> StageConfig:
    return replace(dev_config(), raw_layout="firehose", firehose_buffer_mib=32, firehose_buffer_seconds=120)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> tuple[Pipeline, list[dict]]:
    app = App(context=cdk_context(), outdir=str(tmp_path_factory.mktemp("cdk.out-firehose")))
    pipeline = add_pipeline(app, firehose_config())
    assembly = app.synth()  # raises on any unacknowledged AwsSolutions finding (cdk-nag)
    return pipeline, [stack.template for stack in assembly.stacks]


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return Template.from_stack(synthesized[0].ingestion)


def stream_of(template: Template) -> tuple[str, dict]:
    ((name, stream),) = template.find_resources("AWS::KinesisFirehose::DeliveryStream").items()
    return name, stream["Properties"]


def test_the_stream_batches_into_the_raw_bucket_by_arrival_day_in_the_stage_time_zone(synthesized, template):
    pipeline, _ = synthesized
    _, stream = stream_of(template)
    s3 = stream["ExtendedS3DestinationConfiguration"]
    assert stream["DeliveryStreamType"] == "DirectPut"
    assert stream["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
    assert s3["BucketARN"] == {"Fn::GetAtt": [logical_id(pipeline.ingestion.raw_bucket), "Arn"]}
    assert s3["Prefix"] == "firehose/context_date=!{timestamp:yyyy-MM-dd}/"
    assert (
        s3["ErrorOutputPrefix"]
        == "firehose-errors/!{firehose:error-output-type}/context_date=!{timestamp:yyyy-MM-dd}/"
    )
    assert s3["CustomTimeZone"] == "America/Sao_Paulo"
    assert s3["BufferingHints"] == {"IntervalInSeconds": 120, "SizeInMBs": 32}
    assert s3["CloudWatchLoggingOptions"]["Enabled"] is True


def test_the_ingest_lambda_may_only_put_records_on_this_stream(synthesized, template):
    pipeline = synthesized[0]
    name, _ = stream_of(template)
    function = template.to_json()["Resources"][logical_id(pipeline.ingestion.ingest_function)]
    assert function["Properties"]["Environment"]["Variables"]["FIREHOSE_STREAM"] == {"Ref": name}
    statements = without_tracing(role_statements(template, pipeline.ingestion.ingest_function.role))
    firehose = [s for s in statements if any(a.startswith("firehose:") for a in s["Action"])]
    assert [(s["Action"], s["Resource"]) for s in firehose] == [
        (["firehose:PutRecord"], {"Fn::GetAtt": [name, "Arn"]})
    ]


def test_firehose_may_only_write_its_two_prefixes(synthesized, template):
    pipeline = synthesized[0]
    (role_name,) = [n for n, r in template.find_resources("AWS::IAM::Role").items()
                    if "firehose.amazonaws.com" in json.dumps(r)]  # fmt: skip
    role = template.to_json()["Resources"][role_name]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}
    policies = [p for p in template.find_resources("AWS::IAM::Policy").values()
                if {"Ref": role_name} in p["Properties"]["Roles"]]  # fmt: skip
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert len(writes) == 1
    bucket = logical_id(pipeline.ingestion.raw_bucket)
    suffixes = [r["Fn::Join"][1][1] for r in writes[0]["Resource"]]
    assert sorted(suffixes) == ["/firehose-errors/*", "/firehose/*"]
    assert all(r["Fn::Join"][1][0] == {"Fn::GetAtt": [bucket, "Arn"]} for r in writes[0]["Resource"])
    every_action = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert every_action == {"s3:PutObject", "s3:AbortMultipartUpload", "s3:GetBucketLocation",
                            "s3:ListBucketMultipartUploads", "logs:PutLogEvents"}  # fmt: skip


def test_freshness_failed_deliveries_and_throttling_are_alarmed(synthesized, template):
    pipeline = synthesized[0]
    name, _ = stream_of(template)
    alarms = {a["Properties"]["MetricName"]: a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("Namespace") == "AWS/Firehose"}  # fmt: skip
    assert set(alarms) == {"DeliveryToS3.DataFreshness", "DeliveryToS3.Success", "ThrottledRecords"}
    assert alarms["DeliveryToS3.DataFreshness"]["Threshold"] == 120 + 900
    assert alarms["DeliveryToS3.Success"]["ComparisonOperator"] == "LessThanThreshold"
    topic = {"Ref": logical_id(pipeline.ingestion.alerts_topic)}
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [topic]
        assert alarm["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": {"Ref": name}}]


def test_the_etl_reads_both_layouts(synthesized):
    pipeline = synthesized[0]
    template = Template.from_stack(pipeline.etl)
    statements = without_tracing(role_statements(template, pipeline.etl.etl_function.role))
    (reads,) = [s for s in statements if s["Action"] == ["s3:GetObject"]]
    assert sorted(r["Fn::Join"][1][1] for r in reads["Resource"]) == ["/firehose/*", "/telegram/*"]


def test_the_object_layout_has_no_stream(pipeline):
    assert (
        Template.from_stack(pipeline.ingestion).find_resources("AWS::KinesisFirehose::DeliveryStream") == {}
    )
    assert pipeline.ingestion.raw_stream is None


def test_templates_pass_cfn_lint(synthesized):
    for template in synthesized[1]:
        matches = cfn_lint(template)
        assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in IGNORED_CFN_LINT_RULES] == []


def test_snapshot(template):
    assert_matches_snapshot("ingestion-firehose", template.to_json())


@pytest.mark.parametrize(("settings", "problem"), [
    ({"raw_layout": "kinesis"}, "raw_layout 'kinesis' must be one of object, firehose"),
    ({"firehose_buffer_mib": 129}, "firehose_buffer_mib must be an integer between 1 and 128"),
    ({"firehose_buffer_seconds": -1}, "firehose_buffer_seconds must be an integer between 0 and 900"),
    ({"firehose_buffer_seconds": "300"}, "firehose_buffer_seconds must be an integer between 0 and 900"),
    ({"raw_layout": "firehose", "timezone": "EST"}, "timezone 'EST': raw_layout firehose needs UTC"),
])  # fmt: skip
def test_invalid_layout_settings_are_rejected(settings, problem):
    assert StageConfig.from_context("x", {"raw_layout": "firehose", "timezone": "UTC"}).timezone == "UTC"
    with pytest.raises(ConfigError) as error:
        StageConfig.from_context("x", settings)
    assert any(p.startswith(problem) for p in error.value.problems)


def test_everything_firehose_writes_expires_after_raw_retention_days(synthesized, template):
    pipeline = synthesized[0]
    _, stream = stream_of(template)
    raw = template.to_json()["Resources"][logical_id(pipeline.ingestion.raw_bucket)]["Properties"]
    expiring = {
        rule["Prefix"]: rule["ExpirationInDays"]
        for rule in raw["LifecycleConfiguration"]["Rules"]
        if "Prefix" in rule and rule["Status"] == "Enabled"
    }
    s3 = stream["ExtendedS3DestinationConfiguration"]
    for written in (s3["Prefix"], s3["ErrorOutputPrefix"]):  # records and failed deliveries
        (rule,) = [prefix for prefix in expiring if written.startswith(prefix)]
        assert expiring[rule] == firehose_config().raw_retention_days
