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

from telegram_ingest.allow_list import AllowList, allowed_chat_key, marker_body
from telegram_ingest.firehose import MAX_RECORD_BYTES, encode_record
from telegram_ingest.outgoing import OurBot, messages_of, outgoing_object, webhook_reply_message
from telegram_ingest.relay import Relay, RelayFailed
from telegram_ingest.secret import SecretUnavailable, WebhookSecret
from telegram_ingest.webhook import (
    REFUSED_PREFIX,
    Rejected,
    Settings,
    arrival_day,
    arrival_ms,
    chat_id_of,
    check_body_size,
    is_authorized,
    parse_update,
    raw_key,
    refused_key,
    update_kind,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret

# put(bucket, key, body) stores one object or raises.
PutObject = Callable[[str, str, bytes], None]
# put_record(data) hands one record to the stage's Firehose stream, or raises (raw_layout "firehose").
PutRecord = Callable[[bytes], None]


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


def unauthorized(event: APIGatewayProxyEvent, secret: WebhookSecret, logger: Logger) -> dict[str, Any] | None:
    """The answer to a request without the right secret header (401, or 503 when the secret cannot be
    read), or None for an authorized one. Every route checks it first."""
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
        logger.warning("secret token missing or wrong", extra={"outcome": "unauthorized", "path": event.path})
        return http_response(401, {"ok": False, "error": "unauthorized"})
    return None


def handle_webhook(
    event: APIGatewayProxyEvent,
    *,
    settings: Settings,
    secret: WebhookSecret,
    put_object: PutObject,
    allow_list: AllowList,
    logger: Logger,
    relay: Relay | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    put_record: PutRecord | None = None,
    time_left_s: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """time_left_s: the function's remaining seconds (the relay stays inside them)."""
    refusal = unauthorized(event, secret, logger)
    if refusal is not None:
        return refusal

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
    request_time_ms = (event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    arrived = now()
    day = arrival_day(request_time_ms, settings.timezone, arrived)
    try:
        refused = not _allowed(update, settings=settings, allow_list=allow_list, put_object=put_object,
                               logger=logger)  # fmt: skip
        key = refused_key(update_id, day) if refused else raw_key(update_id, day)
        record = encode_record(body, arrival_ms(request_time_ms, arrived), update_id) if put_record else b""
        if put_record is not None and not refused and len(record) <= MAX_RECORD_BYTES:
            # Answered 200 only once Firehose has the record: PutRecord returns once it holds it.
            put_record(record)
            key = f"firehose:{settings.firehose_stream}"
        else:  # the object layout, a refused update, or a record above Firehose's limit
            put_object(settings.raw_bucket, key, body)
    except Exception as error:
        # Never 200 for an update that was not stored: Telegram retries non-2xx answers.
        logger.exception(
            "storage failed", extra={**fields, "outcome": "storage_error", "error": type(error).__name__}
        )
        return http_response(500, {"ok": False, "error": "storage unavailable"})
    if refused:
        # Acknowledged so that Telegram stops redelivering it, but kept where it can be recovered, and
        # never silently: the "refused" outcome is counted by a metric filter, which is alarmed.
        logger.warning("update refused: chat outside the allow-list", extra={
            **fields, "outcome": "refused", "chat_id": chat_id_of(update), "key": key})  # fmt: skip
    else:
        logger.info("update stored", extra={**fields, "outcome": "stored", "key": key})
    if relay is not None:

        def record(answer: bytes) -> None:
            # The bot's answer in the webhook response: never posted to /outgoing (no result comes back).
            bot = OurBot(settings.bot_user_id, settings.bot_username)
            message = webhook_reply_message(answer, update, bot, arrival_ms(request_time_ms, arrived) // 1000)
            if message is None:
                return
            chat_allowed = allow_list.allows(message["chat"]["id"])
            key, stored = outgoing_object(message, settings.timezone, refused=not chat_allowed)
            put_object(settings.raw_bucket, key, stored)
            logger.info("webhook answer recorded", extra={**fields, "outcome": "answer_recorded", "key": key})

        return relay_to_backend(relay, body, fields, logger, time_left_s, record)
    return http_response(200, {"ok": True})


def handle_outgoing(
    event: APIGatewayProxyEvent,
    *,
    settings: Settings,
    secret: WebhookSecret,
    put_object: PutObject,
    logger: Logger,
    allow_list: AllowList | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """POST /outgoing: our bot's sent messages, with the /outgoing secret (the stage's OutgoingSecret; the
    webhook's where none is configured); stored, or a clear 4xx. Chats outside the allow-list go to
    refused/, as on /webhook."""
    refusal = unauthorized(event, secret, logger)
    if refusal is not None:
        return refusal
    bot = OurBot(settings.bot_user_id, settings.bot_username)
    if not bot.known:
        # Fail closed: without knowing our bot, any staff or customer message could be stored as the bot's.
        logger.error(
            "outgoing refused: no bot_user_id configured", extra={"outcome": "outgoing_unconfigured"}
        )
        return http_response(403, {"ok": False, "error": "POST /outgoing needs the stage's bot_user_id"})
    allow = allow_list or AllowList(settings.allowed_chat_ids, lambda _key: False)
    try:
        messages = messages_of(request_body(event), bot, now())
        objects = [
            outgoing_object(message, settings.timezone, refused=not allow.allows(message["chat"]["id"]))
            for message in messages
        ]
    except Rejected as rejected:
        details = {
            "outcome": "rejected",
            "route": "outgoing",
            "status": rejected.status,
            "error": rejected.error,
        }
        logger.warning("outgoing rejected", extra=details)
        return http_response(rejected.status, {"ok": False, "error": rejected.error})
    except Exception as error:  # the allow-list's marker lookup failed: nothing stored, the backend retries
        details = {"outcome": "storage_error", "route": "outgoing", "error": type(error).__name__}
        logger.exception("allow-list lookup failed", extra=details)
        return http_response(500, {"ok": False, "error": "storage unavailable"})
    try:
        for key, body in objects:
            put_object(settings.raw_bucket, key, body)
    except Exception as error:
        details = {"outcome": "storage_error", "route": "outgoing", "error": type(error).__name__}
        logger.exception("storage failed", extra=details)
        return http_response(500, {"ok": False, "error": "storage unavailable"})
    refused = [key for key, _ in objects if key.startswith(f"{REFUSED_PREFIX}/")]
    # Relative to when the post arrived (API Gateway's clock; a replay's own time locally).
    request_time_ms = (event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    today = arrival_day(request_time_ms, settings.timezone, now())
    for message, (key, _) in zip(messages, objects, strict=True):
        day = datetime.fromtimestamp(message["date"], tz=settings.timezone).date()
        if key not in refused and (today - day).days >= settings.late_data_days:
            # The ETL's scheduled runs re-run only the last late_data_days days: this one needs a manual run.
            details = {"outcome": "late_beyond_window", "route": "outgoing", "context_date": day.isoformat()}
            logger.warning("outgoing for a day the ETL no longer re-runs", extra=details)
    answer: dict[str, Any] = {"ok": True, "stored": len(objects) - len(refused)}
    if refused:
        answer["refused"] = len(refused)
        logger.warning("outgoing refused: chat outside the allow-list", extra={
            "outcome": "refused", "route": "outgoing", "messages": len(refused)})  # fmt: skip
    logger.info(
        "outgoing stored", extra={"outcome": "stored", "route": "outgoing", "messages": answer["stored"]}
    )
    return http_response(200, answer)


def relay_to_backend(
    relay: Relay, body: bytes, fields: dict[str, Any], logger: Logger,
    time_left_s: Callable[[], float] | None = None, record: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The bot backend's answer to the stored update, as Telegram's answer (telegram_ingest.relay says
    when it is a 502, which Telegram redelivers, and when a 200 that keeps the backend from a duplicate)."""
    try:
        answer = relay.forward(body, time_left_s) if time_left_s else relay.forward(body)
    except RelayFailed as error:  # its message names no URL and no secret
        details = {**fields, "error": str(error)}
        if error.delivered:
            logger.error("relay unanswered: Telegram is answered 200 (the update was sent whole)",
                         extra={**details, "outcome": "relay_unanswered"})  # fmt: skip
            return http_response(200, {"ok": True})
        logger.error("relay failed", extra={**details, "outcome": "relay_error"})
        return http_response(502, {"ok": False, "error": "bot backend unavailable"})
    if answer.too_large:
        logger.error("relay answer too large: not passed to Telegram", extra={
            **fields, "outcome": "relay_answer_too_large", "relay_status": answer.status})  # fmt: skip
        return http_response(answer.status, {"ok": 200 <= answer.status < 300})
    logger.info("update relayed", extra={**fields, "outcome": "relayed", "relay_status": answer.status})
    if record is not None and 200 <= answer.status < 300 and answer.body:
        try:
            record(answer.body)
        except Exception as error:  # the update is stored and the backend answered: Telegram gets it
            logger.exception("webhook answer not recorded", extra={
                **fields, "outcome": "answer_not_recorded", "error": type(error).__name__})  # fmt: skip
    response: dict[str, Any] = {"statusCode": answer.status, "headers": {"Content-Type": answer.content_type}}
    try:
        response["body"] = answer.body.decode("utf-8")
    except UnicodeDecodeError:
        response["body"], response["isBase64Encoded"] = base64.b64encode(answer.body).decode(), True
    return response


def _allowed(
    update: dict[str, Any],
    *,
    settings: Settings,
    allow_list: AllowList,
    put_object: PutObject,
    logger: Logger,
) -> bool:
    """Whether the Update's chat is allowed, after following a migration that it announces from an
    allowed chat (the marker is stored first: if anything later fails, the retry does it all again)."""
    migration = allow_list.migration_to_follow(update)
    if migration is not None:
        old, new = migration
        put_object(settings.raw_bucket, allowed_chat_key(new), marker_body(old, new, update["update_id"]))
        allow_list.remember(new)
        logger.info("allow-list follows a chat migration", extra={
            "outcome": "chat_migrated", "migrated_from": old, "chat_id": new})  # fmt: skip
    return allow_list.allows(chat_id_of(update))
