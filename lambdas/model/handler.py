"""Lambda entry point: the ETL's success (or a range) -> the model's tables (messages, requests, cases,
ratings) of the days whose answers can still change."""

import logging
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from telegram_etl.storage import S3Storage
from telegram_model.app import Settings, run

# botocore at DEBUG would log object bodies (users' messages) whatever POWERTOOLS_LOG_LEVEL says.
for _name in ("boto3", "botocore", "s3transfer", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)
logger = Logger(service="telegram-model")

settings = Settings.from_json(os.environ.get("MODEL_SETTINGS", "{}"))
bucket = os.environ["PROCESSED_BUCKET"]
# The stage's model_incremental (on by default): the daily run may read its new day only.
incremental = os.environ.get("MODEL_INCREMENTAL", "true") == "true"
storage = S3Storage(boto3.client("s3", config=Config(retries={"mode": "standard"})))


@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(
        event, settings=settings, storage=storage, bucket=bucket, logger=logger, incremental=incremental
    )
