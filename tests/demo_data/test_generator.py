"""The demo's conversation generator: seeded, sized as asked, realistic shapes, every phenomenon of a
real support group under the conversation model, and a ledger that adds up."""

import itertools
import json
import re
from collections import Counter

import pytest

from demo_data.generator import generate
from demo_data.group import (
    ANONYMOUS_ADMIN,
    BOT,
    BOT_ANSWERS,
    BOT_HANDOFF,
    BOT_HANDOVER_PATTERNS,
    BOT_USERNAME,
    CHAT,
    FEEDBACK_MARKUP,
    FEEDBACK_TEXT,
    FOLLOW_UPS,
    ME_TOO,
    PROMO_POSTS,
    REQUESTS,
    SERVICE_NOTICES,
    SMALL_GROUP,
    SUPERGROUP,
    TOPIC_RULES,
    WISHES,
)
from demo_data.ledger import BOT_SHARE
from stacks.config import DEFAULT_BOT_HANDOVER_PATTERNS
from telegram_etl.schema import SERVICE_FIELDS
from telegram_etl.text import normalize


@pytest.fixture(scope="module")
def conversation():
    return generate(seed=5, updates=600, days=7)


@pytest.fixture(scope="module")
def updates(conversation):
    return list({d.update["update_id"]: d.update for d in conversation.deliveries}.values())


def _kind(update):
    return next(k for k in update if k != "update_id")


def _messages(updates, kind="message"):
    return [u[kind] for u in updates if kind in u]


def test_same_seed_same_bytes_other_seed_other_updates():
    def as_bytes(conversation):
        return [
            (json.dumps(d.update, ensure_ascii=False), d.request_time_ms) for d in conversation.deliveries
        ]

    assert as_bytes(generate(seed=3, updates=120)) == as_bytes(generate(seed=3, updates=120))
    assert generate(seed=3, updates=120).outgoing == generate(seed=3, updates=120).outgoing
    assert generate(seed=3, updates=120).ledger == generate(seed=3, updates=120).ledger
    assert as_bytes(generate(seed=3, updates=120)) != as_bytes(generate(seed=4, updates=120))


@pytest.mark.parametrize(("updates", "days"), [(1, 1), (500, 10), (3000, 7)])
def test_size_days_and_redeliveries_follow_the_arguments(updates, days):
    conversation = generate(seed=1, updates=updates, days=days)
    distinct = {d.update["update_id"] for d in conversation.deliveries}
    assert updates <= len(distinct) < updates + 60  # never fewer; the last scene may add a few
    assert len(conversation.deliveries) == len(distinct) + conversation.ledger.redeliveries
    assert sum(conversation.ledger.updates_by_arrival_day.values()) == len(distinct)
    assert days <= len(conversation.days) <= days + 1  # a late reply may arrive after the last midnight
    if updates >= 500:
        assert 0.005 < conversation.ledger.redeliveries / len(distinct) < 0.04  # about 2 %


def test_invalid_sizes_are_refused():
    with pytest.raises(ValueError):
        generate(updates=0)
    with pytest.raises(ValueError):
        generate(days=0)


def test_update_ids_and_each_chats_message_ids_grow_with_time_like_telegrams(updates, conversation):
    first_seen = {}
    for d in conversation.deliveries:
        first_seen.setdefault(d.update["update_id"], d.request_time_ms)
    assert list(first_seen) == sorted(first_seen) and list(first_seen.values()) == sorted(first_seen.values())
    by_chat = {}
    for message in _messages(updates):
        by_chat.setdefault(message["chat"]["id"], []).append((message["date"], message["message_id"]))
    for sent in by_chat.values():
        assert sent == sorted(sent) and len({m for _, m in sent}) == len(sent)
    # A supergroup made from a group numbers its messages from 1.
    assert min(m for _, m in by_chat[SUPERGROUP["id"]]) == 1


def test_settings_of_the_group_are_exposed_and_valid(conversation):
    settings = conversation.settings()
    assert settings.bot_username == BOT_USERNAME and len(settings.staff_user_ids) >= 2
    # The rules cover every template topic but one or two, left to the automatic topics.
    uncovered = [topic for topic in REQUESTS if topic is not None and topic not in TOPIC_RULES]
    assert 1 <= len(uncovered) <= 2 and set(TOPIC_RULES) < set(REQUESTS)


