"""The ETL stack's infrastructure."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from stacks.config import ConfigError, StageConfig
from stacks.etl_stack import EtlStack
from telegram_etl.days import days_to_process
from tests.stacks.conftest import ROOT, dev_config
from tests.stacks.support import assert_matches_snapshot, logical_id, role_statements, without_tracing


@pytest.fixture(scope="module")
def template(pipeline) -> Template:
    return Template.from_stack(pipeline.etl)


def test_processed_bucket_has_the_raw_bucket_defaults(pipeline, template):
    bucket = template.to_json()["Resources"][logical_id(pipeline.etl.processed_bucket)]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id(pipeline.etl.processed_bucket)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            },
        },
    )


def test_etl_function_runtime_timeout_layers_and_environment(pipeline, template):
    function = template.to_json()["Resources"][logical_id(pipeline.etl.etl_function)]["Properties"]
    assert function["Runtime"] == "python3.14"
    assert function["Handler"] == "handler.handler"
    assert function["Timeout"] == 900
    assert function["MemorySize"] == 1024
    assert "EphemeralStorage" not in function  # Lambda's default 512 MB: it spills nothing
    assert function["ReservedConcurrentExecutions"] == 1
    assert len(function["Layers"]) == 2  # AWS SDK for pandas (pyarrow) and Powertools
    env = function["Environment"]["Variables"]
    assert env["PROCESSED_BUCKET"] == {"Ref": logical_id(pipeline.etl.processed_bucket)}
    assert "Fn::ImportValue" in env["RAW_BUCKET"]  # the ingestion stack's bucket, as a typed reference
    assert env["TIMEZONE"] == "America/Sao_Paulo"


def test_sdk_for_pandas_layer_comes_from_the_public_ssm_parameter(template):
    parameters = template.to_json()["Parameters"]
    defaults = {p.get("Default") for p in parameters.values()}
    assert "/aws/service/aws-sdk-pandas/3.16.1/py3.14/arm64/layer-arn" in defaults
    assert "/aws/service/powertools/python/arm64/python3.14/3.37.0" in defaults
    assert not any(str(default).endswith("/latest") for default in defaults)  # reproducible deploys


def test_deployed_powertools_is_the_version_the_tests_run():
    pins = dict(
        line.split("==") for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if "==" in line
    )
    assert StageConfig(stage="x").powertools_version == pins["aws-lambda-powertools"]
    with pytest.raises(ConfigError):
        StageConfig(stage="x", powertools_version="latest")


def test_daily_schedule_runs_at_local_time_in_the_stage_timezone_with_retries_and_dlq(pipeline, template):
    """EventBridge Scheduler evaluates the cron in the stage's timezone, DST included."""
    assert template.find_resources("AWS::Events::Rule") == {}  # a UTC cron skipped a day once a year
    (schedule,) = template.find_resources("AWS::Scheduler::Schedule").values()
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == "cron(0 3 * * ? *)"  # 03:00...
    assert properties["ScheduleExpressionTimezone"] == "America/Sao_Paulo"  # ...in São Paulo
    assert (properties["State"], properties["FlexibleTimeWindow"]) == ("ENABLED", {"Mode": "OFF"})
    target = properties["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [logical_id(pipeline.etl.etl_function), "Arn"]}
    assert json.loads(target["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600}
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [logical_id(pipeline.etl.dead_letter_queue), "Arn"]}
    }
    role = target["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert sorted(s["Action"] for s in statements) == ["lambda:InvokeFunction", "sqs:SendMessage"]
    assert logical_id(pipeline.etl.etl_function) in json.dumps(statements[0]["Resource"])
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {"Fn::GetAtt": [logical_id(pipeline.etl.dead_letter_queue), "Arn"]}
                }
            },
        },
    )


def test_etl_role_is_scoped_to_prefixes(pipeline, template):
    statements = without_tracing(role_statements(template, pipeline.etl.etl_function.role))
    by_action = {}
    for statement in statements:
        for action in statement["Action"]:
            by_action.setdefault(action, []).append(statement)
    assert set(by_action) == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "lambda:InvokeFunction",  # the model step, its on-success destination
    }
    (invoke,) = by_action["lambda:InvokeFunction"]
    assert logical_id(pipeline.etl.model_function) in str(invoke["Resource"])
    (secret,) = by_action["secretsmanager:GetSecretValue"]
    assert secret["Resource"] == {"Ref": logical_id(pipeline.etl.pseudonym_key_secret)}  # the key alone
    assert "'*'" not in str(statements)
    (get,) = by_action["s3:GetObject"]  # both raw layouts (object and firehose), nothing else
    assert sorted(r["Fn::Join"][1][1] for r in get["Resource"]) == ["/firehose/*", "/telegram/*"]
    put_resources = str(by_action["s3:PutObject"][0]["Resource"])
    assert "/telegram/*" in put_resources and "/quarantine/*" in put_resources
    for listing in by_action["s3:ListBucket"]:
        assert "s3:prefix" in listing["Condition"]["StringLike"]


