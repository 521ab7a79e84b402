"""Ingestion: Telegram -> API Gateway (REST) -> ingest Lambda -> raw bucket: one object per update, or
records of a Kinesis Data Firehose stream batched into objects (raw_layout "firehose")."""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import StageConfig
from stacks.defaults import (
    access_logs_bucket,
    acknowledge,
    acknowledge_wildcard_on,
    alarm_on,
    alerts_topic,
    data_bucket,
    generated_secret,
    log_outcome_metric,
    powertools_layer,
    python_function,
    removal_policy,
)
from telegram_etl.firehose import FIREHOSE_PREFIX
from telegram_ingest.allow_list import ALLOWED_CHATS_PREFIX
from telegram_ingest.webhook import RAW_PREFIX as RAW_KEY_PREFIX
from telegram_ingest.webhook import REFUSED_PREFIX

RAW_PREFIX = f"{RAW_KEY_PREFIX}/"  # the webhook writes nothing else without an allow-list
# With an allow-list: refused updates, and the markers of chats it follows after a migration.
ALLOW_LIST_PREFIXES = (f"{REFUSED_PREFIX}/", f"{ALLOWED_CHATS_PREFIX}/")
INGEST_TIMEOUT_S = 25
# A raw object overwritten or deleted (retention, `make forget`) stays recoverable this long, no longer.
RAW_NONCURRENT_DAYS = 7
# raw_layout "firehose": Firehose writes only under these prefixes of the raw bucket.
FIREHOSE_DATA_PREFIX = f"{FIREHOSE_PREFIX}/"
FIREHOSE_ERROR_PREFIX = f"{FIREHOSE_PREFIX}-errors/"
# 4xx answers in 5 minutes that page someone.
CLIENT_ERRORS_ALARM_THRESHOLD = 5


