"""The whole product as stacks of one CDK app, used alike by app.py and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.analytics_stack import AnalyticsStack
from stacks.config import StageConfig
from stacks.etl_stack import EtlStack
from stacks.ingestion_stack import IngestionStack
from stacks.names import stack_name


@dataclass(frozen=True)
class Pipeline:
    ingestion: IngestionStack
    etl: EtlStack
    analytics: AnalyticsStack


def add_pipeline(app: App, config: StageConfig, env: Environment | None = None) -> Pipeline:
    ingestion = IngestionStack(app, stack_name(config.stage, "Ingestion"), config=config, env=env)
    etl = EtlStack(
        app, stack_name(config.stage, "Etl"), config=config, raw_bucket=ingestion.raw_bucket,
        alerts_topic=ingestion.alerts_topic, env=env,
    )  # fmt: skip
    analytics = AnalyticsStack(
        app,
        stack_name(config.stage, "Analytics"),
        config=config,
        processed_bucket=etl.processed_bucket,
        env=env,
    )
    for key, value in {"project": "telegram-analytics", "stage": config.stage, **config.tags}.items():
        Tags.of(app).add(key, value)
    # Every synth (cdk synth, deploy, tests) runs the AWS Solutions rules; an unacknowledged
    # finding fails it.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return Pipeline(ingestion=ingestion, etl=etl, analytics=analytics)
