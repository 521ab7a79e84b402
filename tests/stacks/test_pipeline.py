"""Every stage of cdk.json synthesizes, passes cdk-nag and cfn-lint, not only the one the snapshots pin."""

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.config import StageConfig
from stacks.pipeline import Pipeline, add_pipeline
from tests.stacks.conftest import cdk_context
from tests.stacks.support import cfn_lint

# cfn-lint findings accepted, each with its reason; anything else (any severity) fails the test.
IGNORED_CFN_LINT_RULES = {
    "W3005": "CDK puts a role in a function's DependsOn as well as in its Role (GetAtt), so that the "
    "role's policy exists before the function is created; the redundancy is CDK's, and harmless.",
}


@pytest.fixture(scope="module", params=sorted(cdk_context()["stages"]))
def synthesized(request, tmp_path_factory) -> tuple[str, Pipeline, list[dict]]:
    """One stage synthesized once: its name, its stacks and the templates written to cdk.out."""
    stage = request.param
    if stage == "dev":  # exactly the app every other infrastructure test reads (conftest.py)
        pipeline, templates = request.getfixturevalue("dev_synthesized")
        return stage, pipeline, templates
    app = App(context=cdk_context(), outdir=str(tmp_path_factory.mktemp(f"cdk.out-{stage}")))
    pipeline = add_pipeline(app, StageConfig.from_context(stage, cdk_context()["stages"][stage]))
    assembly = app.synth()  # raises on any unacknowledged AwsSolutions finding (cdk-nag)
    return stage, pipeline, [stack.template for stack in assembly.stacks]


def test_stage_synthesizes_with_cdk_nag(synthesized):
    stage, pipeline, templates = synthesized
    assert len(templates) == 3
    expected = {"Retain"} if stage == "prod" else {"Delete"}
    raw = Template.from_stack(pipeline.ingestion).find_resources("AWS::S3::Bucket")
    assert {resource.get("DeletionPolicy") for resource in raw.values()} == expected
    # Where data is retained, so are the failed runs waiting in the DLQ and the logs that explain them.
    for stack, resource_type, count in [
        (pipeline.ingestion, "AWS::Logs::LogGroup", 2),  # the ingest Lambda's and the API's access logs
        (pipeline.etl, "AWS::Logs::LogGroup", 2),  # the ETL's and the model step's
        (pipeline.etl, "AWS::SQS::Queue", 2),  # their dead-letter queues
    ]:
        resources = Template.from_stack(stack).find_resources(resource_type).values()
        assert len(resources) == count
        assert {resource.get("DeletionPolicy") for resource in resources} == expected, resource_type


def test_stage_templates_pass_cfn_lint(synthesized):
    _, _, templates = synthesized
    for template in templates:
        matches = cfn_lint(template)
        unexpected = [f"{m.rule.id} {m.message} at {m.filename}:{m.linenumber}" for m in matches
                      if m.rule.id not in IGNORED_CFN_LINT_RULES]  # fmt: skip
        assert unexpected == []


def test_cfn_lint_is_not_a_no_op():
    """The same call finds a real error, so an empty answer above means something."""
    broken = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}}
    }
    matches = cfn_lint(broken)
    assert any(m.rule.id.startswith("E") for m in matches)
