"""The ingestion stack's infrastructure: assertions on what matters, plus a snapshot of the rest."""

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Capture, Match, Template
from cdk_nag import AwsSolutionsChecks

from stacks.config import ConfigError, StageConfig
from stacks.ingestion_stack import IngestionStack
from telegram_ingest.sdk import worst_case_call_seconds
from tests.stacks.support import assert_matches_snapshot, logical_id, role_statements, without_tracing


@pytest.fixture(scope="module")
def template(pipeline) -> Template:
    return Template.from_stack(pipeline.ingestion)


def test_raw_bucket_is_encrypted_private_versioned_and_logged(pipeline, template):
    raw = template.to_json()["Resources"][logical_id(pipeline.ingestion.raw_bucket)]["Properties"]
    assert raw["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert raw["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert raw["VersioningConfiguration"] == {"Status": "Enabled"}
    assert raw["LoggingConfiguration"]["LogFilePrefix"] == "raw/"


def test_every_bucket_denies_plain_http(template):
    buckets = template.find_resources("AWS::S3::Bucket")
    policies = template.find_resources("AWS::S3::BucketPolicy")
    secured = set()
    for policy in policies.values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                assert statement["Effect"] == "Deny"
                secured.add(policy["Properties"]["Bucket"]["Ref"])
    assert secured == set(buckets)


def test_ingest_function_runtime_code_and_environment(pipeline, template):
    function = template.to_json()["Resources"][logical_id(pipeline.ingestion.ingest_function)]["Properties"]
    assert function["Runtime"] == "python3.14"
    assert function["Handler"] == "handler.handler"
    assert function["Architectures"] == ["arm64"]
    assert function["MemorySize"] <= 256
    env = function["Environment"]["Variables"]
    assert env["RAW_BUCKET"] == {"Ref": logical_id(pipeline.ingestion.raw_bucket)}
    assert env["WEBHOOK_SECRET_ARN"] == {"Ref": logical_id(pipeline.ingestion.webhook_secret)}
    assert env["TIMEZONE"] == "America/Sao_Paulo"
    assert "WEBHOOK_SECRET" not in env


def test_webhook_secret_is_generated_at_deploy_time(template):
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    assert len(secrets) == 2  # the webhook's and /outgoing's
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]
        assert secret["Properties"]["GenerateSecretString"]["ExcludePunctuation"] is True
        assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] == 64


def test_ingest_role_may_only_put_raw_objects_and_read_its_secret(pipeline, template):
    role = pipeline.ingestion.ingest_function.role
    statements = without_tracing(role_statements(template, role))
    assert all(s["Effect"] == "Allow" and s["Resource"] != "*" for s in statements)
    assert {action for s in statements for action in s["Action"]} == {
        "s3:PutObject",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert "ManagedPolicyArns" not in template.to_json()["Resources"][logical_id(role)]["Properties"]


def methods_by_path(template: Template) -> dict[str, dict]:
    """Each API method by its resource's path part."""
    resources = template.find_resources("AWS::ApiGateway::Resource")
    return {
        resources[method["Properties"]["ResourceId"]["Ref"]]["Properties"]["PathPart"]: method
        for method in template.find_resources("AWS::ApiGateway::Method").values()
    }


def test_post_webhook_is_a_lambda_proxy_integration(pipeline, template):
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "webhook"})
    integration_uri = Capture()
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "AuthorizationType": "NONE",
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": integration_uri},
        },
    )
    assert logical_id(pipeline.ingestion.ingest_function) in str(integration_uri.as_object())
    # Nothing but POST /webhook (Telegram) and POST /outgoing (our bot's backend), both to the ingest Lambda.
    methods = methods_by_path(template)
    assert sorted(methods) == ["outgoing", "webhook"]
    assert {m["Properties"]["HttpMethod"] for m in methods.values()} == {"POST"}
    assert all(logical_id(pipeline.ingestion.ingest_function) in str(m["Properties"]["Integration"]["Uri"])
               for m in methods.values())  # fmt: skip


def test_only_telegram_source_ranges_may_invoke_the_api(template):
    (api,) = template.find_resources("AWS::ApiGateway::RestApi").values()
    allow, deny = api["Properties"]["Policy"]["Statement"]
    assert (allow["Effect"], allow["Principal"], allow["Action"]) == (
        "Allow",
        {"AWS": "*"},
        "execute-api:Invoke",
    )
    # The webhook: Telegram's ranges only. /outgoing is called by the bot backend, from its own addresses.
    assert (deny["Effect"], deny["Resource"]) == ("Deny", "execute-api:/*/POST/webhook")
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": ["149.154.160.0/20", "91.108.4.0/22"]}}


