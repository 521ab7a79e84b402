"""Lambda entry point: EventBridge schedule (or a manual/backfill payload) -> daily Parquet partitions."""

import logging
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from telegram_etl.app import Settings, run
from telegram_etl.job import READ_WORKERS
from telegram_etl.storage import S3Storage

# botocore at DEBUG would log object bodies (users' messages) whatever POWERTOOLS_LOG_LEVEL says.
for _name in ("boto3", "botocore", "s3transfer", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)
logger = Logger(service="telegram-etl")


def _read_secret(arn: str) -> str:
    # Once per cold start: the key is held in memory only, never logged.
    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


settings = Settings.from_env(dict(os.environ), read_secret=_read_secret)
storage = S3Storage(
    boto3.client("s3", config=Config(max_pool_connections=READ_WORKERS, retries={"mode": "standard"}))
)


@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(
        event,
        settings=settings,
        storage=storage,
        logger=logger,
        remaining_ms=context.get_remaining_time_in_millis,
    )
