"""Pure rules of the webhook: who may call it, what a valid Update is, and where it is stored."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

MAX_BODY_BYTES = 1024 * 1024
# Telegram's update ids are signed 64-bit integers; a larger one would be quarantined by the ETL (its
# column is int64), so it is refused here instead of answered 200 and lost later.
MAX_UPDATE_ID = 2**63 - 1
RAW_PREFIX = "telegram"
# Updates of chats outside the allow-list: acknowledged, and kept here (never read by the ETL) so that
# they can be recovered, e.g. by copying them under RAW_PREFIX once their chat is allowed.
REFUSED_PREFIX = "refused"


class Rejected(Exception):
    """A request that is answered with an HTTP error and never stored."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def is_authorized(received_token: str | None, expected_secret: str | None) -> bool:
    """Constant-time comparison; with no configured secret every request is refused (fail closed)."""
    if not expected_secret or received_token is None:
        return False
    return hmac.compare_digest(received_token.encode(), expected_secret.encode())


def check_body_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, f"body larger than {MAX_BODY_BYTES} bytes")


def parse_update(body: bytes) -> dict[str, Any]:
    """The Update as a dict, or Rejected(400) saying what is wrong with it."""
    if not body.strip():
        raise Rejected(400, "empty body")
    try:
        update = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Rejected(400, "body is not valid JSON") from None
    except RecursionError:
        # Nesting deeper than the interpreter's recursion limit: malformed input, not a server fault.
        raise Rejected(400, "body is nested too deeply") from None
    if not isinstance(update, dict):
        raise Rejected(400, "body is not a JSON object")
    update_id = update.get("update_id")
    # bool is a subclass of int in Python, and `true` is no update id.
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id <= MAX_UPDATE_ID:
        raise Rejected(400, "update_id missing or not a non-negative 64-bit integer")
    return update


def update_kind(update: dict[str, Any]) -> str | None:
    """The Update's kind: its one optional field besides update_id (message, callback_query, ...)."""
    return next((key for key in update if key != "update_id"), None)


def chat_id_of(update: dict[str, Any]) -> int | None:
    """The chat an Update belongs to, where it has one (callback queries carry it in their message)."""
    kind = update_kind(update)
    payload = update.get(kind) if kind else None
    if not isinstance(payload, dict):
        return None
    for holder in (payload, payload.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            chat_id = holder["chat"].get("id")
            if isinstance(chat_id, int) and not isinstance(chat_id, bool):
                return chat_id
    return None


def arrival_ms(request_time_epoch_ms: int | None, now: datetime) -> int:
    """When the request reached API Gateway, in epoch milliseconds (now when unknown)."""
    if request_time_epoch_ms:
        return int(request_time_epoch_ms)
    return int(now.timestamp() * 1000)


def arrival_day(request_time_epoch_ms: int | None, timezone: ZoneInfo, now: datetime) -> date:
    """The day the request reached API Gateway, in the configured timezone (now when unknown)."""
    if request_time_epoch_ms:
        arrived = datetime.fromtimestamp(request_time_epoch_ms / 1000, tz=timezone)
    else:
        arrived = now.astimezone(timezone)
    return arrived.date()


def raw_key(update_id: int, day: date) -> str:
    """One object per update: a redelivery of the same update overwrites the same key."""
    return f"{RAW_PREFIX}/context_date={day.isoformat()}/{update_id}.json"


def refused_key(update_id: int, day: date) -> str:
    """Like raw_key, under REFUSED_PREFIX: a redelivery of a refused update overwrites the same key."""
    return f"{REFUSED_PREFIX}/context_date={day.isoformat()}/{update_id}.json"


@dataclass(frozen=True)
class Settings:
    raw_bucket: str
    timezone: ZoneInfo
    allowed_chat_ids: frozenset[int] | None
    # raw_layout "firehose": accepted updates go to this Firehose stream (FIREHOSE_STREAM) as records.
    firehose_stream: str | None = None
    # Our bot, whose messages alone POST /outgoing accepts: its user id, else its username.
    bot_user_id: int | None = None
    bot_username: str | None = None
    # The ETL re-runs this many recent days on late data; an /outgoing post for an older day is not.
    late_data_days: int = 7

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        """Validated once per container: a missing bucket or a bad timezone fails loudly at start."""
        raw_bucket = env.get("RAW_BUCKET", "").strip()
        if not raw_bucket:
            raise RuntimeError("RAW_BUCKET is not set")
        timezone = ZoneInfo(env.get("TIMEZONE", "").strip() or "UTC")
        allowed = env.get("ALLOWED_CHAT_IDS", "").strip()
        allowed_ids = frozenset(int(part) for part in allowed.split(",") if part.strip()) if allowed else None
        firehose_stream = env.get("FIREHOSE_STREAM", "").strip() or None
        bot_user_id = env.get("BOT_USER_ID", "").strip()
        return cls(raw_bucket=raw_bucket, timezone=timezone, allowed_chat_ids=allowed_ids,
                   firehose_stream=firehose_stream, bot_user_id=int(bot_user_id) if bot_user_id else None,
                   bot_username=env.get("BOT_USERNAME", "").strip().lstrip("@") or None,
                   late_data_days=int(env.get("LATE_DATA_DAYS", "").strip() or 7))  # fmt: skip