def test_customers_staff_anonymous_admin_and_no_bot_message(conversation, updates):
    messages = _messages(updates)
    senders = Counter(m["from"]["id"] for m in messages)
    assert all(senders[staff] > 0 for staff in conversation.staff_user_ids)
    anonymous = [
        m for m in messages if m["from"]["id"] == ANONYMOUS_ADMIN["id"] and "migrate_from_chat_id" not in m
    ]
    assert anonymous and all(m["sender_chat"]["id"] == m["chat"]["id"] == CHAT["id"] for m in anonymous)
    assert all("reply_to_message" in m for m in anonymous)  # answering someone
    # Telegram never sends a bot its own messages: our bot's appear only inside callback queries.
    assert not any(
        m["from"].get("username") == BOT_USERNAME for m in messages + _messages(updates, "edited_message")
    )
    customers = {m["from"]["id"] for m in messages if not m["from"]["is_bot"]} - set(
        conversation.staff_user_ids
    )
    assert len(customers) >= 20


def test_requests_of_every_topic_in_many_ways(conversation, updates):
    texts = [m.get("text") or m.get("caption") or "" for m in _messages(updates)]
    assert set(conversation.ledger.topics) == {topic for topic in REQUESTS if topic is not None}
    assert all(len(REQUESTS[topic]) >= 3 for topic in REQUESTS)
    assert any(
        t.startswith("Boa tarde, ") and t != "Boa tarde, tudo bem?" for t in texts
    )  # greeting + request
    assert any(re.match(r"(?i)(cadê|cade|kd) meu pedido", t) for t in texts)  # colloquial
    assert any(re.search(r"\b\d{5}\b", t) and "?" in t for t in texts)  # order numbers
    assert any(t.endswith("ainda não chegou") or t.endswith("quero trocar") for t in texts)  # no "?"
    assert any(t.endswith("??") for t in texts)
    assert any(t == "Como uso o /rastreio?" for t in texts)  # a command inside a question: a request
    for not_a_request in ("Boa tarde, tudo bem?", "Obrigado!", "Pode deixar"):
        assert not_a_request in texts
    assert conversation.ledger.requests_without_topic > 0


def test_staff_reply_to_requests_and_to_follow_ups_and_others_say_me_too(updates):
    messages = _messages(updates)
    follow_ups = re.compile("|".join(re.escape(f).replace(r"\{n\}", r"\d+") for f in FOLLOW_UPS))
    replies = [(m, m["reply_to_message"]) for m in messages if "reply_to_message" in m]
    staff_replies = [(m, r) for m, r in replies if m["from"]["id"] != r["from"]["id"]]
    assert any(follow_ups.fullmatch(r.get("text", "")) for _, r in staff_replies)
    assert sum(1 for _, r in staff_replies if "?" in r.get("text", "")) > 10
    assert any(m.get("text") in ME_TOO and not r["from"]["is_bot"] for m, r in replies)
    assert all("reply_to_message" not in r for _, r in replies)  # Telegram nests one level only


def test_feedback_prompts_mostly_of_their_own_and_clicks_by_owner_and_others(updates):
    clicks = [u["callback_query"] for u in updates if "callback_query" in u]
    assert {c["data"] for c in clicks} == {"feedback:resolved", "feedback:unresolved"}
    prompts = {c["message"]["message_id"]: c["message"] for c in clicks}
    assert all(
        p["from"]["username"] == BOT_USERNAME and p["text"] == "Isso resolveu sua dúvida?"
        for p in prompts.values()
    )
    replying = [p for p in prompts.values() if "reply_to_message" in p]
    assert 0 < len(replying) < len(prompts) / 2
    by_prompt = {}
    for c in clicks:
        by_prompt.setdefault(c["message"]["message_id"], []).append(c)
    changed = [
        cs
        for cs in by_prompt.values()
        if len({c["data"] for c in cs if c["from"]["id"] == cs[-1]["from"]["id"]}) == 2
    ]
    assert changed  # someone changed their mind
    assert any(
        len({c["from"]["id"] for c in cs}) > 1 for cs in by_prompt.values()
    )  # someone else pressed too


