"""Secure defaults shared by every stack: buckets, Python Lambda functions and their layers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import jsii
from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    BundlingOptions,
    Duration,
    ILocalBundling,
    RemovalPolicy,
    Size,
    Stack,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IValidation

from stacks.config import StageConfig

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
# The newest Python that both Lambda and the AWS SDK for pandas managed layer offer.
PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64


def acknowledge(construct: Construct, rule: str, reason: str) -> None:
    """Suppress one cdk-nag finding on a construct (and its children), always with a written reason."""
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


@jsii.implements(IValidation)
class _AcknowledgeAtSynth:
    def __init__(self, construct: Construct, findings: Callable[[], list[str]], reason: str) -> None:
        self._construct, self._findings, self._reason = construct, findings, reason

    def validate(self) -> list[str]:
        for rule in self._findings():
            acknowledge(self._construct, rule, self._reason)
        return []


def generated_secret(
    scope: Construct, construct_id: str, description: str, *, rotation: str,
    removal_policy: RemovalPolicy | None = None,
) -> secretsmanager.Secret:  # fmt: skip
    """A secret generated at deploy time: its value never appears in the template, the repo or a log.
    64 of A-Z, a-z and 0-9 (Telegram accepts 1-256 of A-Z, a-z, 0-9, _ and - in a secret_token).
    `rotation` says why there is no rotation Lambda."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description=description,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            exclude_punctuation=True, include_space=False, password_length=64
        ),
        removal_policy=removal_policy,
    )
    acknowledge(secret, "AwsSolutions-SMG4", rotation)
    return secret


def acknowledge_wildcard_on(
    role: iam.IRole | iam.ManagedPolicy, bucket_arn: str, prefix: str, reason: str
) -> None:
    """Acknowledge IAM5 for `<bucket>/<prefix>*` on a role (or managed policy), for a bucket of this stack
    or another.

    cdk-nag names a finding by the resolved resource, and a cross-stack bucket's resolved ARN is an
    import whose export name only exists once CDK resolves references at synth: so the finding is
    named then, in a construct validation, which runs after that resolution and before cdk-nag.
    """

    def findings() -> list[str]:
        resolved = Stack.of(role).resolve(bucket_arn)
        if isinstance(resolved, dict) and "Fn::ImportValue" in resolved:
            rendered = resolved["Fn::ImportValue"]
        elif isinstance(resolved, dict) and "Fn::GetAtt" in resolved:
            rendered = "<{}.{}>".format(*resolved["Fn::GetAtt"])
        else:
            raise ValueError(f"cannot name the IAM5 finding for {resolved!r}")
        return [f"AwsSolutions-IAM5[Resource::{rendered}/{prefix}*]"]

    role.node.add_validation(_AcknowledgeAtSynth(role, findings, reason))