def test_source_range_policy_can_be_turned_off():
    stack = IngestionStack(App(), "Open", config=StageConfig(stage="x", webhook_source_cidrs=()))
    (api,) = Template.from_stack(stack).find_resources("AWS::ApiGateway::RestApi").values()
    assert "Policy" not in api["Properties"]


def test_request_body_must_be_an_update_shaped_json_object(template):
    models = {m["Properties"]["Name"]: m for m in template.find_resources("AWS::ApiGateway::Model").values()}
    assert models["SentMessages"]["Properties"]["Schema"]["type"] == ["object", "array"]
    model = models["TelegramUpdate"]
    assert model["Properties"]["ContentType"] == "application/json"
    assert model["Properties"]["Schema"]["type"] == "object"
    assert model["Properties"]["Schema"]["required"] == ["update_id"]
    assert model["Properties"]["Schema"]["properties"] == {"update_id": {"type": "integer"}}
    (validator,) = template.find_resources("AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestBody"] is True
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "POST", "RequestValidatorId": Match.any_value(), "RequestModels": Match.any_value()},
    )


def test_every_content_type_is_validated(pipeline, template):
    """A model applies only to its Content-Type; without "$default", text/plain would skip validation."""
    (validator,) = template.find_resources("AWS::ApiGateway::RequestValidator")
    for method in methods_by_path(template).values():
        (model,) = set(map(str, method["Properties"]["RequestModels"].values()))
        assert set(method["Properties"]["RequestModels"]) == {"application/json", "$default"}
        assert "Model" in model
        assert method["Properties"]["RequestValidatorId"] == {"Ref": validator}


def test_ingest_answers_every_storage_failure_before_its_timeout(pipeline, template):
    """Secret, allow-list marker and put, each failing as slowly as the SDK config allows, still leave
    time to answer 5xx (Telegram retries) and log it; API Gateway gives up at 29 s."""
    function = template.to_json()["Resources"][logical_id(pipeline.ingestion.ingest_function)]["Properties"]
    assert 3 * worst_case_call_seconds() + 2 <= function["Timeout"] < 29


def test_webhook_max_connections_is_the_reserved_concurrency(template):
    """set-webhook reads this output: Telegram never opens more connections than Lambdas may run."""
    assert template.find_outputs("WebhookMaxConnections")["WebhookMaxConnections"]["Value"] == "20"
    assert StageConfig(stage="x", ingest_reserved_concurrency=7).webhook_max_connections() == 7
    assert StageConfig(stage="x", ingest_reserved_concurrency=500).webhook_max_connections() == 100


def test_ingest_is_traced_and_its_concurrency_bounded(pipeline, template):
    function = template.to_json()["Resources"][logical_id(pipeline.ingestion.ingest_function)]["Properties"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["ReservedConcurrentExecutions"] == 20
    template.has_resource_properties("AWS::ApiGateway::Stage", {"TracingEnabled": True})


def test_raw_objects_old_versions_expire_within_a_week(pipeline, template):
    raw = template.to_json()["Resources"][logical_id(pipeline.ingestion.raw_bucket)]["Properties"]
    rule = raw["LifecycleConfiguration"]["Rules"][0]
    assert "Transitions" not in rule  # dev keeps raw 30 days: Standard-IA's 30-day minimum would not pay
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rule["Status"] == "Enabled"


def test_raw_objects_move_to_infrequent_access_before_they_expire():
    config = StageConfig(stage="x", raw_retention_days=120, raw_infrequent_access_after_days=30)
    stack = IngestionStack(App(), "Stage", config=config)
    bucket = Template.from_stack(stack).to_json()["Resources"][logical_id(stack.raw_bucket)]
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules[0]["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]
    assert {r.get("Prefix"): r["ExpirationInDays"] for r in rules[1:]} == dict.fromkeys(
        ("telegram/", "refused/", "firehose/", "firehose-errors/"), 120
    )


@pytest.mark.parametrize(
    ("retain", "policy", "auto_delete"), [(True, "Retain", False), (False, "Delete", True)]
)
def test_buckets_are_kept_in_prod_and_emptied_in_dev(retain, policy, auto_delete):
    stack = IngestionStack(App(), "Stage", config=StageConfig(stage="x", retain_data=retain))
    template = Template.from_stack(stack)
    buckets = template.find_resources("AWS::S3::Bucket")
    assert {b["DeletionPolicy"] for b in buckets.values()} == {policy}
    auto_deleted = template.find_resources("Custom::S3AutoDeleteObjects")
    assert len(auto_deleted) == (len(buckets) if auto_delete else 0)


def test_stage_is_throttled_logged_without_bodies(template):
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [
                Match.object_like(
                    {
                        "ThrottlingRateLimit": 10,
                        "ThrottlingBurstLimit": 20,
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "HttpMethod": "*",
                        "ResourcePath": "/*",
                    }
                )
            ],
        },
    )


