"""The ledger: the answers the model must give for what the generator made, computed from its intent
(each request's topic label, who replied to what and when, who clicked what) by the definitions of
docs/conversation-model.md, never from the texts. Tests compare the pipeline's answers with it."""

from __future__ import annotations

import itertools
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from demo_data.group import DAY, RESOLVED, SATISFIED, SMALL_GROUP, SUPERGROUP, UNRESOLVED, UNSATISFIED, WEEK
from demo_data.items import ChatMessage, Click, Item, Reaction

ANSWERERS = ("staff", "our_bot")  # the roles whose replies answer a request
# ... and, kept apart as the model does, our bot's hand-overs (an escalation, never an answer).
ANSWERER_KINDS = (*ANSWERERS, "bot_handover")
# The Ledger's figures of the bot, per topic (bot_handled: answered or handed over).
BOT_SHARE = ("cases", "bot_answered", "contained", "escalated", "handed_over", "bot_handled")


@dataclass
class Ledger:
    """The answers the model must give for what was generated (local time), from the generator's intent."""

    # Q1: customer messages (an album or an edited message once), requests and customers.
    by_hour: dict[int, dict[str, int]] = field(default_factory=dict)  # messages, users, requests
    by_day: dict[date, dict[str, int]] = field(default_factory=dict)  # messages, requests, customers
    by_weekday_hour: Counter[tuple[int, int]] = field(default_factory=Counter)
    # Q2: requests and askers per topic label (covered or not), requests without a topic, commands.
    topics: dict[str, dict[str, int]] = field(default_factory=dict)  # requests, users
    requests_without_topic: int = 0
    commands: dict[str, dict[str, int]] = field(default_factory=dict)  # uses, users
    # Q3
    feedback: dict[str, int] = field(default_factory=dict)  # rated, resolved, unresolved
    questions: int = 0  # requests (support cases)
    answered: int = 0
    median_minutes_to_reply: float | None = None
    # ...and by staff and by our bot apart (a case both answered counts for each; a hand-over is no answer).
    answered_by_staff: int = 0
    answered_by_bot: int = 0
    median_minutes_to_staff: float | None = None
    median_minutes_to_bot: float | None = None
    asked_again: int = 0
    users_who_asked_again: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    # Q3, our bot's share, per topic label (None: no topic): cases, bot_answered, contained, escalated; and
    # the minutes from each request to the bot's first answer (in time order of the requests).
    bot: dict[str | None, dict[str, int]] = field(default_factory=dict)
    minutes_to_bot_answer: dict[str | None, list[float]] = field(default_factory=dict)
    # Delivery
    updates_by_arrival_day: Counter[date] = field(default_factory=Counter)  # distinct updates
    redeliveries: int = 0
    # POST /outgoing: our bot's distinct messages by local day of sending, and the posts made twice.
    outgoing_by_day: Counter[date] = field(default_factory=Counter)
    outgoing_reposts: int = 0


# -- the model's definitions, over what the generator intended ------------------------------------


def _key(message: ChatMessage) -> tuple[int, int]:
    """A message's place in its chat: its time (Telegram's dates are seconds), then its id."""
    return int(message.at.timestamp()), message.message_id


def _seconds(at: datetime) -> int:
    return int(at.timestamp())


def _thread(message: ChatMessage) -> int | None:
    return message.thread.message_id if message.thread is not None else None


def _group(message: ChatMessage) -> int:
    """One chat per group: a group upgraded to a supergroup counts under its new id."""
    return SUPERGROUP["id"] if message.chat is SMALL_GROUP else message.chat["id"]


