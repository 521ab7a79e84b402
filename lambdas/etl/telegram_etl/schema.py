"""The processed table's schema, defined once.

The ETL writes exactly ARROW_SCHEMA every day, whatever the day contains, and the Glue table of the
analytics stack is generated from COLUMNS and PARTITION_KEY. Change a column here and both follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class ColumnType:
    arrow: pa.DataType
    glue: str  # the Athena/Glue (Hive DDL) type


# Telegram ids exceed 32 bits (chat ids below -2^31, user ids above 2^32): every id is 64-bit.
BIGINT = ColumnType(pa.int64(), "bigint")
STRING = ColumnType(pa.string(), "string")
BOOLEAN = ColumnType(pa.bool_(), "boolean")
# Instants, stored as UTC; queries convert them to the configured timezone.
TIMESTAMP = ColumnType(pa.timestamp("ms", tz="UTC"), "timestamp")
STRINGS = ColumnType(pa.list_(pa.string()), "array<string>")


# Fields of the Bot API's Message object that make it a service message: Telegram's note of an event in the
# chat (members, pins, migrations, topics, video chats, payments, gifts, boosts, giveaways, paid-message
# prices, suggested posts, ...), not something a person wrote. The ETL marks such a message `is_service` and
# the conversation model leaves it out of the messages (docs/conversation-model.md). Source: Bot API 10.3,
# as aiogram 3.31.0 generates it (aiogram/types/message.py); tests/fixtures/bot_api/message_fields.json holds
# that list with each field's description (tests/lambdas/etl/test_service_fields.py keeps the two equal).
# Order: the Bot API's (flatten.content_type checks them after every kind of content).
SERVICE_FIELDS: tuple[str, ...] = (
    "new_chat_members", "left_chat_member", "chat_owner_left", "chat_owner_changed", "new_chat_title",
    "new_chat_photo", "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
    "channel_chat_created", "message_auto_delete_timer_changed", "migrate_to_chat_id", "migrate_from_chat_id",
    "pinned_message", "successful_payment", "refunded_payment", "users_shared", "chat_shared", "gift",
    "unique_gift", "gift_upgrade_sent", "connected_website", "write_access_allowed", "passport_data",
    "proximity_alert_triggered", "boost_added", "chat_background_set", "checklist_tasks_done",
    "checklist_tasks_added", "direct_message_price_changed", "forum_topic_created", "forum_topic_edited",
    "forum_topic_closed", "forum_topic_reopened", "general_forum_topic_hidden",
    "general_forum_topic_unhidden", "giveaway_created", "giveaway", "giveaway_winners", "giveaway_completed",
    "managed_bot_created",
    "paid_message_price_changed", "poll_option_added", "poll_option_deleted", "suggested_post_approved",
    "suggested_post_approval_failed", "suggested_post_declined", "suggested_post_paid",
    "suggested_post_refunded", "video_chat_scheduled", "video_chat_started", "video_chat_ended",
    "video_chat_participants_invited", "web_app_data", "community_chat_added", "community_chat_removed",
    "community_chat_joined", "user_shared",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("update_id", BIGINT, "Telegram's id of the Update; unique per bot, the deduplication key"),
    Column("update_type", STRING, "Kind of Update: message, callback_query, ... (new kinds too)"),
    Column("message_id", BIGINT, "The message, or the one reacted to or whose button was clicked"),
    Column("chat_id", BIGINT, "Chat of the update (a private chat's is its person's pseudonym by default)"),
    Column("chat_type", STRING, "private, group, supergroup or channel"),
    Column("chat_title", STRING, "Title of a group, supergroup or channel"),
    Column("message_thread_id", BIGINT, "Forum topic or reply thread of the message"),
    Column("user_id", BIGINT, "User who acted: sender, clicker, reactor, voter, member changer (a person's "
           "pseudonym when pseudonymize_users is on: docs/privacy.md)"),
    Column("user_is_bot", BOOLEAN, "Whether that user is a bot"),
    Column("user_first_name", STRING, "That user's first name (null for people by default)"),
    Column("user_username", STRING, "That user's @username, without the @ (null for people by default)"),
    Column("user_language_code", STRING, "IETF language tag of that user's Telegram client (null for people "
           "by default)"),
    Column("sender_chat_id", BIGINT, "Chat that acted instead of a user (channel posts, anonymous admins)"),
    Column("date", TIMESTAMP, "When the message was sent or the event happened (UTC); for a button click, "
           "when the message with the button was sent"),
    Column("edit_date", TIMESTAMP, "When the message was last edited (UTC)"),
    Column("text", STRING, "Text of the message, or the caption of its media; CPFs, CNPJs, e-mails, phone "
           "and card numbers and people's @mentions redacted ([cpf], [email], ...)"),
    Column("content_type", STRING, "What the message holds: text, photo, sticker, document, voice, ..."),
    Column("command", STRING, "Bot command the message starts with, lower case, without @botname (/start)"),
    Column("reply_to_message_id", BIGINT, "Message this one replies to (for a button click: the message the "
           "bot's message replied to)"),
    Column("reply_to_user_id", BIGINT, "Author of the message replied to (a person's pseudonym by default)"),
    Column("is_forward", BOOLEAN, "Whether the message was forwarded"),
    Column("callback_data", STRING, "Data of the inline button that was clicked (redacted as text is)"),
    Column("ingested_at", TIMESTAMP, "When the raw update was stored by the webhook (UTC)"),
    # Facts the conversation model reads (docs/conversation-model.md); null in days processed before.
    Column("command_target", STRING, "Bot the command names after @, lower case (null: every bot)"),
    Column("media_group_id", STRING, "Album the message belongs to (one update per photo)"),
    Column("is_topic_message", BOOLEAN, "Whether the message belongs to a forum topic (message_thread_id)"),
    Column("is_automatic_forward", BOOLEAN, "A linked channel's post forwarded into the group by Telegram"),
    Column("is_service", BOOLEAN, "A service message (SERVICE_FIELDS): joins, pins, payments, gifts, ..."),
    Column("migrate_to_chat_id", BIGINT, "Supergroup this group was upgraded to"),
    Column("migrate_from_chat_id", BIGINT, "Group this supergroup was upgraded from"),
    Column("reactions", STRINGS, "The user's reactions after a message_reaction update (emoji, "
           "custom_emoji:<id> or paid)"),
    Column("normalized_text", STRING, "Text lower case, accents folded, links, mentions and long numbers "
           "neutralized, punctuation and a leading greeting removed"),
    Column("intent", STRING, "What the text does: question, problem, greeting, acknowledgement (or null)"),
    Column("keywords", STRINGS, "Significant words of the normalized text, in order (no stop words)"),
    Column("keyword_stems", STRINGS, "The stem of each keyword, same order: paraphrases share them"),
    Column("source", STRING, "Where the update came from: webhook, outgoing (POST /outgoing) or export (a "
           "Telegram Desktop export), by its update_id's range"),
    Column("user_is_staff", BOOLEAN, "Whether that user is in the stage's staff_user_ids when the ETL ran "
           "(the model's staff role; re-run the days after changing staff)"),
    Column("text_language", STRING, "Language of a request's text, detected (ISO 639-1: pt, en, id, ...; "
           "und when too short or unclear; null for other texts); its keywords are that language's "
           "(docs/conversation-model.md)"),
)  # fmt: skip

PARTITION_KEY = Column(
    "context_date", STRING, "Day the update arrived, in the configured timezone (YYYY-MM-DD)"
)

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)

# Columns whose values are nearly all distinct (ids, instants, texts): Parquet's dictionary encoding is left
# out for them, where it would build a dictionary as large as the column and fall back to plain encoding
# anyway; the other columns keep it (BENCHMARKS.md "Realistic chat text": the same values, a file ~5%
# smaller, written ~10% faster). The values read back are the same either way.
PLAIN_ENCODED_COLUMNS: frozenset[str] = frozenset({
    "update_id", "message_id", "date", "edit_date", "ingested_at", "text", "reply_to_message_id",
    "normalized_text", "keywords", "keyword_stems",
})  # fmt: skip
DICTIONARY_COLUMNS: tuple[str, ...] = tuple(
    name for name in COLUMN_NAMES if name not in PLAIN_ENCODED_COLUMNS
)

ARROW_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field(column.name, column.type.arrow, nullable=column.name != "update_id",
                 metadata={"description": column.description})
        for column in COLUMNS
    ]
)  # fmt: skip
