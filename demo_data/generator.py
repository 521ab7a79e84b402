"""A seeded generator of a Portuguese support group over several days, as the Updates Telegram POSTs to
the webhook (the shapes of the real ones in tests/fixtures/telegram).

The group looks like a real one under the conversation model (docs/conversation-model.md): customers, a
few staff members and now and then an anonymous admin; requests by topic, written in several ways (with
and without "?", colloquial, problem statements, order numbers, a leading greeting); greetings,
acknowledgements and "também quero saber" that are not requests; staff replies to a request or to the
asker's follow-up; our bot's answers (FAQ answers by topic, mostly replies, some not; a hand-over to
staff when it has no answer; in the forum topic, without pressing reply), after which staff step in now
and then; its "Isso resolveu sua dúvida?" buttons, mostly as a message of their own, and their clicks by
the asker (who changes their mind now and then), by staff or by another member; albums, edits, members
joining, the channel's automatic forwards (user 777000) and promotions answered with bare "Quero!"s (no
requests), service messages of the Bot API's newer kinds (gifts, payments, boosts...), reactions,
commands (ours, another bot's, one in the middle of a question), a forum topic where staff write without
pressing reply, and a small group upgraded to a supergroup part-way. About 2 % of the updates are
delivered twice, as Telegram retries.

Telegram never sends a bot its own messages: our bot's messages are not among the deliveries (a prompt is
seen there only inside callback_query.message). They are the bot backend's posts to POST /outgoing, as Bot
API Message objects (the `result` of sendMessage): mostly one bare Message, some the whole response
({"ok": true, "result": ...}), a few two messages in a list, and a few posted twice (a retry).

The same seed gives the same updates, byte for byte. Next to them the generator keeps a ledger of the
answers the model must give, computed from what the generator intended (each request's topic label,
who replied to what and when, who clicked what), by the definitions of docs/conversation-model.md, and
never from the texts: tests compare the pipeline's answers with it, not with the SQL.

Here: the run (generate) and the deliveries, as the webhook and POST /outgoing receive them. The parts:
demo_data.group (the people, chats and texts), demo_data.scenarios (the scenes), demo_data.items (what the
scenes make) and demo_data.ledger (the expected answers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from demo_data.conversation import Delivery
from demo_data.group import (
    BOT_HANDOVER_PATTERNS,
    BOT_USERNAME,
    CHAT,
    SMALL_GROUP,
    STAFF_USER_IDS,
    SUPERGROUP,
    TOPIC_RULES,
)
from demo_data.items import ChatMessage, Click, Edit, Item, telegram_payload
from demo_data.ledger import Ledger, fill_ledger, unambiguous_prompts
from demo_data.scenarios import Scenes
from stacks.config import StageConfig


@dataclass(frozen=True)
class GeneratedConversation:
    deliveries: list[Delivery]  # in posting order, redeliveries included
    ledger: Ledger
    days: list[date]  # every local day on which an update arrived
    timezone: str = "America/Sao_Paulo"  # of the days and hours above
    staff_user_ids: tuple[int, ...] = STAFF_USER_IDS
    bot_username: str = BOT_USERNAME
    # Rules for the demo's settings: every topic label but the uncovered ones.
    topic_rules: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(TOPIC_RULES))
    # Our bot's backend's posts to POST /outgoing, in time order, reposts included.
    outgoing: list[Outgoing] = field(default_factory=list)

    def settings(self, stage: str = "demo") -> StageConfig:
        """The group's stage settings: its staff, our bot, its time zone and topic rules."""
        return StageConfig(stage=stage, timezone=self.timezone, staff_user_ids=self.staff_user_ids,
                           bot_username=self.bot_username, topic_rules=self.topic_rules,
                           bot_handover_patterns=BOT_HANDOVER_PATTERNS)  # fmt: skip