def test_albums_edits_joins_forwards_and_reactions(conversation, updates):
    messages = _messages(updates)
    albums = {}
    for m in messages:
        if "media_group_id" in m:
            albums.setdefault(m["media_group_id"], []).append(m)
    assert albums and all(2 <= len(items) <= 4 for items in albums.values())
    for items in albums.values():
        assert "caption" in items[0] and not any("caption" in m for m in items[1:])
        assert [m["message_id"] for m in items] == list(
            range(items[0]["message_id"], items[0]["message_id"] + len(items))
        )
    edits = _messages(updates, "edited_message")
    originals = {(m["chat"]["id"], m["message_id"]): m for m in messages}
    pairs = [(originals[(e["chat"]["id"], e["message_id"])], e) for e in edits]
    assert all(e["date"] == o["date"] < e["edit_date"] and e["text"] != o["text"] for o, e in pairs)
    assert any("?" in o["text"] for o, _ in pairs)  # a question whose text changes
    assert any(
        o["text"] == "Meu pedido " + o["text"].split()[-1] and "não chegou" in e["text"] for o, e in pairs
    )
    assert any("new_chat_members" in m for m in messages)
    forwards = [m for m in messages if m.get("is_automatic_forward")]
    assert forwards and all(
        m["from"]["id"] == 777000 and m["sender_chat"]["type"] == "channel" for m in forwards
    )
    reactions = [u["message_reaction"] for u in updates if "message_reaction" in u]
    emoji = {r["new_reaction"][0]["emoji"] for r in reactions if r["new_reaction"]}
    assert emoji == {"👍", "👎"}
    staff_messages = {
        (m["chat"]["id"], m["message_id"]): m
        for m in messages
        if m["from"]["id"] in conversation.staff_user_ids or m.get("sender_chat") == m["chat"]
    }
    bot_messages = {(m["chat"]["id"], m["message_id"]): m for p in conversation.outgoing for m in p.messages}
    answers = staff_messages | bot_messages
    assert all((r["chat"]["id"], r["message_id"]) in answers for r in reactions)
    assert any(
        (r["chat"]["id"], r["message_id"]) in bot_messages for r in reactions
    )  # on the bot's answers too
    # The reaction is the asker's: the author of what the staff (or bot) message answered.
    assert all(
        answers[(r["chat"]["id"], r["message_id"])]["reply_to_message"]["from"]["id"] == r["user"]["id"]
        for r in reactions
    )


def test_commands_ours_and_another_bots(conversation, updates):
    commands = [m for m in _messages(updates) if m.get("entities", [{}])[0].get("type") == "bot_command"]
    leading = {m["text"].split()[0] for m in commands if m["entities"][0]["offset"] == 0}
    assert {"/start", "/status", f"/ajuda@{BOT_USERNAME}", "/start@OutroBot"} <= leading
    assert "/start@outrobot" not in conversation.ledger.commands and "/start" in conversation.ledger.commands
    assert any(m["entities"][0]["offset"] > 0 for m in commands)  # "Como uso o /rastreio?"


def test_a_forum_topic_where_staff_write_without_pressing_reply(conversation, updates):
    messages = _messages(updates)
    (created,) = [m for m in messages if "forum_topic_created" in m]
    assert created["message_thread_id"] == created["message_id"] and created["is_topic_message"]
    in_topic = [
        m for m in messages if m.get("message_thread_id") == created["message_id"] and m is not created
    ]
    assert all(
        m["is_topic_message"] and m["reply_to_message"]["message_id"] == created["message_id"]
        for m in in_topic
    )
    staff = [m for m in in_topic if m["from"]["id"] in conversation.staff_user_ids]
    assert staff and len(in_topic) > len(staff)


def test_a_small_group_becomes_a_supergroup_part_way(updates):
    messages = _messages(updates)
    (moved,) = [m for m in messages if "migrate_to_chat_id" in m]
    (arrived,) = [m for m in messages if "migrate_from_chat_id" in m]
    assert moved["chat"] == SMALL_GROUP and moved["migrate_to_chat_id"] == SUPERGROUP["id"]
    assert arrived["chat"] == SUPERGROUP and arrived["migrate_from_chat_id"] == SMALL_GROUP["id"]
    assert arrived["from"]["id"] == ANONYMOUS_ADMIN["id"] and arrived["sender_chat"]["id"] == SUPERGROUP["id"]
    before = [m for m in messages if m["chat"]["id"] == SMALL_GROUP["id"] and m is not moved]
    after = [m for m in messages if m["chat"]["id"] == SUPERGROUP["id"] and m is not arrived]
    assert before and after
    assert max(m["date"] for m in before) <= moved["date"] <= arrived["date"] <= min(m["date"] for m in after)


