"""Every stage of cdk.json synthesizes and passes cdk-nag, not only the one the snapshots pin."""

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.config import StageConfig
from stacks.pipeline import add_pipeline
from tests.stacks.conftest import cdk_context


@pytest.mark.parametrize("stage", sorted(cdk_context()["stages"]))
def test_stage_synthesizes_with_cdk_nag(stage, tmp_path):
    app = App(context=cdk_context(), outdir=str(tmp_path))
    pipeline = add_pipeline(app, StageConfig.from_context(stage, cdk_context()["stages"][stage]))
    app.synth()  # raises on any unacknowledged AwsSolutions finding
    expected = {"Retain"} if stage == "prod" else {"Delete"}
    raw = Template.from_stack(pipeline.ingestion).find_resources("AWS::S3::Bucket")
    assert {resource.get("DeletionPolicy") for resource in raw.values()} == expected
    # Where data is retained, so are the failed runs waiting in the DLQ and the logs that explain them.
    for stack, resource_type, count in [
        (pipeline.ingestion, "AWS::Logs::LogGroup", 2),  # the ingest Lambda's and the API's access logs
        (pipeline.etl, "AWS::Logs::LogGroup", 1),
        (pipeline.etl, "AWS::SQS::Queue", 1),
    ]:
        resources = Template.from_stack(stack).find_resources(resource_type).values()
        assert len(resources) == count
        assert {resource.get("DeletionPolicy") for resource in resources} == expected, resource_type