def generate(
    *,
    seed: int = 7,
    updates: int = 300,
    days: int = 7,
    start: date = date(2025, 3, 3),
    timezone: str = "America/Sao_Paulo",
) -> GeneratedConversation:
    """About `updates` distinct updates (never fewer) spread over `days` days from `start` (local)."""
    if updates < 1 or days < 1:
        raise ValueError("updates and days must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    zone = ZoneInfo(timezone)
    chat = Scenes(rng, zone, start, days, updates)
    chat.forum_thread()
    chat.migration()
    chat.promotion()
    chat.service_notices(4)
    scenes = [
        (chat.support_thread, 16),
        (chat.resellers_thread, 3),
        (chat.small_talk, 3),
        (chat.member_joins, 1),
        (chat.document, 1),
        (chat.automatic_forward, 1),
        (chat.promotion, 1),
        (chat.service_notices, 1),
    ]
    delivered = counted = 0
    while delivered < updates:
        rng.choices([scene for scene, _ in scenes], weights=[w for _, w in scenes])[0]()
        delivered += sum(_delivered(item) for item in chat.items[counted:])
        counted = len(chat.items)

    # Telegram numbers updates by time, and each chat's messages by time (a supergroup from 1).
    order = sorted(range(len(chat.items)), key=lambda i: (chat.items[i].at, i))
    items = [chat.items[i] for i in order]
    next_id = {CHAT["id"]: 2001, SMALL_GROUP["id"]: 152, SUPERGROUP["id"]: 1}
    for item in items:
        if isinstance(item, ChatMessage):
            item.message_id = next_id[item.chat["id"]]
            next_id[item.chat["id"]] += 1
    unambiguous_prompts(items)
    ledger = Ledger()
    deliveries = _deliver(items, rng, zone, ledger)
    outgoing = _outgoing(items, rng, zone, ledger)
    fill_ledger(items, ledger, zone)
    # Replies late on the last evening may arrive after midnight: that day is processed too.
    days = sorted(set(ledger.updates_by_arrival_day) | set(ledger.outgoing_by_day))
    return GeneratedConversation(deliveries, ledger, days, timezone, outgoing=outgoing)


def _delivered(item: Item) -> bool:
    return item.delivered if isinstance(item, ChatMessage) else True


def _deliver(items: list[Item], rng: random.Random, zone: ZoneInfo, ledger: Ledger) -> list[Delivery]:
    deliveries = []
    next_update_id, last_arrival_ms = 610_000_001, 0
    for item in items:
        if isinstance(item, ChatMessage):
            item.payload = telegram_payload(item)
            if not item.delivered:
                continue  # our bot's: its backend posts them to /outgoing (_outgoing)
            kind, body = "message", item.payload
        elif isinstance(item, Edit):
            assert item.message.payload is not None
            body = {**item.message.payload, "edit_date": int(item.at.timestamp())}
            body["text" if "text" in body else "caption"] = item.text
            kind = "edited_message"
        elif isinstance(item, Click):
            kind, body = (
                "callback_query",
                {
                    "id": str(10**18 + (item.user["id"] * 1_000_003 + next_update_id) % (8 * 10**18)),
                    "from": item.user,
                    "message": item.prompt.payload,
                    "chat_instance": "-5523318846154186000",
                    "data": item.data,
                },
            )
        else:
            kind, body = (
                "message_reaction",
                {
                    "chat": item.message.chat,
                    "message_id": item.message.message_id,
                    "user": item.user,
                    "date": int(item.at.timestamp()),
                    "old_reaction": [{"type": "emoji", "emoji": e} for e in item.old],
                    "new_reaction": [{"type": "emoji", "emoji": e} for e in item.new],
                },
            )
        # Delivered within a second or so, in update_id order.
        arrival_ms = max(int(item.at.timestamp() * 1000) + rng.randrange(200, 1500), last_arrival_ms + 1)
        last_arrival_ms = arrival_ms
        delivery = Delivery({"update_id": next_update_id, kind: body}, arrival_ms)
        item.update_id = next_update_id
        next_update_id += 1
        deliveries.append(delivery)
        ledger.updates_by_arrival_day[datetime.fromtimestamp(arrival_ms / 1000, zone).date()] += 1
        if rng.random() < 0.02:  # Telegram retries when it got no 200 in time: same update again
            deliveries.append(Delivery(delivery.update, arrival_ms + 5000))
            ledger.redeliveries += 1
    return deliveries


@dataclass(frozen=True)
class Outgoing:
    """One POST /outgoing by our bot's backend: its body (JSON) and when it reached API Gateway (ms)."""

    body: Any  # a Message, a list of Messages, or the Bot API response {"ok": true, "result": ...}
    request_time_ms: int

    @property
    def messages(self) -> list[dict[str, Any]]:
        result = self.body.get("result", self.body) if isinstance(self.body, dict) else self.body
        return result if isinstance(result, list) else [result]


def _outgoing(items: list[Item], rng: random.Random, zone: ZoneInfo, ledger: Ledger) -> list[Outgoing]:
    """What our bot's backend posts after each sendMessage: the Message, in the shapes it may take."""
    sent = [m for m in items if isinstance(m, ChatMessage) and m.role == "our_bot"]
    posts, n = [], 0
    while n < len(sent):
        message, shape = sent[n], rng.random()
        following = sent[n + 1] if n + 1 < len(sent) else None
        if shape < 0.08 and following is not None and following.at - message.at <= timedelta(seconds=60):
            # A backend that posts what it sent together (like sendMediaGroup's result): a list.
            body: Any = [message.payload, following.payload]
            message, n = following, n + 2
        elif shape < 0.3:
            body, n = {"ok": True, "result": message.payload}, n + 1  # the whole Bot API response
        else:
            body, n = message.payload, n + 1  # the `result` alone
        at_ms = int(message.at.timestamp() * 1000) + rng.randrange(150, 900)
        posts.append(Outgoing(body, at_ms))
        if rng.random() < 0.05:  # the backend retries a post whose answer it did not get: same body
            posts.append(Outgoing(body, at_ms + rng.randrange(2000, 6000)))
            ledger.outgoing_reposts += 1
    for message in sent:
        ledger.outgoing_by_day[message.at.astimezone(zone).date()] += 1
    return sorted(posts, key=lambda post: post.request_time_ms)