def test_promotions_answered_with_bare_wishes_and_service_messages_of_the_newer_kinds(conversation, updates):
    """Issue 21 item 6: "Quero!" replies under the channel's promotions, and gifts, payments, boosts...
    sent as members. The ledger counts the wishes as customer messages (not requests) and the service
    messages nowhere: its Q1 total is every customer's message, by the model's roles, from the updates."""
    messages = _messages(updates)
    promotions = {
        m["message_id"] for m in messages if m.get("text") in PROMO_POSTS and m["is_automatic_forward"]
    }
    wishes = [m for m in messages if m.get("text") in WISHES]
    assert promotions and len(wishes) >= 2
    assert all(m["reply_to_message"]["message_id"] in promotions for m in wishes)
    assert any(m.get("reply_to_message", {}).get("message_id") in promotions and "?" in m["text"]
               for m in messages if "text" in m)  # fmt: skip
    notices = [m for m in messages if any(kind in m for kind, _ in SERVICE_NOTICES)]
    assert len({kind for m in notices for kind, _ in SERVICE_NOTICES if kind in m}) >= 3
    assert any(m["from"]["id"] not in conversation.staff_user_ids for m in notices)  # sent as customers

    not_customers = {*conversation.staff_user_ids, 777000, ANONYMOUS_ADMIN["id"]}
    albums: set[str] = set()
    customer_messages = 0
    for m in messages:
        if m["from"]["id"] in not_customers or m["from"]["is_bot"] or "sender_chat" in m:
            continue
        if not SERVICE_FIELDS_SET.isdisjoint(m) or m.get("media_group_id") in albums:
            continue
        if "media_group_id" in m:
            albums.add(m["media_group_id"])
        customer_messages += 1
    assert sum(h["messages"] for h in conversation.ledger.by_hour.values()) == customer_messages


SERVICE_FIELDS_SET = frozenset(SERVICE_FIELDS)


def test_the_ledger_adds_up(conversation):
    ledger = conversation.ledger
    by_hour, by_day = ledger.by_hour.values(), ledger.by_day.values()
    assert (
        sum(h["messages"] for h in by_hour)
        == sum(d["messages"] for d in by_day)
        == sum(ledger.by_weekday_hour.values())
    )
    assert sum(h["requests"] for h in by_hour) == sum(d["requests"] for d in by_day) == ledger.questions
    assert (
        ledger.questions == sum(t["requests"] for t in ledger.topics.values()) + ledger.requests_without_topic
    )
    assert ledger.feedback["rated"] == ledger.feedback["resolved"] + ledger.feedback["unresolved"] > 0
    assert 0 < ledger.answered < ledger.questions and ledger.median_minutes_to_reply > 0
    assert 0 < ledger.asked_again < ledger.questions
    assert sum(ledger.outcomes.values()) == ledger.questions and set(ledger.outcomes) == {
        "resolved",
        "unresolved",
        "unknown",
    }


