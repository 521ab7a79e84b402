"""One synthesized app for all infrastructure tests: the 'dev' stage exactly as cdk.json defines it."""

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App

from stacks.config import StageConfig
from stacks.pipeline import Pipeline, add_pipeline

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "snapshots"
ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def cdk_context() -> dict:
    """cdk.json's context, without bundling the functions' packages (pip): test_bundling.py does that once."""
    return {**json.loads((ROOT / "cdk.json").read_text())["context"], "aws:cdk:bundling-stacks": []}


def dev_config() -> StageConfig:
    return StageConfig.from_context("dev", cdk_context()["stages"]["dev"])


@pytest.fixture(scope="session")
def dev_synthesized(tmp_path_factory) -> tuple[Pipeline, list[dict]]:
    """The 'dev' stage synthesized once per session (per test worker): its stacks and their templates."""
    app = App(context=cdk_context(), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    built = add_pipeline(app, dev_config())
    assembly = app.synth()  # runs cdk-nag's AwsSolutions checks: any unacknowledged finding raises here
    return built, [stack.template for stack in assembly.stacks]


@pytest.fixture(scope="session")
def pipeline(dev_synthesized) -> Pipeline:
    return dev_synthesized[0]


def normalized(template: dict) -> dict:
    """The template with asset hashes replaced, so that a snapshot changes only with the infrastructure."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