class _Timeline:
    """Messages of some kind by place (a chat, or a chat and a forum topic), in time order."""

    def __init__(self, messages: list[ChatMessage], place: Any) -> None:
        self.messages: dict[Any, list[ChatMessage]] = defaultdict(list)
        self.keys: dict[Any, list[tuple[int, int]]] = defaultdict(list)
        for message in messages:
            self.messages[place(message)].append(message)
            self.keys[place(message)].append(_key(message))

    def between(self, where: Any, first: int, last: int) -> list[ChatMessage]:
        """Those sent from `first` to `last` (epoch seconds, both included)."""
        keys = self.keys.get(where, [])
        low, high = bisect_left(keys, (first, -1)), bisect_right(keys, (last, 1 << 62))
        return self.messages[where][low:high] if high > low else []

    def latest(self, where: Any, last: int) -> ChatMessage | None:
        """The latest sent at or before `last`."""
        keys = self.keys.get(where, [])
        high = bisect_right(keys, (last, 1 << 62))
        return self.messages[where][high - 1] if high else None

    def before(self, where: Any, message: ChatMessage) -> ChatMessage | None:
        """The latest sent before `message` (same second: a lower id)."""
        keys = self.keys.get(where, [])
        high = bisect_left(keys, _key(message))
        return self.messages[where][high - 1] if high else None


def _customer_messages(items: list[Item]) -> list[ChatMessage]:
    """What customers say: an album once, service messages and everyone else left out."""
    return [m for m in items if isinstance(m, ChatMessage) and m.role == "customer" and m.counted]


def _askers(customer: list[ChatMessage]) -> _Timeline:
    """Requests and our commands, after which a prompt that replies to nothing belongs to their sender."""
    marks = [m for m in customer if m.request or m.command is not None]
    return _Timeline(marks, lambda m: (_group(m), _thread(m)))


def _requests_by_asker(customer: list[ChatMessage]) -> _Timeline:
    """Each asker's requests in each group."""
    return _Timeline([m for m in customer if m.request], lambda m: (_group(m), m.sender["id"]))


def unambiguous_prompts(items: list[Item]) -> None:
    """A prompt of its own belongs to the latest asker before it and rates their latest request: when
    that is not the request it follows (someone else asked in between), the bot replies to it instead."""
    customer = _customer_messages(items)
    askers, asked = _askers(customer), _requests_by_asker(customer)
    for prompt in items:
        if not isinstance(prompt, ChatMessage) or prompt.follows is None or prompt.reply_to is not None:
            continue
        request, at = prompt.follows, _seconds(prompt.at)
        assert request is not None
        latest = askers.latest((_group(prompt), _thread(prompt)), at)
        own = asked.latest((_group(prompt), request.sender["id"]), at)
        if latest is None or latest.sender["id"] != request.sender["id"] or own is not request:
            prompt.reply_to = request