def test_the_bots_messages_are_bot_api_results_posted_to_outgoing(conversation, updates):
    """What the bot sent, as sendMessage returns it: from the bot, in the group's numbering, replies or
    not, prompts with their buttons, in the forum topic with its thread; the same as the callbacks show."""
    posts = conversation.outgoing
    sent = {}
    for post in posts:
        for m in post.messages:
            sent.setdefault((m["chat"]["id"], m["message_id"]), m)
            assert sent[(m["chat"]["id"], m["message_id"])] == m  # a repost is the same message
            assert post.request_time_ms >= m["date"] * 1000  # posted after it was sent
    bot = list(sent.values())
    assert len(bot) == sum(conversation.ledger.outgoing_by_day.values()) > 20
    assert all(m["from"] == BOT and m["from"]["is_bot"] and m["chat"] == CHAT for m in bot)
    assert all(isinstance(m["date"], int) and m["text"] for m in bot)
    # The bot's messages take their ids in the group's sequence: never one of the delivered messages'.
    delivered = {(m["chat"]["id"], m["message_id"]) for m in _messages(updates)}
    assert not delivered & set(sent)
    assert [p.request_time_ms for p in posts] == sorted(p.request_time_ms for p in posts)

    answers = {text for texts in BOT_ANSWERS.values() for text in texts}
    faq = [m for m in bot if m["text"] in answers]
    replies = [m for m in faq if "reply_to_message" in m and "message_thread_id" not in m]
    assert replies and all(m["reply_to_message"]["from"]["is_bot"] is False for m in replies)
    assert all("reply_to_message" not in m["reply_to_message"] for m in replies)  # one level only
    assert any("reply_to_message" not in m for m in faq)  # answers that are not replies
    in_topic = [m for m in faq if "message_thread_id" in m]
    assert in_topic and all(
        m["is_topic_message"] and m["reply_to_message"]["message_id"] == m["message_thread_id"]
        for m in in_topic
    )
    assert any(m["text"] == BOT_HANDOFF and "reply_to_message" in m for m in bot)
    prompts = [m for m in bot if m["text"] == FEEDBACK_TEXT]
    assert prompts and all(m["reply_markup"] == FEEDBACK_MARKUP for m in prompts)
    assert not any("reply_markup" in m for m in bot if m["text"] != FEEDBACK_TEXT)
    # Every prompt clicked is the very message the bot posted.
    for click in (u["callback_query"] for u in updates if "callback_query" in u):
        assert sent[(click["message"]["chat"]["id"], click["message"]["message_id"])] == click["message"]

    # The shapes a backend posts: the result alone, the whole response, a list; some posted twice.
    bodies = [p.body for p in posts]
    assert any(isinstance(b, dict) and "message_id" in b for b in bodies)
    assert any(isinstance(b, dict) and b.get("ok") is True and "message_id" in b["result"] for b in bodies)
    assert any(isinstance(b, list) and len(b) == 2 for b in bodies)
    reposted = sum(1 for a, b in itertools.pairwise(sorted(json.dumps(b) for b in bodies)) if a == b)
    assert reposted == conversation.ledger.outgoing_reposts > 0


def test_the_bots_share_adds_up(conversation):
    ledger = conversation.ledger
    totals = {key: sum(share[key] for share in ledger.bot.values()) for key in BOT_SHARE}
    assert totals["cases"] == ledger.questions and set(ledger.bot) - {None} == set(ledger.topics)
    assert 0 < totals["bot_answered"] <= ledger.answered
    assert 0 < totals["contained"] and 0 < totals["handed_over"] < totals["escalated"]
    for topic, share in ledger.bot.items():
        # A hand-over is an escalation, never an answer: handled = answered or handed over.
        assert share["contained"] + share["escalated"] <= share["bot_handled"] <= share["cases"]
        assert share["contained"] <= share["bot_answered"] <= share["bot_handled"]
        assert share["handed_over"] <= share["escalated"]
        assert share["bot_handled"] <= share["bot_answered"] + share["handed_over"]
        assert len(ledger.minutes_to_bot_answer.get(topic, [])) == share["bot_answered"]
    minutes = [m for ms in ledger.minutes_to_bot_answer.values() for m in ms]
    assert (
        all(m > 0 for m in minutes) and sorted(minutes)[len(minutes) // 2] < 1
    )  # the bot answers in seconds


def test_the_demo_handover_patterns_match_the_handover_and_no_faq_answer():
    """Under the ETL's normalization, the demo's bot_handover_patterns (and the default ones) match
    BOT_HANDOFF and none of the bot's FAQ answers or its feedback prompt."""
    others = [*(t for texts in BOT_ANSWERS.values() for t in texts), FEEDBACK_TEXT]
    for patterns in (BOT_HANDOVER_PATTERNS, DEFAULT_BOT_HANDOVER_PATTERNS):
        either = re.compile("|".join(f"(?:{p})" for p in patterns))
        assert either.search(normalize(BOT_HANDOFF))
        assert not [t for t in others if either.search(normalize(t))]
