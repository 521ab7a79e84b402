"""ETL: a daily EventBridge Scheduler schedule -> ETL Lambda (D-1) -> Parquet partitions, processed bucket;
on the ETL's success, the model Lambda -> the conversation model's tables (the 8 days it can change)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack, TimeZone
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.config import StageConfig
from stacks.defaults import (
    ARCHITECTURE,
    PYTHON_RUNTIME,
    access_logs_bucket,
    acknowledge,
    acknowledge_wildcard_on,
    alarm_on,
    data_bucket,
    generated_secret,
    log_outcome_metric,
    near_timeout,
    powertools_layer,
    python_function,
    removal_policy,
)
from telegram_etl.firehose import FIREHOSE_PREFIX
from telegram_etl.job import MANIFEST_PREFIX, PROCESSED_PREFIX, QUARANTINE_PREFIX
from telegram_etl.job import RAW_PREFIX as RAW_KEY_PREFIX
from telegram_model.app import model_settings_json
from telegram_model.tables import MODEL_PREFIX

# The key prefixes the ETL code reads and writes: its IAM policy grants exactly these. It reads both raw
# layouts whatever the stage's raw_layout: a stage that switched keeps its earlier days readable.
RAW_PREFIX = f"{RAW_KEY_PREFIX}/"
RAW_PREFIXES = (RAW_PREFIX, f"{FIREHOSE_PREFIX}/")
# manifest/: one object per processed day, named by its raw inputs' digest (late data re-runs).
PROCESSED_PREFIXES = (f"{PROCESSED_PREFIX}/", f"{QUARANTINE_PREFIX}/", f"{MANIFEST_PREFIX}/")
# The ETL's and the model's limit (Lambda's maximum): BENCHMARKS.md, "Scale", says what a run fits in it.
FUNCTION_TIMEOUT = Duration.minutes(15)
MAX_MODEL_SETTINGS_BYTES = 3584  # of Lambda's 4 KB of environment variables, the rest for the others
# The model function imports the processed table's schema and the atomic partition writer, defined once in
# the ETL's folder: its asset ships them (stacks.defaults.function_code).
MODEL_SHARED_FILES = (
    "etl/telegram_etl/__init__.py",
    "etl/telegram_etl/schema.py",
    "etl/telegram_etl/storage.py",
)


def sdk_for_pandas_layer(scope: Construct, config: StageConfig) -> lambda_.ILayerVersion:
    """AWS SDK for pandas (pyarrow, pandas, awswrangler): an explicit ARN from context, or the
    region's ARN from AWS's public SSM parameter, resolved by CloudFormation at deploy time."""
    arn = config.sdk_pandas_layer_arn or ssm.StringParameter.value_for_string_parameter(
        scope,
        f"/aws/service/aws-sdk-pandas/{config.sdk_pandas_version}/"
        f"py{PYTHON_RUNTIME.name.removeprefix('python')}/{ARCHITECTURE.name}/layer-arn",
    )
    return lambda_.LayerVersion.from_layer_version_arn(scope, "SdkForPandasLayer", arn)


class EtlStack(Stack):
    processed_bucket: s3.Bucket
    etl_function: lambda_.Function
    model_function: lambda_.Function
    model_dead_letter_queue: sqs.Queue
    schedule: scheduler.Schedule
    dead_letter_queue: sqs.Queue
    pseudonym_key_secret: secretsmanager.Secret

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, raw_bucket: s3.IBucket,
        alerts_topic: sns.ITopic, **kwargs: object,
    ) -> None:  # fmt: skip
        super().__init__(scope, construct_id, **kwargs)

        access_logs = access_logs_bucket(self, "AccessLogsBucket", config)
        # Retention: quarantined objects are raw copies (raw_retention_days); processed days expire only
        # when processed_retention_days is set, counted from the day's last write (a re-run restarts it).
        # Manifests (late data) matter only while their day's raw data exists.
        expire = {
            f"{prefix}/": Duration.days(config.raw_retention_days)
            for prefix in (QUARANTINE_PREFIX, MANIFEST_PREFIX)
        }
        if config.processed_retention_days is not None:
            expire[f"{PROCESSED_PREFIX}/"] = Duration.days(config.processed_retention_days)
            # The model's rows come from the processed days: they expire with them.
            expire[f"{MODEL_PREFIX}/"] = Duration.days(config.processed_retention_days)
        self.processed_bucket = data_bucket(
            self, "ProcessedBucket", config, access_logs=access_logs, log_prefix="processed/",
            expire_prefixes=expire,
        )  # fmt: skip

        # Read by `make forget` / `make subject-export STAGE=...` (ops.rights).
        CfnOutput(self, "ProcessedBucketName", value=self.processed_bucket.bucket_name)

        # The key of people's pseudonyms (docs/privacy.md): generated at deploy time, never in the template,
        # the repo or a log. Kept with the data: losing it would change every person's pseudonym.
        self.pseudonym_key_secret = generated_secret(
            self, "PseudonymKeySecret", f"Key of the processed table's pseudonyms of people ({config.stage})",
            rotation="Rotating the key changes every person's pseudonym, which splits each person's "
            "history in two unless every day is re-run at once: a deliberate admin step (docs/privacy.md), "
            "not a rotation Lambda.",
            removal_policy=removal_policy(config),
        )  # fmt: skip
        CfnOutput(
            self,
            "PseudonymKeySecretArn",
            value=self.pseudonym_key_secret.secret_arn,
            description="Key of people's pseudonyms (python -m ops.people pseudonym --stage)",
        )
        environment = {
            "RAW_BUCKET": raw_bucket.bucket_name,
            "PROCESSED_BUCKET": self.processed_bucket.bucket_name,
            "TIMEZONE": config.timezone,
            "POWERTOOLS_SERVICE_NAME": "telegram-etl",
            # The ETL sets user_is_staff from the real ids before they become pseudonyms.
            "STAFF_USER_IDS": ",".join(str(user_id) for user_id in config.staff_user_ids),
            "PSEUDONYMIZE_USERS": "true" if config.pseudonymize_users else "false",
            "LATE_DATA_DAYS": str(config.late_data_days),
        }
        if config.pseudonymize_users:
            environment["PSEUDONYM_KEY_SECRET_ARN"] = self.pseudonym_key_secret.secret_arn

        # pyarrow (AWS SDK for pandas) and Powertools, for the ETL and the model step.
        layers = [sdk_for_pandas_layer(self, config), powertools_layer(self, config)]
        self.etl_function = python_function(
            self,
            "EtlFunction",
            config,
            code_dir="etl",
            description="Daily ETL: a day of raw Telegram Updates -> one typed Parquet partition",
            memory_size=config.etl_memory_mb,
            timeout=FUNCTION_TIMEOUT,
            environment=environment,
            layers=layers,
            # One run at a time: a manual backfill and the scheduled run never replace a day together.
            reserved_concurrency=1,
        )
        # Read by `make verify` (ops/verify.py), which runs the ETL over its verification day.
        CfnOutput(self, "EtlFunctionName", value=self.etl_function.function_name,
                  description='The daily ETL: invoke with {"start_date": ..., "end_date": ...}')  # fmt: skip
        if config.pseudonymize_users:
            self.pseudonym_key_secret.grant_read(self.etl_function)
        # Read raw updates; write and replace only the processed prefixes. Nothing else.
        self.etl_function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[raw_bucket.bucket_arn],
                                conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in RAW_PREFIXES]}})
        )  # fmt: skip
        self.etl_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[raw_bucket.arn_for_objects(f"{prefix}*") for prefix in RAW_PREFIXES],
            )
        )
        self.etl_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[self.processed_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in PROCESSED_PREFIXES]}},
            )
        )  # fmt: skip
        self.etl_function.add_to_role_policy(
            iam.PolicyStatement(
                # A partition is one object streamed as a multipart upload: a failed run aborts it.
                actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[
                    self.processed_bucket.arn_for_objects(f"{prefix}*") for prefix in PROCESSED_PREFIXES
                ],
            )
        )
        reason = "Objects are one per update (raw) or per day (processed): access is scoped to a key prefix."
        for prefix in RAW_PREFIXES:
            acknowledge_wildcard_on(self.etl_function.role, raw_bucket.bucket_arn, prefix, reason)
        for prefix in PROCESSED_PREFIXES:
            acknowledge_wildcard_on(self.etl_function.role, self.processed_bucket.bucket_arn, prefix, reason)

        self.dead_letter_queue = sqs.Queue(
            self,
            "EtlDeadLetterQueue",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            # Its messages are the failed runs still to re-run: kept with the stack's data.
            removal_policy=removal_policy(config),
        )
        acknowledge(
            self.dead_letter_queue, "AwsSolutions-SQS3", "This queue is itself the dead-letter queue."
        )
        self.model_function = self._model_function(config, alerts_topic, layers)
        # Function errors: retried twice by Lambda's async invocation, then sent to the DLQ. On success, the
        # model step over the days the ETL wrote (its result is the destination record's responsePayload).
        self.etl_function.configure_async_invoke(
            retry_attempts=2, max_event_age=Duration.hours(6),
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
            on_success=destinations.LambdaDestination(self.model_function),
        )  # fmt: skip
        model_arn = self.get_logical_id(self.model_function.node.default_child)
        acknowledge(
            self.etl_function.role, f"AwsSolutions-IAM5[Resource::<{model_arn}.Arn>:*]",
            "The on-success destination's grantInvoke covers the model function's versions and aliases "
            "(`<function ARN>:*`): one function.",
        )  # fmt: skip
        dead_letters = self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5)
        )
        alarm_on(self, "EtlDeadLettersAlarm", dead_letters,
                 "A daily ETL run failed after its retries and is in the dead-letter queue: re-run its day "
                 'with {"date": "YYYY-MM-DD"}.', alerts_topic)  # fmt: skip
        alarm_on(self, "EtlErrorsAlarm", self.etl_function.metric_errors(period=Duration.minutes(5)),
                 "An ETL invocation failed (it will be retried).", alerts_topic)  # fmt: skip
        near_timeout(
            self, "EtlNearTimeoutAlarm", self.etl_function, "An ETL invocation",
            "Add up its 'day processed' log lines' cpu_seconds and compare cpu_us_per_update with "
            "BENCHMARKS.md, 'Scale'; raise etl_memory_mb (1769 = one vCPU, the same price per unit of work), "
            "use raw_layout firehose, or run late days one invocation each ({\"date\": \"YYYY-MM-DD\"}).",
            alerts_topic,
        )  # fmt: skip
        log_group = self.etl_function.log_group
        deferred = log_outcome_metric(self, "DaysDeferredMetric", config, log_group=log_group,
                                      outcome="days_deferred", metric_name="EtlDaysDeferred")  # fmt: skip
        alarm_on(self, "EtlDaysDeferredAlarm", deferred,
                 "An ETL invocation had no time left for some of its days and deferred them (its log's "
                 "'days deferred' line lists them): a late re-run waits for the next schedule (within "
                 'late_data_days); days of a range must be re-run, e.g. {"date": "YYYY-MM-DD"} each. See '
                 "docs/operations.md.", alerts_topic)  # fmt: skip
        late = log_outcome_metric(self, "LateDataRerunsMetric", config, log_group=log_group,
                                  outcome="late_rerun", metric_name="LateDataReruns")  # fmt: skip
        alarm_on(self, "LateDataRerunAlarm", late,
                 "The daily ETL re-ran a day whose raw data changed after its run (late data: a Firehose "
                 "retry, an /outgoing post or edit, an import): that day's figures changed. See "
                 "docs/operations.md, 'Late data'.", alerts_topic)  # fmt: skip
        # The schedule silently stopping (rule disabled, target removed) is a failure too: no invocation
        # in 25 hourly periods, where missing data (no invocation) counts as breaching.
        missed = cloudwatch.Alarm(
            self, "EtlDidNotRunAlarm",
            metric=self.etl_function.metric_invocations(period=Duration.hours(1), statistic="Sum"),
            threshold=1, evaluation_periods=25, datapoints_to_alarm=25,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            alarm_description="The daily ETL has not run for 25 hours: check the DailyEtlSchedule schedule.",
        )  # fmt: skip
        missed.add_alarm_action(cloudwatch_actions.SnsAction(alerts_topic))
        hour, minute = (str(int(part)) for part in config.etl_local_time.split(":"))
        # The scheduler's own role (the target grants it InvokeFunction and the DLQ's SendMessage), only
        # for schedules of this account.
        schedule_role = iam.Role(
            self, "EtlScheduleRole", description="EventBridge Scheduler: invokes the daily ETL",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com",
                                            conditions={"StringEquals": {"aws:SourceAccount": self.account}}),
        )  # fmt: skip
        acknowledge(
            schedule_role,
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(self.etl_function.node.default_child)}.Arn>:*]",
            "grantInvoke covers the ETL function's versions and aliases (`<function ARN>:*`): one function.",
        )
        self.schedule = scheduler.Schedule(
            self,
            "DailyEtlSchedule",
            description=f"D-1 ETL daily at {config.etl_local_time} {config.timezone}",
            # EventBridge Scheduler evaluates the cron in the stage's timezone, DST included: the run is at
            # etl_local_time all year (a UTC cron crossed local midnight once a year and skipped a day).
            schedule=scheduler.ScheduleExpression.cron(
                minute=minute, hour=hour, time_zone=TimeZone.of(config.timezone)
            ),
            target=scheduler_targets.LambdaInvoke(
                self.etl_function,
                # The ETL's scheduled-event contract: D-1 of `time` in TIMEZONE (telegram_etl.days).
                input=scheduler.ScheduleTargetInput.from_object(
                    {"time": scheduler.ContextAttribute.scheduled_time}
                ),
                # Delivery failures (throttling, permissions): retried, then dead-lettered.
                retry_attempts=2,
                max_event_age=Duration.hours(6),
                dead_letter_queue=self.dead_letter_queue,
                role=schedule_role,
            ),
        )

    def _model_function(
        self, config: StageConfig, alerts_topic: sns.ITopic, layers: list[lambda_.ILayerVersion]
    ) -> lambda_.Function:
        """The model step: reads the processed table, writes the model's tables (telegram_model), with the
        stage's model settings in its environment; failures retried, then dead-lettered and alarmed."""
        settings = model_settings_json(config)
        if len(settings) > MAX_MODEL_SETTINGS_BYTES:  # Lambda allows 4 KB of environment in all
            raise ValueError(
                f"the model settings take {len(settings)} bytes of the model function's environment (at most "
                f"{MAX_MODEL_SETTINGS_BYTES}): shorten topic_rules or bot_handover_patterns"
            )
        function = python_function(
            self,
            "ModelFunction",
            config,
            code_dir="model",
            description="Conversation model: processed days -> messages, requests, cases, ratings tables",
            memory_size=config.model_memory_mb,
            ephemeral_mb=config.model_ephemeral_mb,
            timeout=FUNCTION_TIMEOUT,
            environment={
                "PROCESSED_BUCKET": self.processed_bucket.bucket_name,
                "POWERTOOLS_SERVICE_NAME": "telegram-model",
                # Applied to every day it writes: `make remodel` re-applies a change to history.
                "MODEL_SETTINGS": settings,
                "MODEL_INCREMENTAL": "true" if config.model_incremental else "false",
            },
            layers=layers,
            # One run at a time: a remodel and the daily run never replace a partition together.
            reserved_concurrency=1,
            shared=MODEL_SHARED_FILES,
        )
        bucket = self.processed_bucket
        # Read the processed table; write and replace only the model's prefix. Nothing on raw.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{PROCESSED_PREFIX}/*", f"{MODEL_PREFIX}/*"]}},
            )
        )  # fmt: skip
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{PROCESSED_PREFIX}/*")]
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects(f"{MODEL_PREFIX}/*")],
            )
        )
        reason = "Objects are one per day and table: access is scoped to a key prefix."
        for prefix in (f"{PROCESSED_PREFIX}/", f"{MODEL_PREFIX}/"):
            acknowledge_wildcard_on(function.role, bucket.bucket_arn, prefix, reason)

        self.model_dead_letter_queue = sqs.Queue(
            self, "ModelDeadLetterQueue", retention_period=Duration.days(14), enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED, removal_policy=removal_policy(config),
        )  # fmt: skip
        acknowledge(
            self.model_dead_letter_queue, "AwsSolutions-SQS3", "This queue is itself the dead-letter queue."
        )
        function.configure_async_invoke(
            retry_attempts=2, max_event_age=Duration.hours(6),
            on_failure=destinations.SqsDestination(self.model_dead_letter_queue),
        )  # fmt: skip
        dead_letters = self.model_dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5)
        )
        alarm_on(self, "ModelDeadLettersAlarm", dead_letters,
                 "A model run failed after its retries and is in the dead-letter queue: re-run its days with "
                 "make remodel STAGE=... FROM=... TO=...", alerts_topic)  # fmt: skip
        alarm_on(self, "ModelErrorsAlarm", function.metric_errors(period=Duration.minutes(5)),
                 "A model invocation failed (it will be retried).", alerts_topic)  # fmt: skip
        near_timeout(
            self, "ModelNearTimeoutAlarm", function, "A model invocation",
            "Raise model_memory_mb (more vCPUs and DuckDB memory); BENCHMARKS.md, 'The model step'.",
            alerts_topic,
        )  # fmt: skip
        return function
