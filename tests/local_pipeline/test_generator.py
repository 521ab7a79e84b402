"""The demo's conversation generator: seeded, realistic shapes, and a ledger that adds up."""

import json
import re
from collections import Counter

from local_pipeline.generator import generate

CANONICAL = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")  # what the analytics' normalized_text looks like


def test_same_seed_same_updates_other_seed_other_updates():
    assert generate(seed=3, updates=120).deliveries == generate(seed=3, updates=120).deliveries
    assert generate(seed=3, updates=120).deliveries != generate(seed=4, updates=120).deliveries


def test_size_and_days_follow_the_arguments():
    conversation = generate(seed=1, updates=500, days=10)
    distinct = {d.update["update_id"] for d in conversation.deliveries}
    assert 500 <= len(distinct) < 520
    assert len(conversation.deliveries) == len(distinct) + conversation.ledger.redeliveries
    assert sum(conversation.ledger.updates_by_arrival_day.values()) == len(distinct)
    assert 10 <= len(conversation.days) <= 11  # a late reply may arrive after the last midnight


def test_update_and_message_ids_grow_with_time_like_telegrams():
    deliveries = [d for d in generate(seed=2, updates=300).deliveries]
    first_seen = {}
    for d in deliveries:
        first_seen.setdefault(d.update["update_id"], d.request_time_ms)
    ids = list(first_seen)
    assert ids == sorted(ids) and list(first_seen.values()) == sorted(first_seen.values())


def test_it_speaks_every_kind_the_analytics_needs():
    updates = [d.update for d in generate(seed=5, updates=400).deliveries]
    kinds = Counter(next(k for k in u if k != "update_id") for u in updates)
    assert {"message", "edited_message", "callback_query", "message_reaction"} <= set(kinds)
    messages = [u["message"] for u in updates if "message" in u]
    assert any("photo" in m and "caption" in m for m in messages)
    assert any("document" in m for m in messages)
    assert any("new_chat_members" in m for m in messages)
    assert any(m.get("entities", [{}])[0].get("type") == "bot_command" for m in messages)
    assert any("reply_to_message" in m for m in messages)
    assert not any(m["from"]["is_bot"] for m in messages)  # Telegram never sends a bot its own messages
    clicks = [u["callback_query"] for u in updates if "callback_query" in u]
    assert {c["data"] for c in clicks} == {"feedback:resolved", "feedback:unresolved"}
    assert all(c["message"]["from"]["is_bot"] and "reply_to_message" in c["message"] for c in clicks)
    assert "ã" in json.dumps(updates, ensure_ascii=False)  # Portuguese, accents and all


def test_ledger_counts_questions_as_asked():
    conversation = generate(seed=9, updates=300)
    asked = [u["message"]["text"] for u in (d.update for d in conversation.deliveries)
             if "message" in u and "?" in (u["message"].get("text") or "")]  # fmt: skip
    distinct_asked = {d.update["update_id"] for d in conversation.deliveries
                      if "message" in d.update and "?" in (d.update["message"].get("text") or "")}  # fmt: skip
    assert sum(conversation.ledger.questions.values()) == len(distinct_asked) <= len(asked)
    assert all(CANONICAL.fullmatch(q) for q in conversation.ledger.questions)
