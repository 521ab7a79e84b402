"""Where a row came from, from its update_id's range (telegram_etl.sources): the ranges the writers use
(the webhook's Telegram ids, /outgoing's and the export's synthetic ids) never overlap, and the model's
max(update_id) prefers a live copy of a message to an exported one."""

import json
import random
from zoneinfo import ZoneInfo

from telegram_etl.flatten import flatten
from telegram_etl.sources import EXPORT_MAX, EXPORT_MIN, OUTGOING_MIN, export_update_id, source_of
from telegram_ingest.outgoing import outgoing_object, outgoing_update_id
from telegram_ingest.webhook import MAX_UPDATE_ID
from tests.helpers import load_fixture


def pairs(count: int) -> list[tuple[int, int]]:
    rng = random.Random(13)
    chats = [-(10**12) - rng.randrange(1, 10**10) for _ in range(8)] + [
        rng.randrange(1, 2**40),
        -rng.randrange(1, 10**10),
    ]
    return [(rng.choice(chats), rng.randrange(1, 2**31)) for _ in range(count)]


def test_ranges_are_disjoint_and_ordered():
    assert EXPORT_MIN < EXPORT_MAX < OUTGOING_MIN < -1 < 0 <= MAX_UPDATE_ID
    assert (source_of(0), source_of(MAX_UPDATE_ID)) == ("webhook", "webhook")
    assert (source_of(-1), source_of(OUTGOING_MIN)) == ("outgoing", "outgoing")
    assert (source_of(OUTGOING_MIN - 1), source_of(EXPORT_MAX), source_of(EXPORT_MIN)) == ("export",) * 3
    assert source_of(None) is None


def test_each_writer_stays_in_its_range():
    for chat_id, message_id in pairs(20_000):
        assert source_of(outgoing_update_id(chat_id, message_id)) == "outgoing"
        exported = export_update_id(chat_id, message_id)
        assert EXPORT_MIN <= exported <= EXPORT_MAX
        assert exported == export_update_id(chat_id, message_id)  # the same on every import


def test_export_ids_are_distinct_across_messages():
    messages = set(pairs(50_000))
    assert len({export_update_id(chat, message) for chat, message in messages}) == len(messages)


def test_every_source_reaches_the_row():
    webhook = load_fixture("01_group_text.json")
    message = webhook["message"]
    _, body = outgoing_object(
        {**message, "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}, ZoneInfo("UTC")
    )
    exported = {
        "update_id": export_update_id(message["chat"]["id"], message["message_id"]),
        "message": message,
    }
    assert [flatten(update, None)["source"] for update in (webhook, json.loads(body), exported)] == [
        "webhook", "outgoing", "export",
    ]  # fmt: skip


def test_a_live_copy_outranks_an_exported_one():
    """messages.cte.sql keeps max(update_id) per (chat_id, message_id): webhook > outgoing > export."""
    for chat_id, message_id in pairs(1_000):
        assert 0 > outgoing_update_id(chat_id, message_id) > export_update_id(chat_id, message_id)
