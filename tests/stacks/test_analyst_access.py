"""Issue 14, access: the analyst's managed policy grants the processed table and Athena, and nothing else."""

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.analytics_stack import ANALYST_ATHENA_ACTIONS, ANALYST_GLUE_ACTIONS, AnalyticsStack
from stacks.config import StageConfig
from tests.stacks.support import logical_id


@pytest.fixture(scope="module")
def analytics(pipeline) -> dict:
    return Template.from_stack(pipeline.analytics).to_json()


@pytest.fixture(scope="module")
def statements(pipeline, analytics) -> dict[str, dict]:
    policy = analytics["Resources"][logical_id(pipeline.analytics.analyst_policy)]["Properties"]
    assert policy["ManagedPolicyName"] == "telegram-analytics-dev-analyst"
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def actions(statement: dict) -> set[str]:
    return {statement["Action"]} if isinstance(statement["Action"], str) else set(statement["Action"])


def export_of(pipeline, bucket) -> str:
    """The cross-stack import name of one of the ETL stack's bucket ARNs."""
    arn = pipeline.analytics.resolve(bucket.bucket_arn)
    return arn["Fn::ImportValue"]


def test_the_policy_grants_exactly_the_workgroup_catalog_processed_table_and_results(pipeline, statements):
    assert {sid: (s["Effect"], actions(s)) for sid, s in statements.items()} == {
        "Workgroup": ("Allow", set(ANALYST_ATHENA_ACTIONS)),
        "Catalog": ("Allow", set(ANALYST_GLUE_ACTIONS)),
        "ProcessedTableList": ("Allow", {"s3:ListBucket"}),
        "ProcessedTableRead": ("Allow", {"s3:GetObject"}),
        "Buckets": ("Allow", {"s3:GetBucketLocation"}),
        "ResultsList": ("Allow", {"s3:ListBucket", "s3:ListBucketMultipartUploads"}),
        "ResultsReadWrite": (
            "Allow",
            {"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"},
        ),
    }
    # Read-only on data: no write to the processed bucket, no delete anywhere, no wildcard action.
    granted = set().union(*(actions(s) for s in statements.values()))
    assert not {a for a in granted if "Delete" in a or a.endswith("*")}
    assert not {a for a in granted if a.split(":")[0] in {"kms", "secretsmanager", "iam"}}


def test_processed_access_is_the_table_prefix_only(pipeline, statements):
    processed = export_of(pipeline, pipeline.etl.processed_bucket)
    read = statements["ProcessedTableRead"]["Resource"]
    assert sorted(read, key=str) == [  # not quarantine/
        {"Fn::Join": ["", [{"Fn::ImportValue": processed}, "/model/*"]]},  # the model's tables
        {"Fn::Join": ["", [{"Fn::ImportValue": processed}, "/telegram/*"]]},
    ]
    listing = statements["ProcessedTableList"]
    assert listing["Resource"] == {"Fn::ImportValue": processed}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["telegram/*", "model/*"]}}


def test_results_access_is_the_workgroups_output_prefix(pipeline, analytics, statements):
    results = logical_id(pipeline.analytics.results_bucket)
    assert statements["ResultsReadWrite"]["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [results, "Arn"]}, "/results/*"]]
    }
    assert statements["ResultsList"]["Condition"] == {"StringLike": {"s3:prefix": ["results/*"]}}
    (workgroup,) = [r for r in analytics["Resources"].values() if r["Type"] == "AWS::Athena::WorkGroup"]
    output = workgroup["Properties"]["WorkGroupConfiguration"]["ResultConfiguration"]["OutputLocation"]
    assert output == {"Fn::Join": ["", ["s3://", {"Ref": results}, "/results/"]]}


def test_athena_and_glue_are_this_stages_workgroup_database_and_table(statements):
    (workgroup,) = [statements["Workgroup"]["Resource"]]
    assert workgroup["Fn::Join"][1][-2:] == [":workgroup/", {"Ref": "WorkGroup"}]
    catalog = [r["Fn::Join"][1][-1] for r in statements["Catalog"]["Resource"]]
    assert sorted(catalog) == sorted(
        [
            ":catalog",
            ":database/telegram_analytics_dev",
            ":table/telegram_analytics_dev/telegram_updates",
            *(
                f":table/telegram_analytics_dev/{name}"
                for name in ("messages", "requests", "cases", "ratings")
            ),
        ]
    )


def test_nothing_names_the_raw_bucket_or_the_pseudonym_key(pipeline, analytics, statements):
    document = json.dumps(list(statements.values()))
    raw_arn = Stack.of(pipeline.ingestion.raw_bucket).resolve(pipeline.ingestion.raw_bucket.bucket_arn)
    raw_id = raw_arn["Fn::GetAtt"][0]
    assert raw_id not in document and "RawBucket" not in document
    assert "secretsmanager" not in document and "PseudonymKey" not in document
    assert "quarantine" not in document


def test_its_arn_is_an_output(pipeline, analytics):
    output = analytics["Outputs"]["AnalystPolicyArn"]
    assert output["Value"] == {"Ref": logical_id(pipeline.analytics.analyst_policy)}


def test_athena_results_expire_after_athena_results_retention_days():
    app = App()
    processed = s3.Bucket(Stack(app, "Etl"), "Processed")
    stack = AnalyticsStack(app, "Analytics", config=StageConfig(stage="x", athena_results_retention_days=3),
                           processed_bucket=processed)  # fmt: skip
    bucket = Template.from_stack(stack).to_json()["Resources"][logical_id(stack.results_bucket)]
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 3