def alerts_topic(scope: Construct, config: StageConfig) -> sns.Topic:
    """The SNS topic every alarm notifies: SSL-only, encrypted with a key CloudWatch may use
    (the AWS-managed SNS key cannot receive CloudWatch alarms).

    enforce_ssl gives the topic a policy of its own, which replaces SNS's default one: without an
    explicit Allow, CloudWatch could not publish and every alarm would go nowhere. CloudWatch may publish,
    and use the key, only for this account's alarms (confused-deputy conditions)."""
    stack = Stack.of(scope)
    alarms = stack.format_arn(
        service="cloudwatch", resource="alarm", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    from_our_alarms = {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": alarms},
    }
    cloudwatch_service = iam.ServicePrincipal("cloudwatch.amazonaws.com")
    key = kms.Key(scope, "AlertsKey", description="Encrypts the alerts topic", enable_key_rotation=True,
                  removal_policy=RemovalPolicy.DESTROY)  # fmt: skip
    key.add_to_resource_policy(
        iam.PolicyStatement(sid="CloudWatchAlarmsUseTheKey", principals=[cloudwatch_service],
                            actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
                            conditions=from_our_alarms)
    )  # fmt: skip
    topic = sns.Topic(scope, "AlertsTopic", display_name=f"Telegram pipeline alerts ({config.stage})",
                      master_key=key, enforce_ssl=True)  # fmt: skip
    topic.add_to_resource_policy(
        iam.PolicyStatement(sid="CloudWatchAlarmsPublish", principals=[cloudwatch_service],
                            actions=["sns:Publish"], resources=[topic.topic_arn], conditions=from_our_alarms)
    )  # fmt: skip
    if config.alert_email:
        topic.add_subscription(subscriptions.EmailSubscription(config.alert_email))
    return topic


def alarm_on(scope: Construct, construct_id: str, metric: cloudwatch.IMetric, description: str,
             topic: sns.ITopic, *, threshold: float = 1) -> cloudwatch.Alarm:  # fmt: skip
    """Alarm as soon as the metric reaches `threshold` in one period (missing data: no traffic, fine)."""
    alarm = cloudwatch.Alarm(
        scope, construct_id, metric=metric, threshold=threshold, evaluation_periods=1,
        alarm_description=description,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )  # fmt: skip
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


# A run lasting this share of its function's timeout warns before a bigger day times out.
NEAR_TIMEOUT_SHARE = 0.8


def near_timeout(scope: Construct, construct_id: str, function: lambda_.Function, what: str, advice: str,
                 topic: sns.ITopic) -> cloudwatch.Alarm:  # fmt: skip
    """Alarm when one invocation of `function` lasts NEAR_TIMEOUT_SHARE of its timeout or more (the
    maximum of its Duration in 5 minutes): the warning before the invocation that times out. The
    description says so from the function's own timeout: "<what> took 80% of its 15 minutes ... <advice>"."""
    if function.timeout is None:
        raise ValueError(f"{construct_id}: the function has no timeout to compare with")
    minutes = function.timeout.to_minutes()
    description = (
        f"{what} took {NEAR_TIMEOUT_SHARE:.0%} of its {minutes} minutes or more (every day it "
        f"ran counts: late re-runs, a range): a bigger one may time out. {advice}"
    )
    return alarm_on(scope, construct_id,
                    function.metric_duration(period=Duration.minutes(5), statistic="Maximum"), description,
                    topic, threshold=NEAR_TIMEOUT_SHARE * function.timeout.to_milliseconds())  # fmt: skip


def metric_namespace(config: StageConfig) -> str:
    """The pipeline's own CloudWatch metrics, one namespace per stage (stages may share an account)."""
    return f"TelegramPipeline/{config.stage}"


def log_outcome_metric(scope: Construct, construct_id: str, config: StageConfig, *, log_group: logs.ILogGroup,
                       outcome: str, metric_name: str) -> cloudwatch.Metric:  # fmt: skip
    """Counts a Lambda's JSON log lines whose `outcome` field is `outcome` (a log metric filter), as
    5-minute sums: what a handler answers without failing is visible and can be alarmed."""
    metric_filter = logs.MetricFilter(
        scope, construct_id, log_group=log_group, metric_namespace=metric_namespace(config),
        metric_name=metric_name, metric_value="1",
        filter_pattern=logs.FilterPattern.string_value("$.outcome", "=", outcome),
    )  # fmt: skip
    return metric_filter.metric(period=Duration.minutes(5), statistic="Sum")


def removal_policy(config: StageConfig) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY


def access_logs_bucket(scope: Construct, construct_id: str, config: StageConfig) -> s3.Bucket:
    """Target of the data buckets' server access logs (S3 access logs need SSE-S3, not KMS)."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
        removal_policy=removal_policy(config),
        auto_delete_objects=not config.retain_data,
    )
    acknowledge(
        bucket, "AwsSolutions-S1", "This bucket is the access-log target; logging it into itself would loop."
    )
    return bucket


def data_bucket(
    scope: Construct,
    construct_id: str,
    config: StageConfig,
    *,
    access_logs: s3.IBucket,
    log_prefix: str,
    expiration: Duration | None = None,
    infrequent_access_after: Duration | None = None,
    expire_prefixes: dict[str, Duration] | None = None,
    noncurrent_days: int = 30,
) -> s3.Bucket:
    """Encrypted, SSL-only, private, versioned; old versions of overwritten or deleted objects expire
    after `noncurrent_days`, and so do current objects when `expiration` is given (the whole bucket) or
    under each prefix of `expire_prefixes` (retention); `infrequent_access_after` moves them to
    Standard-IA."""
    transitions = (
        [
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=infrequent_access_after
            )
        ]
        if infrequent_access_after
        else None
    )
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=log_prefix,
        lifecycle_rules=[
            s3.LifecycleRule(
                expiration=expiration,
                transitions=transitions,
                noncurrent_version_expiration=Duration.days(noncurrent_days),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            ),
            *(
                s3.LifecycleRule(id=f"expire-{prefix.strip('/')}", prefix=prefix, expiration=after)
                for prefix, after in (expire_prefixes or {}).items()
            ),
        ],
        removal_policy=removal_policy(config),
        auto_delete_objects=not config.retain_data,
    )


def powertools_layer(scope: Construct, config: StageConfig) -> lambda_.ILayerVersion:
    """Powertools for AWS Lambda (logging, event classes), from AWS's public SSM parameter of the
    stage's powertools_version: `latest` would change what a redeploy of the same commit runs."""
    arn = config.powertools_layer_arn or ssm.StringParameter.value_for_string_parameter(
        scope,
        f"/aws/service/powertools/python/{ARCHITECTURE.name}/{PYTHON_RUNTIME.name}/{config.powertools_version}",
    )
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)