def fill_ledger(items: list[Item], ledger: Ledger, zone: ZoneInfo) -> None:
    messages = [item for item in items if isinstance(item, ChatMessage)]
    customer = _customer_messages(items)
    requests = [m for m in customer if m.request]
    asked = _requests_by_asker(customer)
    week = int(WEEK.total_seconds())

    # Q1: customer messages, requests and customers by local hour and day.
    hours: dict[int, list[Any]] = defaultdict(lambda: [0, set(), 0])
    days: dict[date, list[Any]] = defaultdict(lambda: [0, 0, set()])
    for m in customer:
        local = m.at.astimezone(zone)
        hour, day = hours[local.hour], days[local.date()]
        hour[0], day[0] = hour[0] + 1, day[0] + 1
        hour[2], day[1] = hour[2] + m.request, day[1] + m.request
        hour[1].add(m.sender["id"])
        day[2].add(m.sender["id"])
        ledger.by_weekday_hour[(local.isoweekday(), local.hour)] += 1
    ledger.by_hour = {h: {"messages": v[0], "users": len(v[1]), "requests": v[2]} for h, v in hours.items()}
    ledger.by_day = {d: {"messages": v[0], "requests": v[1], "customers": len(v[2])} for d, v in days.items()}

    # Q2: requests and askers by topic label; our commands.
    topic_users: dict[str, set[int]] = defaultdict(set)
    for r in requests:
        if r.topic is None:
            ledger.requests_without_topic += 1
        else:
            topic_users[r.topic].add(r.sender["id"])
    topic_requests = Counter(r.topic for r in requests if r.topic is not None)
    ledger.topics = {t: {"requests": n, "users": len(topic_users[t])} for t, n in topic_requests.items()}
    command_users: dict[str, set[int]] = defaultdict(set)
    for m in customer:
        if m.command is not None:
            command_users[m.command].add(m.sender["id"])
    command_uses = Counter(m.command for m in customer if m.command is not None)
    ledger.commands = {c: {"uses": n, "users": len(command_users[c])} for c, n in command_uses.items()}

    # Q3: feedback (issue 21). One verdict per prompt and person, their last click. A prompt that replies
    # to a customer's message belongs to that customer and is keyed by that message; any other is keyed
    # by itself and counts any customer's click who has a request in its group and topic within the 7
    # days before it (each asker rates their own case, whoever asked last).
    in_topic = _Timeline(requests, lambda m: (_group(m), _thread(m), m.sender["id"]))
    # (owned, group, chat, message keyed by, clicker, forum topic) -> (update id, verdict, time rated up to)
    clicks: dict[tuple[bool, int, int, int, int, int | None], list[tuple[int, str, int]]] = defaultdict(list)
    for click in items:
        if not isinstance(click, Click):
            continue
        prompt, clicker = click.prompt, click.user["id"]
        replied = (
            prompt.reply_to if prompt.reply_to is not None and prompt.reply_to.role == "customer" else None
        )
        if replied is not None:
            if clicker == replied.sender["id"]:  # others' clicks on someone's prompt are ignored
                key = (True, _group(prompt), prompt.chat["id"], replied.message_id, clicker, None)
                clicks[key].append((click.update_id, click.data, _seconds(replied.at)))
        else:
            key = (False, _group(prompt), prompt.chat["id"], prompt.message_id, clicker, _thread(prompt))
            clicks[key].append((click.update_id, click.data, _seconds(prompt.at)))
    feedback: dict[int, tuple[int, str]] = {}  # id(request) -> (last click, verdict) of its latest rating
    verdicts = Counter()
    for (owned, group_id, _, _, clicker, thread), person_clicks in clicks.items():
        last_click, verdict, _ = max(person_clicks)
        until = max(until for *_, until in person_clicks)
        if owned:
            rated = asked.latest((group_id, clicker), until)
        else:
            rated = in_topic.latest((group_id, thread, clicker), until)
        open_case = rated is not None and _seconds(rated.at) >= until - week
        # The owner's verdict counts even with no case to rate; on a prompt of its own, only an open case's.
        if not owned and not open_case:
            continue
        verdicts[verdict] += 1
        if open_case:
            if id(rated) not in feedback or feedback[id(rated)][0] < last_click:
                feedback[id(rated)] = (last_click, verdict)
    ledger.feedback = {
        "rated": sum(verdicts.values()),
        "resolved": verdicts[RESOLVED],
        "unresolved": verdicts[UNRESOLVED],
    }

    # Answers (issue 21): one reply answers one request within 7 days: the request it replies to, or, for a
    # reply to a follow-up (the asker's message that is not a request), the asker's latest request in the
    # group before it; in a forum topic, also the first message of each of those roles after the request.
    answers: dict[int, list[ChatMessage]] = defaultdict(list)
    in_topics = _Timeline(
        [m for m in messages if m.role in ANSWERERS and m.thread is not None],
        lambda m: (m.chat["id"], _thread(m), m.answerer),
    )
    request_ids = {id(r) for r in requests}
    for a in messages:
        if a.role in ANSWERERS and a.reply_to is not None and a.reply_to.role == "customer":
            target = a.reply_to
            if id(target) in request_ids:
                r = target
            else:  # a follow-up: its asker's latest request before it
                r = asked.before((_group(target), target.sender["id"]), target)
            if r is not None and _seconds(a.at) <= _seconds(r.at) + week:
                answers[id(r)].append(a)
    for r in requests:
        for role in ANSWERER_KINDS if r.thread is not None else ():
            later = in_topics.between(
                (r.chat["id"], _thread(r), role), _seconds(r.at) + 1, _seconds(r.at) + week
            )
            if later:
                answers[id(r)].append(later[0])
    # A hand-over is not an answer: answers proper, and the hand-overs, kept apart.
    handovers = {key: [a for a in found if a.handover] for key, found in answers.items()}
    answers = defaultdict(list, {key: [a for a in found if not a.handover] for key, found in answers.items()})
    minutes = [
        (min(a.at for a in answers[id(r)]) - r.at).total_seconds() / 60 for r in requests if answers[id(r)]
    ]
    ledger.questions, ledger.answered = len(requests), len(minutes)
    ledger.median_minutes_to_reply = statistics.median(minutes) if minutes else None
    by_role = {
        role: [
            (min(a.at for a in answers[id(r)] if a.role == role) - r.at).total_seconds() / 60
            for r in requests
            if any(a.role == role for a in answers[id(r)])
        ]
        for role in ANSWERERS
    }
    ledger.answered_by_staff, ledger.answered_by_bot = len(by_role["staff"]), len(by_role["our_bot"])
    ledger.median_minutes_to_staff = statistics.median(by_role["staff"]) if by_role["staff"] else None
    ledger.median_minutes_to_bot = statistics.median(by_role["our_bot"]) if by_role["our_bot"] else None

    # Asked again: the asker's next request on the same topic (in the same group, across its upgrade)
    # comes within 24 hours, and the case's feedback is not "resolved".
    group = {SMALL_GROUP["id"]: SUPERGROUP["id"]}
    by_topic = _Timeline(
        [r for r in requests if r.topic is not None],
        lambda r: (group.get(r.chat["id"], r.chat["id"]), r.sender["id"], r.topic),
    )
    again: set[int] = set()
    for rs in by_topic.messages.values():
        rs.sort(key=_key)
        for r, following in itertools.pairwise(rs):
            if following.at <= r.at + DAY and feedback.get(id(r), (0, ""))[1] != RESOLVED:
                again.add(id(r))
    ledger.asked_again = len(again)
    ledger.users_who_asked_again = len({r.sender["id"] for r in requests if id(r) in again})

    # Outcomes: feedback, else the asker's current reaction on a message that answered, else asked again.
    current: dict[tuple[int, int], Reaction] = {}
    for item in items:
        if isinstance(item, Reaction):
            current[(id(item.message), item.user["id"])] = item
    minutes_to_bot: dict[str | None, list[float]] = defaultdict(list)
    for r in requests:
        reactions = [current[k] for a in answers[id(r)] if (k := (id(a), r.sender["id"])) in current]
        reaction = max(reactions, key=lambda x: x.update_id).new if reactions else []
        if id(r) in feedback:
            outcome = "resolved" if feedback[id(r)][1] == RESOLVED else "unresolved"
        elif SATISFIED in reaction:
            outcome = "resolved"
        elif UNSATISFIED in reaction:
            outcome = "unresolved"
        else:
            outcome = "unresolved" if id(r) in again else "unknown"
        ledger.outcomes[outcome] += 1

        # Our bot's share: its first answer, its hand-overs and staff's first answer kept apart. Contained:
        # the bot answered, did not hand over, no staff did, and nothing says unresolved (the feedback, else
        # an unsatisfied reaction, else asking again). Escalated: the bot handed over, or staff answered
        # after it.
        bot_at = min((a.at for a in answers[id(r)] if a.role == "our_bot"), default=None)
        staff_at = min((a.at for a in answers[id(r)] if a.role == "staff"), default=None)
        handed_over = bool(handovers.get(id(r)))
        if id(r) in feedback:
            unresolved = feedback[id(r)][1] == UNRESOLVED
        else:
            unresolved = UNSATISFIED in reaction or id(r) in again
        share = ledger.bot.setdefault(r.topic, dict.fromkeys(BOT_SHARE, 0))
        share["cases"] += 1
        share["handed_over"] += handed_over
        share["bot_handled"] += handed_over or bot_at is not None
        share["escalated"] += handed_over or (None not in (bot_at, staff_at) and bot_at < staff_at)
        if bot_at is not None:
            share["bot_answered"] += 1
            share["contained"] += staff_at is None and not handed_over and not unresolved
            minutes_to_bot[r.topic].append((bot_at - r.at).total_seconds() / 60)
    ledger.minutes_to_bot_answer = dict(minutes_to_bot)