def test_failed_runs_alarm_the_alerts_topic(pipeline, template):
    dlq = logical_id(pipeline.etl.dead_letter_queue)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    by_metric = {a["Properties"]["MetricName"]: a["Properties"] for a in alarms.values()}
    assert {a["Properties"]["MetricName"] for a in alarms.values()} == {
        "ApproximateNumberOfMessagesVisible", "Duration", "Errors", "Invocations", "LateDataReruns",
        "EtlDaysDeferred"}  # fmt: skip
    by_metric = {a["Properties"]["MetricName"]: a["Properties"] for a in alarms.values()
                 if "Model" not in str(a["Properties"].get("Dimensions"))
                 and a["Properties"]["MetricName"] != "Duration"}  # fmt: skip
    dead_letters = by_metric["ApproximateNumberOfMessagesVisible"]
    assert dead_letters["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dlq, "QueueName"]}
    missed = by_metric.pop("Invocations")
    assert missed["Dimensions"][0]["Value"] == {"Ref": logical_id(pipeline.etl.etl_function)}
    assert (missed["Period"], missed["EvaluationPeriods"], missed["DatapointsToAlarm"]) == (3600, 25, 25)
    assert (missed["ComparisonOperator"], missed["Threshold"]) == ("LessThanThreshold", 1)
    assert missed["TreatMissingData"] == "breaching"  # no invocation at all is what it detects
    assert "Fn::ImportValue" in missed["AlarmActions"][0]
    for alarm in by_metric.values():
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert "Fn::ImportValue" in alarm["AlarmActions"][0]  # the ingestion stack's alerts topic


def test_a_run_near_its_timeout_alarms_before_a_bigger_day_times_out(pipeline, template):
    """The ETL and the model function each: one invocation lasting 80% of its timeout (12 of its 15 minutes)
    notifies the alerts topic, with what to change in the description."""
    functions = template.find_resources("AWS::Lambda::Function")
    alarms = [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
              if a["Properties"]["MetricName"] == "Duration"]  # fmt: skip
    by_function = {alarm["Dimensions"][0]["Value"]["Ref"]: alarm for alarm in alarms}
    etl, model = logical_id(pipeline.etl.etl_function), logical_id(pipeline.etl.model_function)
    assert set(by_function) == {etl, model}
    for function, setting in ((etl, "etl_memory_mb"), (model, "model_memory_mb")):
        alarm, timeout = by_function[function], functions[function]["Properties"]["Timeout"]
        assert timeout == 900
        assert (alarm["Namespace"], alarm["Statistic"], alarm["Period"]) == ("AWS/Lambda", "Maximum", 300)
        assert alarm["Threshold"] == 0.8 * timeout * 1000 == 720_000  # milliseconds
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"  # no run in the period: nothing to say
        assert "Fn::ImportValue" in alarm["AlarmActions"][0]
        assert "80% of its 15 minutes" in alarm["AlarmDescription"] and setting in alarm["AlarmDescription"]


def test_snapshot(template):
    assert_matches_snapshot("etl", template.to_json())


@pytest.mark.parametrize(
    ("timezone", "local_time"),
    [("America/Sao_Paulo", "03:00"), ("America/New_York", "23:30"), ("Australia/Sydney", "23:59"),
     ("Europe/London", "00:30")],
)  # fmt: skip
def test_the_scheduled_input_makes_the_etl_process_every_day_once_across_dst(timezone, local_time):
    """The schedule's input, as Scheduler fills it in at each local run time of a year, through the ETL's
    own D-1 rule: every day exactly once, also at 23:30 in a zone with summer time."""
    config = StageConfig(stage="x", timezone=timezone, etl_local_time=local_time)
    input_template = json.dumps({"time": "<aws.scheduler.scheduled-time>"})
    hour, minute = (int(part) for part in config.etl_local_time.split(":"))
    zone, processed = ZoneInfo(timezone), []
    for offset in range(366):
        day = date(2025, 1, 1) + timedelta(days=offset)
        scheduled = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
        event = json.loads(
            input_template.replace("<aws.scheduler.scheduled-time>", f"{scheduled:%Y-%m-%dT%H:%M:%SZ}")
        )
        processed += days_to_process(event, zone)
    assert processed == [date(2024, 12, 31) + timedelta(days=offset) for offset in range(366)]


@pytest.mark.parametrize(
    ("timezone", "local_time"),
    [("America/New_York", "02:30"), ("America/New_York", "01:15"), ("America/Santiago", "00:00"),
     ("Europe/London", "01:30")],
)  # fmt: skip
def test_a_local_time_skipped_or_repeated_by_a_clock_change_is_refused(timezone, local_time):
    with pytest.raises(ConfigError, match="clock change"):
        StageConfig(stage="x", timezone=timezone, etl_local_time=local_time)


def _processed_rules(config):
    app = App()
    support = Stack(app, "Support")
    stack = EtlStack(
        app, "Etl", config=config, raw_bucket=s3.Bucket(support, "Raw"), alerts_topic=sns.Topic(support, "T")
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    return resources[logical_id(stack.processed_bucket)]["Properties"]["LifecycleConfiguration"]["Rules"]


def test_quarantine_expires_with_raw_and_processed_days_are_kept_by_default(pipeline):
    rules = Template.from_stack(pipeline.etl).to_json()["Resources"][
        logical_id(pipeline.etl.processed_bucket)
    ]
    rules = rules["Properties"]["LifecycleConfiguration"]["Rules"]
    assert "ExpirationInDays" not in rules[0]
    assert rules[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert {r["Prefix"]: r["ExpirationInDays"] for r in rules[1:]} == {"quarantine/": 30, "manifest/": 30}


def test_processed_days_expire_when_processed_retention_days_is_set():
    rules = _processed_rules(StageConfig(stage="x", raw_retention_days=45, processed_retention_days=400))
    assert {r["Prefix"]: r["ExpirationInDays"] for r in rules[1:]} == {
        "quarantine/": 45, "manifest/": 45, "telegram/": 400, "model/": 400}  # fmt: skip


def test_the_processed_bucket_is_an_output_for_the_rights_tools(pipeline):
    # ops.rights finds a stage's processed bucket by this output name.
    outputs = Template.from_stack(pipeline.etl).to_json()["Outputs"]
    assert outputs["ProcessedBucketName"] == {"Value": {"Ref": logical_id(pipeline.etl.processed_bucket)}}


def test_the_etl_function_is_an_output_for_make_verify(pipeline):
    # ops.verify invokes the ETL over its verification day by this output name.
    outputs = Template.from_stack(pipeline.etl).to_json()["Outputs"]
    assert outputs["EtlFunctionName"]["Value"] == {"Ref": logical_id(pipeline.etl.etl_function)}


def test_the_pseudonym_key_is_a_generated_secret_passed_by_arn(pipeline, template):
    """Fixed interface with the rights tools (issue 14): output PseudonymKeySecretArn, env
    PSEUDONYM_KEY_SECRET_ARN; the value is generated at deploy time, never in the template."""
    secret_id = logical_id(pipeline.etl.pseudonym_key_secret)
    secret = template.to_json()["Resources"][secret_id]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] == 64
    assert "SecretString" not in secret["Properties"]
    assert template.to_json()["Outputs"]["PseudonymKeySecretArn"]["Value"] == {"Ref": secret_id}
    function = template.to_json()["Resources"][logical_id(pipeline.etl.etl_function)]["Properties"]
    env = function["Environment"]["Variables"]
    assert env["PSEUDONYM_KEY_SECRET_ARN"] == {"Ref": secret_id}
    assert (env["PSEUDONYMIZE_USERS"], env["STAFF_USER_IDS"]) == ("true", "")


def test_staff_ids_reach_the_etl_and_pseudonymize_users_off_drops_the_key(tmp_path):
    from aws_cdk import App

    from stacks.pipeline import add_pipeline

    config = StageConfig(stage="clear", staff_user_ids=(101, 202), pseudonymize_users=False)
    app = App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    etl = add_pipeline(app, config).etl
    template = Template.from_stack(etl).to_json()
    env = template["Resources"][logical_id(etl.etl_function)]["Properties"]["Environment"]["Variables"]
    assert (env["STAFF_USER_IDS"], env["PSEUDONYMIZE_USERS"]) == ("101,202", "false")
    assert "PSEUDONYM_KEY_SECRET_ARN" not in env
    assert "secretsmanager:GetSecretValue" not in json.dumps(template)


def test_the_etl_may_keep_manifests_and_knows_how_far_back_late_data_is_re_run(pipeline, template):
    """Late data (issue 22): manifests under manifest/ of the processed bucket (listed, put, deleted; never
    read), LATE_DATA_DAYS in the function's environment, and an alarm on each late re-run."""
    function = template.to_json()["Resources"][logical_id(pipeline.etl.etl_function)]["Properties"]
    assert function["Environment"]["Variables"]["LATE_DATA_DAYS"] == "7"
    statements = json.dumps(role_statements(template, pipeline.etl.etl_function.role))
    assert "manifest/*" in statements
    filters = template.find_resources("AWS::Logs::MetricFilter")
    assert any('"late_rerun"' in f["Properties"]["FilterPattern"] for f in filters.values())


def test_days_an_invocation_deferred_are_counted_and_alarmed(template):
    """The ETL's "days_deferred" log lines (days it had no time left for) become a metric, and one is an alarm."""
    filters = template.find_resources("AWS::Logs::MetricFilter")
    (deferred,) = [
        f["Properties"] for f in filters.values() if '"days_deferred"' in f["Properties"]["FilterPattern"]
    ]
    name = deferred["MetricTransformations"][0]["MetricName"]
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    (alarm,) = [a["Properties"] for a in alarms if a["Properties"]["MetricName"] == name]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert "Fn::ImportValue" in alarm["AlarmActions"][0] and "re-run" in alarm["AlarmDescription"]


@pytest.mark.parametrize("settings", [{"late_data_days": 0}, {"late_data_days": 32}, {"late_data_days": "7"},
                                      {"late_data_days": 14, "raw_retention_days": 14}])  # fmt: skip
def test_late_data_days_is_bounded_and_below_raw_retention(settings):
    with pytest.raises(ConfigError, match="late_data_days"):
        StageConfig(stage="x", **settings)


def test_the_model_step_runs_on_the_etls_success_with_the_stage_model_settings(pipeline, template):
    resources = template.to_json()["Resources"]
    model = logical_id(pipeline.etl.model_function)
    function = resources[model]["Properties"]
    assert (function["Runtime"], function["Handler"], function["Timeout"]) == (
        "python3.14",
        "handler.handler",
        900,
    )
    assert function["MemorySize"] == 3008 and function["ReservedConcurrentExecutions"] == 1
    # /tmp for the days it downloads and DuckDB's spill: the stage's model_ephemeral_mb.
    assert function["EphemeralStorage"] == {"Size": dev_config().model_ephemeral_mb}
    assert dev_config().model_ephemeral_mb > 512  # more than Lambda's default
    assert len(function["Layers"]) == 2  # pyarrow and Powertools, as the ETL's
    env = function["Environment"]["Variables"]
    assert env["PROCESSED_BUCKET"] == {"Ref": logical_id(pipeline.etl.processed_bucket)}
    settings = json.loads(env["MODEL_SETTINGS"])
    assert settings["timezone"] == "America/Sao_Paulo"
    assert settings["topic_rules"] == {k: list(v) for k, v in dev_config().topic_rules.items()}
    assert env["MODEL_INCREMENTAL"] == "true"  # model_incremental, on unless the stage sets it false
    configs = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    etl = next(c for c in configs if c["FunctionName"] == {"Ref": logical_id(pipeline.etl.etl_function)})
    assert model in str(etl["DestinationConfig"]["OnSuccess"])
    own = next(c for c in configs if c["FunctionName"] == {"Ref": model})
    assert logical_id(pipeline.etl.model_dead_letter_queue) in str(own["DestinationConfig"]["OnFailure"])
    alarms = [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()]
    watched = str([a.get("Dimensions") for a in alarms])
    assert model in watched and logical_id(pipeline.etl.model_dead_letter_queue) in watched


def test_the_model_role_reads_the_processed_table_and_writes_the_model_prefix_only(pipeline, template):
    statements = without_tracing(role_statements(template, pipeline.etl.model_function.role))
    by_action = {}
    for statement in statements:
        for action in statement["Action"]:
            by_action.setdefault(action, []).append(statement)
    (get,) = by_action["s3:GetObject"]
    assert get["Resource"]["Fn::Join"][1][1] == "/telegram/*"
    (put,) = by_action["s3:PutObject"]
    assert put["Resource"]["Fn::Join"][1][1] == "/model/*" and put == by_action["s3:DeleteObject"][0]
    (listing,) = by_action["s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["telegram/*", "model/*"]}}
    raw = Stack.of(pipeline.ingestion.raw_bucket).resolve(pipeline.ingestion.raw_bucket.bucket_arn)
    assert "RawBucket" not in str(statements) and str(raw) not in str(statements)
    assert "secretsmanager" not in str(statements)