class IngestionStack(Stack):
    """Exposes raw_bucket to the ETL stack as a typed object."""

    raw_bucket: s3.Bucket
    ingest_function: lambda_.Function
    api: apigateway.RestApi
    webhook_secret: secretsmanager.Secret
    outgoing_secret: secretsmanager.Secret
    relay_secret: secretsmanager.Secret | None
    alerts_topic: sns.Topic
    raw_stream: firehose.CfnDeliveryStream | None

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)

        access_logs = access_logs_bucket(self, "AccessLogsBucket", config)
        ia_days = config.raw_infrequent_access_after_days
        # Retention: updates (stored and refused) expire; allow-list markers are state and stay.
        # Raw holds everything unredacted, so old versions go after RAW_NONCURRENT_DAYS, not 30.
        # The firehose layout's prefixes expire in both layouts: a stage that switched back keeps them.
        raw_expiry = Duration.days(config.raw_retention_days)
        expire = (RAW_PREFIX, f"{REFUSED_PREFIX}/", FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX)
        self.raw_bucket = data_bucket(
            self, "RawBucket", config, access_logs=access_logs, log_prefix="raw/",
            infrequent_access_after=Duration.days(ia_days) if ia_days else None,
            expire_prefixes=dict.fromkeys(expire, raw_expiry),
            noncurrent_days=RAW_NONCURRENT_DAYS,
        )  # fmt: skip

        self.webhook_secret = generated_secret(
            self,
            "WebhookSecret",
            f"Telegram setWebhook secret_token ({config.stage})",
            rotation="Rotating the token means calling Telegram's setWebhook with the new value; it is a "
            "documented manual step (README, 'Rotate the webhook secret'), not a rotation Lambda.",
        )

        environment = {
            "RAW_BUCKET": self.raw_bucket.bucket_name,
            "WEBHOOK_SECRET_ARN": self.webhook_secret.secret_arn,
            "TIMEZONE": config.timezone,
            "POWERTOOLS_SERVICE_NAME": "telegram-ingest",
        }
        if config.allowed_chat_ids:
            environment["ALLOWED_CHAT_IDS"] = ",".join(str(chat) for chat in config.allowed_chat_ids)
        # POST /outgoing: our bot's messages only (its id, else its username), with a secret of its own
        # (the bot backend is another client than Telegram, and never needs the webhook's secret).
        if config.bot_user_id is not None:
            environment["BOT_USER_ID"] = str(config.bot_user_id)
        if config.bot_username:
            environment["BOT_USERNAME"] = config.bot_username
        self.outgoing_secret = generated_secret(
            self,
            "OutgoingSecret",
            f"Secret header the bot backend sends to POST /outgoing ({config.stage})",
            rotation="Rotating it means giving the bot backend the new value at the same time; a documented "
            "manual step (docs/deployment-modes.md), not a rotation Lambda.",
        )
        environment["OUTGOING_SECRET_ARN"] = self.outgoing_secret.secret_arn
        environment["LATE_DATA_DAYS"] = str(config.late_data_days)
        self.relay_secret = self._relay_secret(config, environment) if config.relay else None
        self.raw_stream = self._raw_stream(config) if config.raw_layout == "firehose" else None
        if self.raw_stream is not None:
            environment["FIREHOSE_STREAM"] = self.raw_stream.ref
        self.ingest_function = python_function(
            self,
            "IngestFunction",
            config,
            code_dir="ingest",
            description="Telegram webhook: verifies the secret token and stores each Update as raw JSON",
            # boto3 and Powertools only: 256 MB keeps the cold start short (more memory = more CPU).
            memory_size=256,
            # Above the longest path's SDK calls (secret, allow-list marker, put) each failing as slowly as
            # its client config allows, so every failure is answered (5xx, logged) before the timeout;
            # below API Gateway's 29 s integration timeout.
            timeout=Duration.seconds(INGEST_TIMEOUT_S),
            environment=environment,
            layers=[powertools_layer(self, config)],
            reserved_concurrency=config.ingest_reserved_concurrency,
        )
        # PutObject only (no deletes, no tagging), and only under telegram/.
        self.ingest_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.raw_bucket.arn_for_objects(f"{RAW_PREFIX}*")]
            )
        )
        self.webhook_secret.grant_read(self.ingest_function)
        self.outgoing_secret.grant_read(self.ingest_function)
        if self.relay_secret is not None:
            self.relay_secret.grant_read(self.ingest_function)
        reason = "Object keys are one per update (or per followed chat), so PutObject is granted on a prefix."
        acknowledge_wildcard_on(self.ingest_function.role, self.raw_bucket.bucket_arn, RAW_PREFIX, reason)
        if config.allowed_chat_ids:
            self._grant_allow_list(reason)
        if self.raw_stream is not None:
            # PutRecord on this one stream only (no batch, no other stream, no management actions). The
            # S3 grant above stays: refused updates and records above Firehose's limit remain objects.
            self.ingest_function.add_to_role_policy(
                iam.PolicyStatement(actions=["firehose:PutRecord"], resources=[self.raw_stream.attr_arn])
            )

        self.api = self._webhook_api(config)

        self.alerts_topic = alerts_topic(self, config)
        self._alarms(config)
        if self.raw_stream is not None:
            self._raw_stream_alarms(config, self.raw_stream)
            CfnOutput(self, "RawStreamName", value=self.raw_stream.ref,
                      description="The Firehose stream of raw updates (raw_layout firehose)")  # fmt: skip
        CfnOutput(
            self,
            "WebhookUrl",
            value=self.api.url_for_path("/webhook"),
            description="Give this URL to Telegram's setWebhook",
        )
        CfnOutput(
            self,
            "WebhookSecretArn",
            value=self.webhook_secret.secret_arn,
            description="Secret whose value is setWebhook's secret_token",
        )
        CfnOutput(
            self,
            "OutgoingUrl",
            value=self.api.url_for_path("/outgoing"),
            description="Where the bot backend posts each message it sent (OutgoingSecret's header)",
        )
        CfnOutput(
            self,
            "OutgoingSecretArn",
            value=self.outgoing_secret.secret_arn,
            description="Secret whose value the bot backend sends to /outgoing as the secret header",
        )
        CfnOutput(self, "RawBucketName", value=self.raw_bucket.bucket_name)
        # Read by `make set-webhook`: the stage's one source of the concurrency Telegram may use.
        CfnOutput(
            self,
            "WebhookMaxConnections",
            value=str(config.webhook_max_connections()),
            description="setWebhook's max_connections: the ingest Lambda's reserved concurrency",
        )

    def _alarms(self, config: StageConfig) -> None:
        five_minutes = Duration.minutes(5)
        alarm_on(self, "WebhookServerErrorsAlarm", self.api.metric_server_error(period=five_minutes),
                 "The webhook answered 5xx: updates are not being stored (Telegram retries for 24 h).",
                 self.alerts_topic)  # fmt: skip
        alarm_on(self, "IngestErrorsAlarm", self.ingest_function.metric_errors(period=five_minutes),
                 "The ingest Lambda failed (configuration or runtime error).", self.alerts_topic)  # fmt: skip
        # Only Telegram's ranges reach the API, so a 401 means the secret and the webhook disagree (a
        # rotation without `make set-webhook`): every update is refused until fixed. One is enough.
        unauthorized = log_outcome_metric(
            self, "UnauthorizedRequestsMetric", config, log_group=self.ingest_function.log_group,
            outcome="unauthorized", metric_name="UnauthorizedRequests",
        )  # fmt: skip
        alarm_on(self, "UnauthorizedRequestsAlarm", unauthorized,
                 "The webhook refused a request's secret token (401): run `make set-webhook` if the secret "
                 "was rotated; Telegram keeps retrying for 24 h.", self.alerts_topic)  # fmt: skip
        # Any 4xx (401, 400 from validation, 403 from the resource policy, 429 throttling): a few can be
        # one odd update, a steady stream means Telegram's deliveries are being refused.
        alarm_on(self, "WebhookClientErrorsAlarm",
                 self.api.metric_client_error(period=five_minutes, statistic="Sum"),
                 f"The webhook answered {CLIENT_ERRORS_ALARM_THRESHOLD}+ 4xx in 5 minutes: check "
                 "`make webhook-info` (last error) and the ingest logs.",
                 self.alerts_topic, threshold=CLIENT_ERRORS_ALARM_THRESHOLD)  # fmt: skip
        # An /outgoing post (an edit, mostly) for a day older than the ETL's late-data re-runs reach.
        beyond = log_outcome_metric(
            self, "LateOutgoingMetric", config, log_group=self.ingest_function.log_group,
            outcome="late_beyond_window", metric_name="LateOutgoingBeyondWindow",
        )  # fmt: skip
        alarm_on(self, "LateOutgoingAlarm", beyond,
                 "POST /outgoing stored a message of a day older than late_data_days: the ETL will not "
                 "re-run it by itself. Re-run that day (context_date in the ingest log) with "
                 '{"date": ...}.',
                 self.alerts_topic)  # fmt: skip
        if config.relay:
            # Answered 200 (the backend had the whole update), so no 5xx alarm sees it: counted here.
            unanswered = log_outcome_metric(
                self, "RelayUnansweredMetric", config, log_group=self.ingest_function.log_group,
                outcome="relay_unanswered", metric_name="RelayUnanswered",
            )  # fmt: skip
            alarm_on(self, "RelayUnansweredAlarm", unanswered,
                     "The bot backend got an update but did not answer within the relay's deadline: Telegram "
                     "was answered 200 (no duplicate), any method the backend answered was lost.",
                     self.alerts_topic)  # fmt: skip
        if config.allowed_chat_ids:
            refused = log_outcome_metric(
                self, "RefusedUpdatesMetric", config, log_group=self.ingest_function.log_group,
                outcome="refused", metric_name="RefusedUpdates",
            )  # fmt: skip
            alarm_on(self, "RefusedUpdatesAlarm", refused,
                     "Updates of a chat outside allowed_chat_ids were acknowledged and kept under refused/ "
                     "in the raw bucket, not stored for analytics: allow the chat, or ignore it.",
                     self.alerts_topic)  # fmt: skip

    def _raw_stream(self, config: StageConfig) -> firehose.CfnDeliveryStream:
        """raw_layout "firehose": a Direct PUT stream that batches records into objects under firehose/,
        partitioned by Firehose's arrival day (of each object's oldest record) in the stage's time zone."""
        log_group = logs.LogGroup(self, "RawStreamLogs", retention=logs.RetentionDays[config.log_retention],
                                  removal_policy=removal_policy(config))  # fmt: skip
        log_stream = logs.LogStream(self, "RawStreamDeliveryLogs", log_group=log_group,
                                    log_stream_name="DestinationDelivery",
                                    removal_policy=removal_policy(config))  # fmt: skip
        # Firehose may act for this account only (confused deputy), and write only its two prefixes.
        role = iam.Role(
            self, "RawStreamRole", description="Firehose: writes raw update batches to the raw bucket",
            assumed_by=iam.ServicePrincipal("firehose.amazonaws.com",
                                            conditions={"StringEquals": {"sts:ExternalId": self.account}}),
        )  # fmt: skip
        for statement in [
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[
                    self.raw_bucket.arn_for_objects(f"{prefix}*")
                    for prefix in (FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX)
                ],
            ),
            # Bucket-level calls Firehose makes before a multipart upload (no object is listed or read).
            iam.PolicyStatement(
                actions=["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                resources=[self.raw_bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                actions=["logs:PutLogEvents"],
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{log_group.log_group_name}:log-stream:{log_stream.log_stream_name}",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
        ]:
            role.add_to_policy(statement)  # fmt: skip
        reason = "Firehose names each object it writes (date, stream, version, random suffix): PutObject is "
        reason += "granted on its data and error prefixes only."
        for prefix in (FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX):
            acknowledge_wildcard_on(role, self.raw_bucket.bucket_arn, prefix, reason)
        day = "context_date=!{timestamp:yyyy-MM-dd}/"
        cfn = firehose.CfnDeliveryStream
        stream = cfn(
            self,
            "RawStream",
            delivery_stream_type="DirectPut",
            # Records at rest inside Firehose (its buffer) encrypted; the objects get the raw bucket's
            # default encryption (SSE-S3), like every other object of the bucket.
            delivery_stream_encryption_configuration_input=cfn.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="AWS_OWNED_CMK"
            ),
            extended_s3_destination_configuration=cfn.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=self.raw_bucket.bucket_arn,
                role_arn=role.role_arn,
                prefix=f"{FIREHOSE_DATA_PREFIX}{day}",
                error_output_prefix=f"{FIREHOSE_ERROR_PREFIX}!{{firehose:error-output-type}}/{day}",
                custom_time_zone=config.timezone,
                file_extension=".jsonl",
                compression_format="UNCOMPRESSED",
                buffering_hints=cfn.BufferingHintsProperty(
                    interval_in_seconds=config.firehose_buffer_seconds,
                    size_in_m_bs=config.firehose_buffer_mib,
                ),
                # A failed delivery to S3 is retried by Firehose for up to 24 h (not configurable for an S3
                # destination without dynamic partitioning); each failure is logged here and alarmed.
                cloud_watch_logging_options=cfn.CloudWatchLoggingOptionsProperty(
                    enabled=True,
                    log_group_name=log_group.log_group_name,
                    log_stream_name=log_stream.log_stream_name,
                ),
            ),
        )
        stream.node.add_dependency(role)  # its policy exists before the stream's first delivery
        return stream

    def _raw_stream_alarms(self, config: StageConfig, stream: firehose.CfnDeliveryStream) -> None:
        def metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(namespace="AWS/Firehose", metric_name=name, statistic=statistic,
                                     dimensions_map={"DeliveryStreamName": stream.ref},
                                     period=Duration.minutes(5))  # fmt: skip

        # The oldest record waiting in Firehose: beyond its buffering interval plus 15 minutes, S3 is not
        # taking deliveries (Firehose keeps retrying for 24 h, then drops the data).
        stale_after = config.firehose_buffer_seconds + 900
        alarm_on(self, "RawStreamFreshnessAlarm", metric("DeliveryToS3.DataFreshness", "Maximum"),
                 f"Firehose has held a raw record for {stale_after}+ s: deliveries to S3 are failing (see "
                 "the stream's DestinationDelivery log); data older than 24 h is dropped.", self.alerts_topic,
                 threshold=stale_after)  # fmt: skip
        failed = cloudwatch.Alarm(
            self, "RawStreamDeliveryFailedAlarm", metric=metric("DeliveryToS3.Success", "Minimum"),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="A Firehose delivery of raw updates to S3 failed (it is retried): see the "
            "stream's DestinationDelivery log.",
        )  # fmt: skip
        failed.add_alarm_action(cloudwatch_actions.SnsAction(self.alerts_topic))
        alarm_on(self, "RawStreamThrottledAlarm", metric("ThrottledRecords", "Sum"),
                 "Firehose throttled PutRecord: the webhook answered 5xx and Telegram redelivers; raise the "
                 "stream's quota if it persists.", self.alerts_topic)  # fmt: skip

    def _relay_secret(self, config: StageConfig, environment: dict[str, str]) -> secretsmanager.Secret:
        """Relay mode: the bot backend's webhook URL and its own secret_token, which the operator puts here
        as {"url": ..., "secret_token": ...}: neither appears in the template or the environment (a webhook
        URL often carries the bot's token). The Lambda re-reads it after 5 minutes and on a 401/403."""
        relay_secret = generated_secret(
            self,
            "RelaySecret",
            f"The existing bot backend's webhook: url and secret_token ({config.stage})",
            rotation="The backend's own webhook URL and secret: they change when the backend's owner changes "
            "them, then are copied here (docs/deployment-modes.md); nothing for a rotation Lambda to rotate.",
        )
        environment["RELAY_SECRET_ARN"] = relay_secret.secret_arn
        CfnOutput(self, "RelaySecretArn", value=relay_secret.secret_arn,
                  description='{"url": <backend webhook>, "secret_token": <its secret>}')  # fmt: skip
        return relay_secret

    def _grant_allow_list(self, reason: str) -> None:
        """Refused updates and migration markers are written; markers are looked up by listing their
        exact key (a listing, so that a missing marker is an empty answer, not a 403)."""
        self.ingest_function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[
                self.raw_bucket.arn_for_objects(f"{prefix}*") for prefix in ALLOW_LIST_PREFIXES])
        )  # fmt: skip
        self.ingest_function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.raw_bucket.bucket_arn],
                                conditions={"StringLike": {"s3:prefix": [f"{ALLOWED_CHATS_PREFIX}/*"]}})
        )  # fmt: skip
        for prefix in ALLOW_LIST_PREFIXES:
            acknowledge_wildcard_on(self.ingest_function.role, self.raw_bucket.bucket_arn, prefix, reason)

    def _webhook_api(self, config: StageConfig) -> apigateway.RestApi:
        access_log_group = logs.LogGroup(
            self, "WebhookApiAccessLogs", retention=logs.RetentionDays[config.log_retention],
            removal_policy=removal_policy(config),
        )  # fmt: skip
        api = apigateway.RestApi(
            self,
            "WebhookApi",
            rest_api_name=f"telegram-webhook-{config.stage}",
            description="Receives Telegram Updates (setWebhook)",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            policy=self._source_ip_policy(config),
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name=config.stage,
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                # Errors only, and never request bodies: they hold users' messages.
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigateway.LogGroupLogDestination(access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        webhook = api.root.add_resource("webhook")
        # API Gateway drops a body that is not a JSON object with an integer update_id before it costs
        # a Lambda invocation; the Lambda still checks everything (the secret first).
        update_model = api.add_model(
            "UpdateModel",
            content_type="application/json",
            model_name="TelegramUpdate",
            schema=apigateway.JsonSchema(
                schema=apigateway.JsonSchemaVersion.DRAFT4,
                type=apigateway.JsonSchemaType.OBJECT,
                required=["update_id"],
                properties={"update_id": apigateway.JsonSchema(type=apigateway.JsonSchemaType.INTEGER)},
            ),
        )
        body_validator = api.add_request_validator(
            "BodyValidator",
            request_validator_name="update-body",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        webhook.add_method(
            "POST",
            apigateway.LambdaIntegration(self.ingest_function),
            # API Gateway validates a body only against the model of its Content-Type, and skips
            # validation when none matches: "$default" covers every other (or no) content type.
            request_models={"application/json": update_model, "$default": update_model},
            request_validator=body_validator,
        )
        # Our bot's own messages, posted by its backend (its own secret header): a Message, a list of
        # them, or a Bot API response; the Lambda checks each message.
        messages_model = api.add_model(
            "SentMessagesModel",
            content_type="application/json",
            model_name="SentMessages",
            schema=apigateway.JsonSchema(
                schema=apigateway.JsonSchemaVersion.DRAFT4,
                type=[apigateway.JsonSchemaType.OBJECT, apigateway.JsonSchemaType.ARRAY],
            ),
        )
        api.root.add_resource("outgoing").add_method(
            "POST",
            apigateway.LambdaIntegration(self.ingest_function),
            request_models={"application/json": messages_model, "$default": messages_model},
            request_validator=body_validator,
        )

        acknowledgements = {
            "AwsSolutions-APIG3": "A resource policy admits only Telegram's source ranges, its "
            "secret-token header authenticates it and the stage is throttled; a WAF web ACL "
            "($5+/month) would add nothing here.",
            "AwsSolutions-APIG4": "Authorization stays NONE by design: Telegram cannot sign requests "
            "(IAM) or hold Cognito tokens; it authenticates with X-Telegram-Bot-Api-Secret-Token, "
            "checked in constant time by the Lambda.",
            "AwsSolutions-COG4": "Same as APIG4: Telegram's webhook cannot use a Cognito authorizer; the "
            "secret-token header is the authentication.",
        }
        for rule, reason in acknowledgements.items():
            acknowledge(api, rule, reason)
        acknowledge(
            api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role uses the AWS-managed "
            "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented one for execution logging.",
        )
        return api

    @staticmethod
    def _source_ip_policy(config: StageConfig) -> iam.PolicyDocument | None:
        """Only Telegram's webhook source ranges may call the webhook (None when the list is empty); the
        bot backend posts to /outgoing from its own addresses, with the secret header."""
        if not config.webhook_source_cidrs:
            return None
        anyone = [iam.AnyPrincipal()]
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(actions=["execute-api:Invoke"], principals=anyone,
                                    resources=["execute-api:/*"]),
                iam.PolicyStatement(
                    effect=iam.Effect.DENY, actions=["execute-api:Invoke"], principals=anyone,
                    resources=["execute-api:/*/POST/webhook"],
                    conditions={"NotIpAddress": {"aws:SourceIp": list(config.webhook_source_cidrs)}},
                ),
            ]
        )  # fmt: skip