def python_function(
    scope: Construct,
    construct_id: str,
    config: StageConfig,
    *,
    code_dir: str,
    description: str,
    memory_size: int,
    timeout: Duration,
    environment: dict[str, str],
    layers: list[lambda_.ILayerVersion],
    reserved_concurrency: int | None = None,
    shared: tuple[str, ...] = (),
    ephemeral_mb: int | None = None,
) -> lambda_.Function:
    """A Python function whose code is one folder of lambdas/, with its own log group and a role
    that may only write to that log group; the composing stack grants everything else."""
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=logs.RetentionDays[config.log_retention],
        # Where data is retained, so are the logs that explain it (they expire with their retention).
        removal_policy=removal_policy(config),
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{description} (least privilege)",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        construct_id,
        description=description,
        runtime=PYTHON_RUNTIME,
        architecture=ARCHITECTURE,
        handler="handler.handler",
        code=function_code(LAMBDAS_DIR / code_dir, shared),
        memory_size=memory_size,
        timeout=timeout,
        role=role,
        log_group=log_group,
        layers=layers,
        reserved_concurrent_executions=reserved_concurrency,
        # /tmp: Lambda's default (512 MB) unless the function downloads or spills more (the model step).
        ephemeral_storage_size=Size.mebibytes(ephemeral_mb) if ephemeral_mb else None,
        tracing=lambda_.Tracing.ACTIVE,
        environment={"POWERTOOLS_LOG_LEVEL": "INFO", **environment},
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level "
        "permissions, so AWS requires Resource '*' for them (and only them).",
    )
    return function


ASSET_EXCLUDES = ("__pycache__", "*.pyc", ".pytest_cache")


def function_code(folder: Path, shared: tuple[str, ...] = ()) -> lambda_.Code:
    """The folder as the function's code; with a requirements.txt, its pinned packages beside it.
    `shared`: files of another function's folder (paths under lambdas/<function>/, e.g.
    etl/telegram_etl/storage.py) that this one imports too, at the same path below its import root:
    defined once, in one folder, and shipped in both."""
    exclude = [f"**/{pattern}" for pattern in ASSET_EXCLUDES]
    if shared:
        folder = staged_folder(folder, shared)
    if not (folder / "requirements.txt").exists():
        return lambda_.Code.from_asset(str(folder), exclude=exclude)
    return lambda_.Code.from_asset(
        str(folder),
        exclude=exclude,
        bundling=BundlingOptions(
            image=PYTHON_RUNTIME.bundling_image,  # only if the local bundling below cannot run
            command=["bash", "-c", "cp -r /asset-input/. /asset-output && "
                     "pip install --no-deps --no-compile -r requirements.txt -t /asset-output"],
            local=LocalPipBundling(folder),
        ),
    )  # fmt: skip


def staged_folder(folder: Path, shared: tuple[str, ...]) -> Path:
    """A copy of `folder` with the shared files added (the asset's source: its hash covers them)."""
    stage = Path(tempfile.gettempdir()) / f"telegram-asset-{folder.name}-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(folder, stage, ignore=shutil.ignore_patterns(*ASSET_EXCLUDES))
    for path in shared:
        source = LAMBDAS_DIR / path
        target = stage / Path(path).relative_to(Path(path).parts[0])
        if target.exists():
            raise ValueError(f"{path} would replace {target.relative_to(stage)} of {folder.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return stage


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """The code folder plus its requirements.txt installed by this Python's pip, no Docker: pinned,
    no dependencies of their own (--no-deps), and wheels only for the function's Python and
    architecture (binary ones too, e.g. orjson's for aarch64), so a package without such a wheel
    fails here instead of in Lambda."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        shutil.copytree(
            self.folder, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*ASSET_EXCLUDES)
        )
        # By name: jsii hands out a new Architecture object on every access, so == is always False.
        machine = "aarch64" if ARCHITECTURE.name == "arm64" else "x86_64"
        subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-compile", "--only-binary=:all:", "--platform", f"manylinux2014_{machine}",
             # DuckDB's wheels are manylinux_2_28 (glibc 2.28; the Python runtimes run Amazon Linux 2023).
             "--platform", f"manylinux_2_28_{machine}", "--implementation", "cp",
             "--python-version", PYTHON_RUNTIME.name.removeprefix("python"), "--target", output_dir,
             "-r", str(self.folder / "requirements.txt")],
            check=True,
        )  # fmt: skip
        return True