def test_webhook_url_is_an_output(template):
    url = template.find_outputs("WebhookUrl")["WebhookUrl"]["Value"]
    assert "/webhook" in str(url) and "execute-api" in str(url)


def test_no_secret_value_in_the_template(template):
    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for value in node:
                yield from keys(value)

    everything = list(keys(template.to_json()))
    assert "GenerateSecretString" in everything  # generated by Secrets Manager at deploy time...
    assert "SecretString" not in everything  # ...never given a value here
    variables = [
        v
        for f in template.find_resources("AWS::Lambda::Function").values()
        for v in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert "WEBHOOK_SECRET_ARN" in variables and "WEBHOOK_SECRET" not in variables


def test_alerts_topic_is_encrypted_ssl_only_and_receives_the_alarms(pipeline, template):
    topic_id = logical_id(pipeline.ingestion.alerts_topic)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert {a["Properties"]["MetricName"] for a in alarms} == {
        "5XXError", "Errors", "4XXError", "UnauthorizedRequests", "LateOutgoingBeyondWindow"}  # fmt: skip
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in alarms)
    assert template.find_resources("AWS::SNS::Subscription") == {}  # dev sets no alert_email


OUR_ALARMS = {
    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
    "ArnLike": {"aws:SourceArn": {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}, ":",
        {"Ref": "AWS::AccountId"}, ":alarm:*"]]}},
}  # fmt: skip


def test_cloudwatch_may_publish_to_the_alerts_topic_for_this_accounts_alarms_only(pipeline, template):
    """enforce_ssl's policy replaces SNS's default one: without this Allow no alarm reaches anyone."""
    (policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow", "Action": "sns:Publish",
         "Principal": {"Service": "cloudwatch.amazonaws.com"},
         "Resource": {"Ref": logical_id(pipeline.ingestion.alerts_topic)}, "Condition": OUR_ALARMS}
    ]  # fmt: skip


def test_cloudwatch_may_use_the_topic_key_for_this_accounts_alarms_only(template):
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch == [
        {"Sid": "CloudWatchAlarmsUseTheKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
         "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Resource": "*", "Condition": OUR_ALARMS}
    ]  # fmt: skip


def test_refused_secrets_and_client_errors_are_alarmed(pipeline, template):
    """401s were silent: one refused secret token (only Telegram's ranges reach the API) and a stream of
    4xx of any kind each page."""
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "FilterPattern": '{ $.outcome = "unauthorized" }',
            "LogGroupName": {"Ref": Match.string_like_regexp("IngestFunctionLogs")},
            "MetricTransformations": [
                {
                    "MetricNamespace": "TelegramPipeline/dev",
                    "MetricName": "UnauthorizedRequests",
                    "MetricValue": "1",
                }
            ],
        },
    )
    alarms = {a["Properties"]["MetricName"]: a["Properties"]
              for a in template.find_resources("AWS::CloudWatch::Alarm").values()}  # fmt: skip
    unauthorized, client_errors = alarms["UnauthorizedRequests"], alarms["4XXError"]
    assert (unauthorized["Namespace"], unauthorized["Statistic"], unauthorized["Threshold"]) == (
        "TelegramPipeline/dev", "Sum", 1)  # fmt: skip
    assert (client_errors["Namespace"], client_errors["Statistic"], client_errors["Period"]) == (
        "AWS/ApiGateway", "Sum", 300)  # fmt: skip
    assert client_errors["Threshold"] == 5
    assert client_errors["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert [d["Name"] for d in client_errors["Dimensions"]] == ["ApiName"]  # the API has one stage


@pytest.fixture(scope="module")
def allow_list_stack() -> IngestionStack:
    """An allow-listed stage, synthesized under cdk-nag (no stage of cdk.json sets allowed_chat_ids)."""
    app = App()
    stack = IngestionStack(app, "AllowList", config=StageConfig(stage="x", allowed_chat_ids=(-4518810793,)))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged finding
    return stack


def test_allow_list_may_keep_refused_updates_and_follow_migrations(allow_list_stack):
    template = Template.from_stack(allow_list_stack)
    env = template.to_json()["Resources"][logical_id(allow_list_stack.ingest_function)]["Properties"]
    assert env["Environment"]["Variables"]["ALLOWED_CHAT_IDS"] == "-4518810793"
    statements = without_tracing(role_statements(template, allow_list_stack.ingest_function.role))
    puts = [s["Resource"] for s in statements if s["Action"] == ["s3:PutObject"]]
    resources = [r for resource in puts for r in (resource if isinstance(resource, list) else [resource])]
    assert sorted(str(r).rsplit("'/", 1)[-1] for r in resources) == [
        "allowed-chats/*']]}", "refused/*']]}", "telegram/*']]}"]  # fmt: skip
    (listing,) = [s for s in statements if s["Action"] == ["s3:ListBucket"]]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["allowed-chats/*"]}}
    assert listing["Resource"] == {"Fn::GetAtt": [logical_id(allow_list_stack.raw_bucket), "Arn"]}


