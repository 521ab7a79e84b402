"""Lambda entry point: API Gateway (REST, proxy) -> Telegram webhook -> raw S3 object."""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from telegram_ingest.allow_list import AllowList
from telegram_ingest.app import handle_outgoing, handle_webhook
from telegram_ingest.relay import Relay
from telegram_ingest.sdk import SDK_CONFIG, silence_sdk_debug_logs
from telegram_ingest.secret import WebhookSecret, secrets_manager_fetch
from telegram_ingest.webhook import Settings

silence_sdk_debug_logs()
logger = Logger(service="telegram-ingest")
settings = Settings.from_env(dict(os.environ))
secret = WebhookSecret(os.environ, secrets_manager_fetch)
# POST /outgoing has its own secret (the bot backend is another client than Telegram); the webhook's
# where a stage has none.
outgoing_secret = WebhookSecret(os.environ, secrets_manager_fetch, "OUTGOING_SECRET")
if not outgoing_secret.configured:
    outgoing_secret = secret
s3 = boto3.client("s3", config=SDK_CONFIG)
# raw_layout "firehose": each accepted update is one record of the stage's Firehose stream.
firehose = boto3.client("firehose", config=SDK_CONFIG) if settings.firehose_stream else None


def put_object(bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def put_record(data: bytes) -> None:
    firehose.put_record(DeliveryStreamName=settings.firehose_stream, Record={"Data": data})  # type: ignore[union-attr]


def raw_object_exists(key: str) -> bool:
    # A listing, not a HEAD: the role may list only the markers' prefix, and a HEAD of a missing key
    # without s3:ListBucket answers 403, which could not be told apart from a real failure.
    listed = s3.list_objects_v2(Bucket=settings.raw_bucket, Prefix=key, MaxKeys=1)
    return any(item["Key"] == key for item in listed.get("Contents", []))


allow_list = AllowList(settings.allowed_chat_ids, raw_object_exists)
# Relay mode (RELAY_SECRET_ARN, or RELAY_URL locally): the bot backend gets every update once stored.
relay = Relay.from_env(os.environ, secrets_manager_fetch)


# log_event=False, explicitly: the event holds the secret header and users' messages, so
# POWERTOOLS_LOGGER_LOG_EVENT=true must not log it.
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("resource") == "/outgoing":  # our bot's own messages, posted by its backend
        return handle_outgoing(
            APIGatewayProxyEvent(event),
            settings=settings,
            secret=outgoing_secret,
            put_object=put_object,
            logger=logger,
            allow_list=allow_list,
        )
    return handle_webhook(
        APIGatewayProxyEvent(event), settings=settings, secret=secret, put_object=put_object,
        allow_list=allow_list, logger=logger, relay=relay,
        put_record=put_record if firehose is not None else None,
        time_left_s=lambda: context.get_remaining_time_in_millis() / 1000,
    )  # fmt: skip
