"""Analytics: the Glue tables with partition projection over the processed bucket (telegram_updates and the
conversation model's tables), an Athena workgroup, and one named query per answer, its SQL read from
analytics/sql/."""

from __future__ import annotations

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from analytics.queries import TABLE_NAME, console_queries
from stacks.config import StageConfig
from stacks.defaults import access_logs_bucket, acknowledge_wildcard_on, data_bucket
from telegram_etl.job import PROCESSED_PREFIX
from telegram_etl.schema import COLUMNS, PARTITION_KEY, Column
from telegram_model.tables import MODEL_PREFIX, TABLES


def table_parameters(bucket_name: str, config: StageConfig, prefix: str = PROCESSED_PREFIX) -> dict[str, str]:
    """Partition projection: a new day is queryable as soon as its Parquet lands (no crawler, no MSCK)."""
    key = PARTITION_KEY.name
    return {
        "classification": "parquet",
        "EXTERNAL": "TRUE",
        "parquet.compression": "ZSTD",
        "projection.enabled": "true",
        f"projection.{key}.type": "date",
        f"projection.{key}.format": "yyyy-MM-dd",
        f"projection.{key}.range": f"{config.projection_start_date},NOW",
        f"projection.{key}.interval": "1",
        f"projection.{key}.interval.unit": "DAYS",
        "storage.location.template": f"s3://{bucket_name}/{prefix}/{key}=${{{key}}}",
    }


RESULTS_PREFIX = "results/"
# What an analyst does in the workgroup: run and stop queries, read their results, use the named queries.
ANALYST_ATHENA_ACTIONS = (
    "athena:BatchGetNamedQuery", "athena:BatchGetQueryExecution", "athena:GetNamedQuery",
    "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetQueryResultsStream",
    "athena:GetWorkGroup", "athena:ListNamedQueries", "athena:ListQueryExecutions",
    "athena:StartQueryExecution", "athena:StopQueryExecution",
)  # fmt: skip
ANALYST_GLUE_ACTIONS = ("glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable")


def glue_column(column: Column) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(name=column.name, type=column.type.glue, comment=column.description)


def parquet_table(
    name: str, description: str, columns: list[Column], partition_key: Column, location: str,
    parameters: dict[str, str],
) -> glue.CfnTable.TableInputProperty:  # fmt: skip
    """An external Parquet table partitioned by context_date (projection: `parameters`)."""
    return glue.CfnTable.TableInputProperty(
        name=name, description=description, table_type="EXTERNAL_TABLE", parameters=parameters,
        partition_keys=[glue_column(partition_key)],
        storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
            columns=[glue_column(column) for column in columns],
            location=location,
            input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            serde_info=glue.CfnTable.SerdeInfoProperty(
                serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                parameters={"serialization.format": "1"},
            ),
        ),
    )  # fmt: skip


