"""The webhook request flow, over injected storage and secret so that it is tested without AWS."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from telegram_ingest.secret import SecretUnavailable, WebhookSecret
from telegram_ingest.webhook import (
    Rejected,
    Settings,
    arrival_day,
    chat_id_of,
    check_body_size,
    is_authorized,
    parse_update,
    raw_key,
    update_kind,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret

# put(bucket, key, body) stores one object or raises.
PutObject = Callable[[str, str, bytes], None]


def http_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def request_body(event: APIGatewayProxyEvent) -> bytes:
    raw = event.body or ""
    # A base64 body may be up to 4/3 of the limit; anything longer is too large once decoded.
    if event.is_base64_encoded:
        if len(raw) > (4 * 1024 * 1024) // 3 + 4:
            raise Rejected(413, "body too large")
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise Rejected(400, "body is not valid base64") from None
    else:
        body = raw.encode("utf-8", errors="surrogatepass")
    check_body_size(body)
    return body


def handle_webhook(
    event: APIGatewayProxyEvent,
    *,
    settings: Settings,
    secret: WebhookSecret,
    put_object: PutObject,
    logger: Logger,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    try:
        expected = secret.value()
    except SecretUnavailable as error:
        logger.error(
            "webhook secret unavailable", extra={"outcome": "secret_unavailable", "error": str(error)}
        )
        return http_response(503, {"ok": False, "error": "temporarily unavailable"})
    if expected is None:
        logger.error("no webhook secret configured: refusing", extra={"outcome": "unauthorized"})
    token = event.headers.get(SECRET_HEADER)  # Powertools' headers are case-insensitive
    if not is_authorized(token, expected):
        logger.warning("secret token missing or wrong", extra={"outcome": "unauthorized"})
        return http_response(401, {"ok": False, "error": "unauthorized"})

    try:
        body = request_body(event)
        update = parse_update(body)
    except Rejected as rejected:
        logger.warning(
            "update rejected",
            extra={"outcome": "rejected", "status": rejected.status, "error": rejected.error},
        )
        return http_response(rejected.status, {"ok": False, "error": rejected.error})

    update_id = update["update_id"]
    fields = {"update_id": update_id, "update_kind": update_kind(update)}
    if settings.allowed_chat_ids is not None and chat_id_of(update) not in settings.allowed_chat_ids:
        # Acknowledged so that Telegram stops redelivering it, but not stored.
        logger.info("update from a chat outside the allow-list", extra={**fields, "outcome": "skipped"})
        return http_response(200, {"ok": True})

    request_time_ms = (event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    day = arrival_day(request_time_ms, settings.timezone, now())
    key = raw_key(update_id, day)
    try:
        put_object(settings.raw_bucket, key, body)
    except Exception as error:
        # Never 200 for an update that was not stored: Telegram retries non-2xx answers.
        logger.exception(
            "storage failed", extra={**fields, "outcome": "storage_error", "error": type(error).__name__}
        )
        return http_response(500, {"ok": False, "error": "storage unavailable"})
    logger.info("update stored", extra={**fields, "outcome": "stored", "key": key})
    return http_response(200, {"ok": True})
