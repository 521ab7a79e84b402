"""A stage's settings from cdk.json, for the local tools (make poll / make report), as `cdk deploy` reads
them: the same time zone, staff, bot and topic rules as in AWS."""

from __future__ import annotations

import json
import os
from pathlib import Path

from stacks.config import ConfigError, StageConfig

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def stage_config(stage: str | None = None, cdk_json: Path = CDK_JSON) -> StageConfig:
    """The stage's settings (default: $STAGE, else dev)."""
    stage = stage or os.environ.get("STAGE") or "dev"
    stages = json.loads(cdk_json.read_text())["context"]["stages"]
    if stage not in stages:
        raise ConfigError(f"unknown stage {stage!r}; cdk.json defines: {', '.join(sorted(stages))}")
    return StageConfig.from_context(stage, stages[stage])