class AnalyticsStack(Stack):
    database: glue.CfnDatabase
    table: glue.CfnTable
    model_tables: dict[str, glue.CfnTable]
    workgroup: athena.CfnWorkGroup
    results_bucket: s3.Bucket
    queries: dict[str, athena.CfnNamedQuery]
    analyst_policy: iam.ManagedPolicy

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, processed_bucket: s3.IBucket,
        **kwargs: object,
    ) -> None:  # fmt: skip
        super().__init__(scope, construct_id, **kwargs)
        database_name = f"telegram_analytics_{config.stage.replace('-', '_')}"

        self.database = glue.CfnDatabase(
            self, "Database", catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database_name, description="Telegram bot analytics (processed Updates)"),
        )  # fmt: skip
        bucket_name = processed_bucket.bucket_name
        # Generated from the ETL's schema module: never written twice.
        self.table = glue.CfnTable(
            self, "UpdatesTable", catalog_id=self.account, database_name=database_name,
            table_input=parquet_table(
                TABLE_NAME, "One row per Telegram Update, partitioned by arrival day (local timezone)",
                list(COLUMNS), PARTITION_KEY, f"s3://{bucket_name}/{PROCESSED_PREFIX}/",
                table_parameters(bucket_name, config),
            ),
        )  # fmt: skip
        self.table.node.add_dependency(self.database)
        # The conversation model's tables, written daily by the model step: from its tables module.
        self.model_tables = {}
        for model in TABLES:
            table = glue.CfnTable(
                self, f"{model.name.title()}Table", catalog_id=self.account, database_name=database_name,
                table_input=parquet_table(
                    model.name, model.description, list(model.columns), model.partition_key,
                    f"s3://{bucket_name}/{model.prefix()}/",
                    table_parameters(bucket_name, config, model.prefix()),
                ),
            )  # fmt: skip
            table.node.add_dependency(self.database)
            self.model_tables[model.name] = table

        access_logs = access_logs_bucket(self, "AccessLogsBucket", config)
        self.results_bucket = data_bucket(
            self, "AthenaResultsBucket", config, access_logs=access_logs, log_prefix="athena-results/",
            expiration=Duration.days(config.athena_results_retention_days),
        )  # fmt: skip
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"telegram-analytics-{config.stage}",
            description="Telegram analytics: engine v3, encrypted results, per-query scan limit",
            state="ENABLED",
            recursive_delete_option=not config.retain_data,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=config.athena_bytes_scanned_cutoff,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results_bucket.bucket_name}/{RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"),
                ),
            ),
        )  # fmt: skip

        self.queries = {}
        for query in console_queries(database_name):
            named = athena.CfnNamedQuery(
                self, f"Query{''.join(part.title() for part in query.name.split('_'))}",
                name=query.name, description=query.description[:1024], database=database_name,
                work_group=self.workgroup.ref, query_string=query.sql,
            )  # fmt: skip
            self.queries[query.name] = named

        self.analyst_policy = self._analyst_policy(config, database_name, processed_bucket)
        CfnOutput(self, "AnalystPolicyArn", value=self.analyst_policy.managed_policy_arn,
                  description="For an analyst's role or group: processed table and Athena only")  # fmt: skip

    def _analyst_policy(
        self, config: StageConfig, database_name: str, processed_bucket: s3.IBucket
    ) -> iam.ManagedPolicy:
        """An analyst reads the processed table through this workgroup and keeps its results: nothing of
        the raw bucket, the ETL's quarantine or the pseudonym key (docs/privacy.md, "Access"). Both
        buckets are SSE-S3 (S3-managed keys): there is no KMS key to grant."""

        def arn(service: str, resource: str, name: str | None) -> str:
            form = ArnFormat.SLASH_RESOURCE_NAME if name else ArnFormat.NO_RESOURCE_NAME
            return self.format_arn(service=service, resource=resource, resource_name=name, arn_format=form)

        processed_prefix, model_prefix = f"{PROCESSED_PREFIX}/", f"{MODEL_PREFIX}/"
        results = self.results_bucket
        policy = iam.ManagedPolicy(
            self, "AnalystPolicy", managed_policy_name=f"telegram-analytics-{config.stage}-analyst",
            description=f"Analyst of {config.stage}: Athena workgroup, Glue tables, processed and model "
            "tables, results",
            statements=[
                iam.PolicyStatement(sid="Workgroup", actions=list(ANALYST_ATHENA_ACTIONS),
                                    resources=[arn("athena", "workgroup", self.workgroup.ref)]),
                iam.PolicyStatement(sid="Catalog", actions=list(ANALYST_GLUE_ACTIONS), resources=[
                    arn("glue", "catalog", None), arn("glue", "database", database_name),
                    arn("glue", "table", f"{database_name}/{TABLE_NAME}"),
                    *(arn("glue", "table", f"{database_name}/{model.name}") for model in TABLES)]),
                iam.PolicyStatement(sid="ProcessedTableList", actions=["s3:ListBucket"],
                                    resources=[processed_bucket.bucket_arn],
                                    conditions={"StringLike": {"s3:prefix": [f"{processed_prefix}*",
                                                                             f"{model_prefix}*"]}}),
                iam.PolicyStatement(sid="ProcessedTableRead", actions=["s3:GetObject"],
                                    resources=[processed_bucket.arn_for_objects(f"{processed_prefix}*"),
                                               processed_bucket.arn_for_objects(f"{model_prefix}*")]),
                iam.PolicyStatement(sid="Buckets", actions=["s3:GetBucketLocation"],
                                    resources=[processed_bucket.bucket_arn, results.bucket_arn]),
                iam.PolicyStatement(sid="ResultsList",
                                    actions=["s3:ListBucket", "s3:ListBucketMultipartUploads"],
                                    resources=[results.bucket_arn],
                                    conditions={"StringLike": {"s3:prefix": [f"{RESULTS_PREFIX}*"]}}),
                iam.PolicyStatement(sid="ResultsReadWrite", actions=[
                    "s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
                    resources=[results.arn_for_objects(f"{RESULTS_PREFIX}*")]),
            ],
        )  # fmt: skip
        reason = (
            "Objects are one per day (processed) or per query (results): access is scoped to a key prefix."
        )
        acknowledge_wildcard_on(policy, processed_bucket.bucket_arn, processed_prefix, reason)
        acknowledge_wildcard_on(policy, processed_bucket.bucket_arn, model_prefix, reason)
        acknowledge_wildcard_on(policy, results.bucket_arn, RESULTS_PREFIX, reason)
        return policy
