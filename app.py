#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c stage=prod` picks the stage settings from cdk.json."""

import os

from aws_cdk import App, Environment

from stacks.config import StageConfig
from stacks.pipeline import add_pipeline

app = App()
stage = app.node.try_get_context("stage") or "dev"
stages = app.node.try_get_context("stages") or {}
if stage not in stages:
    raise SystemExit(f"unknown stage {stage!r}; cdk.json defines: {', '.join(sorted(stages))}")
# Account/region come from the deploying credentials; synth stays environment-agnostic without them.
account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
env = Environment(account=account, region=region) if account and region else None
add_pipeline(app, StageConfig.from_context(stage, stages[stage]), env=env)
app.synth()
