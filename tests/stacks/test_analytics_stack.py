"""The analytics stack: the Glue tables are the schema modules, projection is exact, queries are the files."""

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from analytics.queries import SQL_DIR, console_queries
from telegram_etl.schema import COLUMNS, PARTITION_KEY
from telegram_model.tables import TABLES
from tests.stacks.conftest import dev_config
from tests.stacks.support import assert_matches_snapshot


@pytest.fixture(scope="module")
def template(pipeline) -> Template:
    return Template.from_stack(pipeline.analytics)


@pytest.fixture(scope="module")
def table_input(template) -> dict:
    return tables(template)["telegram_updates"]


def tables(template) -> dict[str, dict]:
    found = (t["Properties"]["TableInput"] for t in template.find_resources("AWS::Glue::Table").values())
    return {table["Name"]: table for table in found}


def test_the_model_tables_are_its_tables_module_with_projection_under_model(template):
    found = tables(template)
    assert sorted(found) == sorted(["telegram_updates", *(table.name for table in TABLES)])
    for table in TABLES:
        glue = found[table.name]
        assert [(c["Name"], c["Type"], c["Comment"]) for c in glue["StorageDescriptor"]["Columns"]] == [
            (c.name, c.type.glue, c.description) for c in table.columns
        ]
        assert glue["PartitionKeys"] == [
            {"Name": "context_date", "Type": "string", "Comment": table.partition_description}
        ]
        parameters = glue["Parameters"]
        assert (
            parameters["projection.enabled"] == "true"
            and parameters["projection.context_date.type"] == "date"
        )
        location = parameters["storage.location.template"]["Fn::Join"][1]
        assert location[-1] == f"/model/{table.name}/context_date=${{context_date}}"
        assert glue["StorageDescriptor"]["Location"]["Fn::Join"][1][-1] == f"/model/{table.name}/"


def test_glue_columns_equal_the_schema_module_column_by_column(table_input):
    columns = table_input["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"], c["Comment"]) for c in columns] == [
        (c.name, c.type.glue, c.description) for c in COLUMNS
    ]
    assert table_input["PartitionKeys"] == [
        {"Name": PARTITION_KEY.name, "Type": "string", "Comment": PARTITION_KEY.description}
    ]


def test_ids_are_bigint_and_dates_are_timestamps(table_input):
    types = {c["Name"]: c["Type"] for c in table_input["StorageDescriptor"]["Columns"]}
    assert {
        types[name]
        for name in (
            "update_id",
            "message_id",
            "chat_id",
            "user_id",
            "sender_chat_id",
            "reply_to_message_id",
            "reply_to_user_id",
            "message_thread_id",
        )
    } == {"bigint"}
    assert types["date"] == types["edit_date"] == types["ingested_at"] == "timestamp"


def test_parquet_storage(table_input):
    descriptor = table_input["StorageDescriptor"]
    assert descriptor["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert descriptor["OutputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert table_input["TableType"] == "EXTERNAL_TABLE"
    # Projection lives in the table's Parameters, never in the storage descriptor's.
    assert "projection.enabled" not in descriptor.get("Parameters", {})


def test_partition_projection_parameters_are_exact(pipeline, table_input):
    parameters = table_input["Parameters"]
    bucket_import = parameters["storage.location.template"]["Fn::Join"][1][1]
    assert "Fn::ImportValue" in bucket_import  # the ETL stack's processed bucket
    assert parameters == {
        "classification": "parquet",
        "EXTERNAL": "TRUE",
        "parquet.compression": "ZSTD",
        "projection.enabled": "true",
        "projection.context_date.type": "date",
        "projection.context_date.format": "yyyy-MM-dd",
        "projection.context_date.range": "2024-01-01,NOW",
        "projection.context_date.interval": "1",
        "projection.context_date.interval.unit": "DAYS",
        "storage.location.template": {
            "Fn::Join": ["", ["s3://", bucket_import, "/telegram/context_date=${context_date}"]]
        },
    }
    assert table_input["StorageDescriptor"]["Location"] == {
        "Fn::Join": ["", ["s3://", bucket_import, "/telegram/"]]
    }


def test_no_crawler(template):
    assert template.find_resources("AWS::Glue::Crawler") == {}


def test_workgroup_engine_v3_enforced_encrypted_and_limited(pipeline, template):
    results_id = Stack.of(pipeline.analytics).get_logical_id(
        pipeline.analytics.results_bucket.node.default_child
    )
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "BytesScannedCutoffPerQuery": 1073741824,
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "PublishCloudWatchMetricsEnabled": True,
                "ResultConfiguration": {
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                    "OutputLocation": {"Fn::Join": ["", ["s3://", {"Ref": results_id}, "/results/"]]},
                },
            }
        },
    )
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with([Match.object_like({"ExpirationInDays": 7})])
            },
            "BucketEncryption": Match.any_value(),
        },
    )


def test_one_named_query_per_sql_file_with_the_files_sql(template):
    queries = template.find_resources("AWS::Athena::NamedQuery")
    files = sorted(p.stem for p in SQL_DIR.glob("*.sql") if not p.name.endswith(".cte.sql"))
    assert sorted(q["Properties"]["Name"] for q in queries.values()) == files
    expected = {q.name: q.sql for q in console_queries("telegram_analytics_dev")}
    for query in queries.values():
        properties = query["Properties"]
        assert properties["QueryString"] == expected[properties["Name"]]
        assert properties["Database"] == "telegram_analytics_dev"
        assert properties["WorkGroup"] == {"Ref": "WorkGroup"}


def test_the_queries_carry_no_stage_setting_the_model_step_applies_them(template):
    """Time zone, topic rules, staff: the model step's (its MODEL_SETTINGS), never the queries'."""
    for query in template.find_resources("AWS::Athena::NamedQuery").values():
        sql = query["Properties"]["QueryString"]
        assert "AT TIME ZONE" not in sql and "regexp_like" not in sql, query["Properties"]["Name"]
    assert dev_config().topic_rules  # the stage has rules: they are not in the queries


def test_snapshot(template):
    assert_matches_snapshot("analytics", template.to_json())