def test_refused_updates_are_counted_and_alarmed(allow_list_stack):
    template = Template.from_stack(allow_list_stack)
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "FilterPattern": '{ $.outcome = "refused" }',
            "LogGroupName": {"Ref": Match.string_like_regexp("IngestFunctionLogs")},
            "MetricTransformations": [
                {"MetricNamespace": "TelegramPipeline/x", "MetricName": "RefusedUpdates", "MetricValue": "1"}
            ],
        },
    )
    alarm = Capture()
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "TelegramPipeline/x", "MetricName": "RefusedUpdates", "Statistic": "Sum",
         "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": alarm},
    )  # fmt: skip
    assert alarm.as_array() == [{"Ref": logical_id(allow_list_stack.alerts_topic)}]


def test_alert_email_subscribes_to_the_topic():
    app = App()
    stack = IngestionStack(app, "Mail", config=StageConfig(stage="x", alert_email="ops@example.com"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_snapshot(template):
    assert_matches_snapshot("ingestion", template.to_json())


def test_cdk_nag_is_not_a_no_op():
    """The same plugin that passes our stacks fails a plain bucket, so a green synth means something."""
    app = App()
    s3.Bucket(Stack(app, "Plain"), "Bucket")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="AwsSolutions-S10"):
        app.synth()


@pytest.mark.parametrize(
    "settings",
    [
        {"timezone": "Mars/Base"},
        {"etl_local_time": "25:00"},
        {"api_rate_limit": 0},
        {"unknown_knob": 1},
        {"log_retention": "FOREVER_AND_EVER"},
        {"projection_start_date": "yesterday"},
        {"athena_bytes_scanned_cutoff": 1000},
        {"alert_email": "not-an-address"},
        {"webhook_source_cidrs": ["149.154.160.0/33"]},
        {"ingest_reserved_concurrency": 0},
        {"raw_infrequent_access_after_days": 7},
        {"raw_infrequent_access_after_days": 30},  # not before raw_retention_days (30)
        {"raw_retention_days": 13},
        {"raw_retention_days": "30"},
        {"processed_retention_days": 0},
        {"processed_retention_days": 14},  # the model reads a day for 14 days after it
        {"athena_results_retention_days": None},
    ],
)
def test_invalid_stage_settings_are_rejected(settings):
    with pytest.raises(ConfigError):
        StageConfig.from_context("dev", settings)


@pytest.fixture(scope="module")
def relay_stack() -> IngestionStack:
    """A stage in front of an existing bot (relay mode), synthesized under cdk-nag."""
    app = App()
    config = StageConfig(stage="x", relay=True)
    stack = IngestionStack(app, "Relay", config=config)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged finding
    return stack


def test_relay_mode_forwards_to_the_backend_with_its_own_secret(relay_stack, pipeline):
    template = Template.from_stack(relay_stack)
    variables = template.to_json()["Resources"][logical_id(relay_stack.ingest_function)]["Properties"][
        "Environment"
    ]["Variables"]
    # The URL lives in the secret with the backend's secret_token: never in the template.
    assert "RELAY_URL" not in variables
    assert variables["RELAY_SECRET_ARN"] == {"Ref": logical_id(relay_stack.relay_secret)}
    statements = without_tracing(role_statements(template, relay_stack.ingest_function.role))
    reads = [s["Resource"] for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert {"Ref": logical_id(relay_stack.relay_secret)} in reads
    assert "RelaySecretArn" in template.to_json()["Outputs"]
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert "RelayUnanswered" in {a["Properties"]["MetricName"] for a in alarms}
    # Without relay (cdk.json's stages) there is no relay secret and no RELAY_URL.
    assert pipeline.ingestion.relay_secret is None
    dev = Template.from_stack(pipeline.ingestion).to_json()["Resources"]
    assert (
        "RELAY_URL"
        not in dev[logical_id(pipeline.ingestion.ingest_function)]["Properties"]["Environment"]["Variables"]
    )


def test_relay_url_is_refused_in_cdk_json_it_may_carry_the_bot_token():
    with pytest.raises(ConfigError, match="RelaySecret"):
        StageConfig.from_context("x", {"relay_url": "https://bot.example.com/123456:AAH/hook"})


def test_outgoing_has_its_own_secret_and_knows_our_bot(pipeline):
    template = Template.from_stack(pipeline.ingestion).to_json()
    function = pipeline.ingestion.ingest_function
    variables = template["Resources"][logical_id(function)]["Properties"]["Environment"]["Variables"]
    assert variables["OUTGOING_SECRET_ARN"] == {"Ref": logical_id(pipeline.ingestion.outgoing_secret)}
    assert variables["OUTGOING_SECRET_ARN"] != variables["WEBHOOK_SECRET_ARN"]
    statements = without_tracing(role_statements(Template.from_stack(pipeline.ingestion), function.role))
    reads = [s["Resource"] for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    flat = [resource for r in reads for resource in (r if isinstance(r, list) else [r])]
    assert {"Ref": logical_id(pipeline.ingestion.outgoing_secret)} in flat
    assert "OutgoingSecretArn" in template["Outputs"]
    bot = IngestionStack(App(), "Bot", config=StageConfig(stage="x", bot_user_id=7000000001,
                                                          bot_username="ajuda_loja_bot"))  # fmt: skip
    bot_variables = Template.from_stack(bot).to_json()["Resources"][logical_id(bot.ingest_function)][
        "Properties"]["Environment"]["Variables"]  # fmt: skip
    assert (bot_variables["BOT_USER_ID"], bot_variables["BOT_USERNAME"]) == ("7000000001", "ajuda_loja_bot")


@pytest.mark.parametrize("value", [0, -5, "7000000001", True])
def test_bot_user_id_is_a_positive_integer(value):
    with pytest.raises(ConfigError, match="bot_user_id"):
        StageConfig(stage="x", bot_user_id=value)


@pytest.mark.parametrize(
    ("local_time", "ok"), [("00:10", False), ("00:29", False), ("00:30", True), ("03:00", True)]
)
def test_an_etl_time_before_the_days_last_updates_are_stored_is_refused(local_time, ok):
    """00:10 with a 900 s Firehose buffer lost a 23:56 record every day (issue 22)."""
    if ok:
        StageConfig(stage="x", etl_local_time=local_time, raw_layout="firehose", firehose_buffer_seconds=900)
    else:
        with pytest.raises(ConfigError, match="after midnight"):
            StageConfig(
                stage="x", etl_local_time=local_time, raw_layout="firehose", firehose_buffer_seconds=900
            )


def test_raw_updates_expire_after_raw_retention_days_and_allow_list_markers_stay(pipeline, template):
    raw = template.to_json()["Resources"][logical_id(pipeline.ingestion.raw_bucket)]["Properties"]
    rules = raw["LifecycleConfiguration"]["Rules"]
    # The bucket-wide rule expires no current object: allowed-chats/ markers are state, not data.
    assert "ExpirationInDays" not in rules[0]
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert {r["Prefix"]: (r["ExpirationInDays"], r["Status"]) for r in rules[1:]} == {
        "telegram/": (30, "Enabled"),
        "refused/": (30, "Enabled"),
        # The firehose layout's records and failed deliveries, in either layout (a stage may switch).
        "firehose/": (30, "Enabled"),
        "firehose-errors/": (30, "Enabled"),
    }
