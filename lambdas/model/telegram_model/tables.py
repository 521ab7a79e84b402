"""The model's tables, defined once: their columns (Arrow for the Parquet the model step writes, Glue for
the analytics stack's tables, descriptions for both and for docs/schema.md) and where they live.

Each table is Parquet under PREFIX/<table>/context_date=YYYY-MM-DD/part-00000.parquet in the processed
bucket, one object per partition, replaced whole (telegram_etl.storage.PartitionWriter)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from telegram_etl.schema import BIGINT, BOOLEAN, STRING, STRINGS, TIMESTAMP, Column, ColumnType

MODEL_PREFIX = "model"  # the processed bucket's prefix of the model's tables
DOUBLE = ColumnType(pa.float64(), "double")
# A wall-clock time in the stage's time zone (no zone attached): hour() and CAST(... AS date) are local.
LOCAL_TIMESTAMP = ColumnType(pa.timestamp("ms"), "timestamp")


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    order: tuple[str, ...]  # the row order of a partition (the same bytes on every re-run)
    partition_description: str

    @property
    def partition_key(self) -> Column:
        return Column("context_date", STRING, self.partition_description)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type.arrow, metadata={"description": c.description}) for c in self.columns]
        )

    def prefix(self) -> str:
        return f"{MODEL_PREFIX}/{self.name}"


def _c(name: str, kind: ColumnType, description: str) -> Column:
    return Column(name, kind, description)


CHAT = _c("chat_id", BIGINT, "Chat the message was sent in")
GROUP = _c("group_chat_id", BIGINT, "The chat across a group's upgrade to a supergroup (its new id)")
TOPIC_THREAD = _c("topic_thread_id", BIGINT, "Forum topic of the message (null outside forum topics)")
DATE = _c("date", TIMESTAMP, "When the message was sent (UTC)")
LOCAL_TIME = _c("local_time", LOCAL_TIMESTAMP, "When the message was sent, in the stage's time zone")
TEXT = _c("text", STRING, "Latest text (or caption) of the message, redacted by the ETL")
NORMALIZED = _c("normalized_text", STRING, "Text normalized (lower case, no accents, links, numbers, "
                "punctuation or leading greeting)")  # fmt: skip
KEYWORDS = _c("keywords", STRINGS, "Significant words of the normalized text, in order")
STEMS = _c("keyword_stems", STRINGS, "The stem of each keyword, same order")
LANGUAGE = _c("language", STRING, "Language of a request's text (ISO 639-1; und: too short or unclear; "
              "null: not a request, or processed before languages were detected)")  # fmt: skip
TOPIC = _c("topic", STRING, "Topic: the first matching topic rule's, else the automatic keyword (or null)")
TOPIC_SOURCE = _c("topic_source", STRING, "Where the topic comes from: rule or keyword (null: no topic)")
DAY = "Day the {} arrived (its first version), in the stage's time zone (YYYY-MM-DD)"

MESSAGES = Table(
    "messages", "One row per message of a chat: its latest text, its sender's role, its group and local time",
    (
        CHAT, GROUP, _c("message_id", BIGINT, "The message's id in its chat"),
        _c("album_message_id", BIGINT, "The message an album counts as (its photo with the caption, else "
           "its first); the message's own id outside albums"),
        TOPIC_THREAD, _c("user_id", BIGINT, "Sender (a person's pseudonym by default)"),
        _c("user_username", STRING, "Sender's @username, without the @ (null for people by default)"),
        DATE, LOCAL_TIME, TEXT, NORMALIZED,
        _c("intent", STRING, "What the text does: question, problem, greeting, acknowledgement (or null)"),
        KEYWORDS, STEMS, LANGUAGE,
        _c("command", STRING, "Bot command the message starts with (/start), lower case"),
        _c("is_our_command", BOOLEAN, "A command for our bot (naming no bot, or bot_username)"),
        _c("reply_to_message_id", BIGINT, "Message this one replies to"),
        _c("role", STRING, "Sender's role: service, channel, telegram, staff, our_bot, other_bot, customer"),
    ),
    ("chat_id", "message_id"), DAY.format("message"),
)  # fmt: skip

REQUESTS = Table(
    "requests", "One row per request (a customer message, not a command, that asks or reports a "
    "problem), with its topic",
    (
        CHAT, GROUP, _c("message_id", BIGINT, "The request's message id in its chat"), TOPIC_THREAD,
        _c("user_id", BIGINT, "The asker (a person's pseudonym by default)"),
        DATE, LOCAL_TIME, TEXT, NORMALIZED, KEYWORDS, STEMS, TOPIC, TOPIC_SOURCE, LANGUAGE,
    ),
    ("chat_id", "message_id"), DAY.format("request"),
)  # fmt: skip

CASES = Table(
    "cases", "One row per request (a support case): answered, first responses, feedback, reaction, asked "
    "again, the bot's share, outcome",
    (
        *REQUESTS.columns[:9], TOPIC, TOPIC_SOURCE,
        _c("answered_at", TIMESTAMP, "First answer by staff or our bot within 7 days (not a hand-over)"),
        _c("first_response_minutes", DOUBLE, "Minutes from the request to answered_at, one decimal"),
        _c("staff_answered_at", TIMESTAMP, "First answer by staff within 7 days"),
        _c("staff_first_response_minutes", DOUBLE,
           "Minutes from the request to staff_answered_at, one decimal"),
        _c("bot_answered_at", TIMESTAMP, "First answer by our bot within 7 days (not a hand-over)"),
        _c("bot_first_response_minutes", DOUBLE, "Minutes from the request to bot_answered_at, one decimal"),
        _c("bot_handed_over_at", TIMESTAMP, "First hand-over by our bot (bot_handover_patterns)"),
        _c("feedback", STRING, "The feedback buttons' verdict on the case: resolved, unresolved (or null)"),
        _c("reaction", STRING, "The asker's reaction to an answer: satisfied, unsatisfied (or null)"),
        _c("asked_again", BOOLEAN, "The asker asked again on the same topic within 24 h, not rated resolved"),
        _c("outcome", STRING, "resolved, unresolved or unknown (feedback, then reaction, then asked again)"),
        _c("contained_by_bot", BOOLEAN, "Answered by our bot, not handed over, no staff, not unresolved"),
        _c("escalated_to_staff", BOOLEAN, "Handed over by our bot, or staff answered after the bot"),
    ),
    ("chat_id", "message_id"), DAY.format("request"),
)  # fmt: skip

RATINGS = Table(
    "ratings", "One row per rated feedback prompt and person whose clicks count: their last click, and the "
    "case it rates",
    (
        _c("chat_id", BIGINT, "Chat of the prompt (the message with the feedback buttons)"), GROUP,
        _c("prompt_key", BIGINT, "The prompt's key: the customer message it replies to, else itself"),
        _c("owner_id", BIGINT, "Who rated: the prompt's owner (the author of the customer message it replies "
           "to), or, on a prompt that replies to nothing, a customer with a request before it"),
        _c("verdict", STRING, "Their last click: resolved or unresolved"),
        _c("last_click", BIGINT, "update_id of that click"),
        _c("request_chat_id", BIGINT, "Chat of the rated request (null: no request of the owner within 7 "
           "days before)"),
        _c("request_id", BIGINT, "Message id of the rated request"),
    ),
    ("chat_id", "prompt_key", "owner_id"),
    "Day the last click arrived, in the stage's time zone (YYYY-MM-DD)",
)  # fmt: skip

TABLES: tuple[Table, ...] = (MESSAGES, REQUESTS, CASES, RATINGS)
BY_NAME = {table.name: table for table in TABLES}
