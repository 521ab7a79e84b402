"""The scenes of the demo's conversation (docs/conversation-model.md): support threads with requests, staff
replies, our bot's answers, hand-overs and feedback prompts and their clicks; resellers' talk, small
talk, members joining, documents, the channel's automatic forwards and promotions (with bare "Quero!"
replies), service messages of the newer kinds (gifts, payments, boosts...), the forum topic and the small
group's upgrade to a supergroup. Each scene adds items to the conversation, with the generator's intent
on them.

Longer than 500 lines: it is one class, Scenes, whose methods are the scenes; they share the conversation's
state (its random generator, clock and items), and a tenth of the file is the import of the group's texts.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from demo_data.group import (
    ACKNOWLEDGEMENTS,
    ALBUM_CAPTIONS,
    ALBUM_REQUESTS,
    ANONYMOUS_ADMIN,
    BECOMES_REQUEST,
    BOT,
    BOT_ANSWERS,
    BOT_HANDOFF,
    CAPTIONS,
    CHANNEL,
    CHANNEL_POSTS,
    CHAT,
    CITIES,
    COMMANDS,
    CUSTOMER_NAMES,
    DAY,
    EDITED_REQUESTS,
    FEEDBACK_MARKUP,
    FEEDBACK_TEXT,
    FOLLOW_UPS,
    FORUM_REQUESTS,
    FORUM_TOPIC,
    GREETINGS,
    HOUR_WEIGHTS,
    LEADING_GREETINGS,
    ME_TOO,
    MID_TEXT_COMMAND,
    NEWCOMER_HELLO,
    PROMO_POSTS,
    PROMO_QUESTIONS,
    REQUESTS,
    RESELLER_NAMES,
    RESOLVED,
    SATISFIED,
    SERVICE_NOTICES,
    SMALL_GROUP,
    STAFF,
    STAFF_ANSWERS,
    SUPERGROUP,
    TELEGRAM,
    TOPIC_WEIGHTS,
    UNRESOLVED,
    UNSATISFIED,
    WISHES,
)
from demo_data.items import ChatMessage, Click, Edit, Item, Reaction


def _person(user_id: int, first_name: str, username: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "username": username,
        "language_code": "pt-br",
    }


def _cpf(nine: str) -> str:
    """A CPF with its two check digits (Receita Federal's mod-11 rule), formatted 000.000.000-00."""
    digits = [int(char) for char in nine]
    for _ in range(2):
        check = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True)) * 10 % 11
        digits.append(check % 10)
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def _ascii(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


class Scenes:
    def __init__(self, rng: random.Random, timezone: ZoneInfo, start: date, days: int, size: int) -> None:
        self.rng, self.timezone, self.start, self.days = rng, timezone, start, days
        self.end = datetime.combine(start + timedelta(days=days), time(0), tzinfo=timezone)
        self.items: list[Item] = []
        self.staff = [_person(*person) for person in STAFF]
        # A bigger group has more customers: about one per 3 updates while small (few customers would ask
        # several times a week, and the model would pair their cases), about one per 13 when large.
        rounds = min(size // 100, size // 400 + 30)
        names = CUSTOMER_NAMES + [f"{name} {n}" for n in range(2, 2 + rounds) for name in CUSTOMER_NAMES]
        self.customers = [
            _person(1000 + i, name.split()[0], f"{_ascii(name).lower().replace(' ', '_')}_{1000 + i}")
            for i, name in enumerate(names)
        ]
        self.resellers = [
            _person(900_000 + i, name, f"{_ascii(name).lower()}_revenda")
            for i, name in enumerate(RESELLER_NAMES)
        ]
        # The small group becomes a supergroup in the middle of the span.
        self.migration_at = self.local(start + timedelta(days=days // 2), 15 if days == 1 else 11, 7, 30)

    # -- time --------------------------------------------------------------------------------------
    def local(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.timezone)

    def random_time(self) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(self.days))
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return self.local(day, hour, self.rng.randrange(60), self.rng.randrange(60))

    def later(self, at: datetime, low: int, high: int) -> datetime:
        return at + timedelta(seconds=self.rng.randrange(low, high))

    def staff_time(self, at: datetime) -> datetime:
        """When staff reply to something sent at `at`: minutes to hours later, next morning at night."""
        minutes = self.rng.choice([(2, 15), (10, 60), (45, 240)])
        reply = at + timedelta(minutes=self.rng.randrange(*minutes), seconds=self.rng.randrange(60))
        if not 8 <= reply.hour < 21:
            day = reply.date() if reply.hour < 8 else reply.date() + DAY
            reply = max(reply, self.local(day, 8, self.rng.randrange(60), self.rng.randrange(60)))
        return reply

    def within_span(self, at: datetime) -> bool:
        return at < self.end

    # -- what happens ------------------------------------------------------------------------------
    def add(self, item: Item) -> Any:
        self.items.append(item)
        return item

    def say(
        self,
        at: datetime,
        sender: dict[str, Any],
        text: str | None,
        *,
        chat: dict[str, Any] = CHAT,
        role: str = "customer",
        **fields: Any,
    ) -> ChatMessage:
        return self.add(ChatMessage(at, chat, sender, role, text, **fields))

    def fill(self, template: str) -> str:
        n = self.rng.randrange(41000, 59999)
        return template.format(
            n=n,
            city=self.rng.choice(CITIES),
            cep=f"{self.rng.randrange(10000, 99999)}-{self.rng.randrange(1000):03d}",
            # From n, drawing nothing more: the same seed gives the same conversation as before.
            cpf=_cpf(f"{n}{n % 9973:04d}"),
            phone=f"(11) 98{n % 1000:03d}-{n * 7 % 10000:04d}",
        )

    def typed(self, text: str, *, greeting: bool = True) -> str:
        """As people type it: a leading greeting on some, lower case, no accents, "??"."""
        rng = self.rng
        if greeting and rng.random() < 0.2:
            text = rng.choice(LEADING_GREETINGS) + text[0].lower() + text[1:]
        style = rng.random()
        if style < 0.15:
            text = text.lower()
        elif style < 0.25:
            text = _ascii(text).lower()
        elif style < 0.32 and text.endswith("?"):
            text += "?"
        return text

    def pick_topic(self) -> str | None:
        topics = list(TOPIC_WEIGHTS)
        return self.rng.choices(topics, weights=[TOPIC_WEIGHTS[t] for t in topics])[0]

    def request(
        self, at: datetime, user: dict[str, Any], topic: str | None = None, *, chat: dict[str, Any] = CHAT
    ) -> ChatMessage:
        text = self.typed(self.fill(self.rng.choice(REQUESTS[topic])))
        return self.say(at, user, text, chat=chat, request=True, topic=topic)

    def staff_member(self, *, anonymous: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if anonymous and self.rng.random() < 0.12:
            return ANONYMOUS_ADMIN, CHAT
        return self.rng.choice(self.staff), None

    def support_thread(self) -> None:
        """A customer's request in the group, and what follows it."""
        rng, user = self.rng, self.rng.choice(self.customers)
        at = self.random_time()
        if rng.random() < 0.1:
            self.say(at, user, rng.choice(GREETINGS))
            at = self.later(at, 20, 180)
        if rng.random() < 0.2:
            typed, command = rng.choice(COMMANDS)
            text = self.fill(typed)
            name_length = len(text.split()[0])
            self.say(
                at,
                user,
                text,
                command=command,
                entities=[{"offset": 0, "length": name_length, "type": "bot_command"}],
            )
            at = self.later(at, 20, 120)
        request = self.kind_of_request(at, user)
        after = request.at
        if rng.random() < 0.08:  # another member: "me too", replying to it (not a request)
            other = rng.choice([c for c in self.customers if c is not user])
            after = self.later(after, 60, 1200)
            self.say(after, other, rng.choice(ME_TOO), reply_to=request)
        follow_up = None
        if rng.random() < 0.15:  # the asker adds a detail, not a request
            follow_up = self.say(self.later(request.at, 30, 300), user, self.fill(rng.choice(FOLLOW_UPS)))
        outcome = rng.random()
        target = follow_up if follow_up is not None and rng.random() < 0.6 else request
        if request.topic in BOT_ANSWERS and outcome < 0.75:  # our bot knows the topic: it answers at once
            text = rng.choice(BOT_ANSWERS[request.topic])
            # Mostly a reply; some bots just post the answer (not a reply: not an answer under the model).
            answer = self.bot_message(self.later(request.at, 2, 25), text, reply_to=request, reply=0.8)
            if rng.random() < 0.15:  # not enough: staff step in (the bot escalated)
                staff = self.staff_reply(target)
                if staff is not None and rng.random() < 0.3:
                    self.prompt(request, self.later(staff.at, 5, 60))
            elif rng.random() < 0.8:  # the bot asks whether that solved it
                self.prompt(request, self.later(answer.at, 3, 40))
            elif answer.reply_to is not None and rng.random() < 0.5:  # or the asker reacts to its answer
                emoji = SATISFIED if rng.random() < 0.75 else UNSATISFIED
                self.add(Reaction(self.later(answer.at, 10, 600), answer, user, [], [emoji]))
        elif outcome < 0.8:  # the bot has no answer: it hands over to staff, who mostly come
            handover = self.bot_message(self.later(request.at, 2, 25), BOT_HANDOFF, reply_to=request)
            handover.handover = True
            if rng.random() < 0.9:
                self.staff_reply(target)
        elif outcome < 0.85:  # staff answer and the bot stays out of it
            staff = self.staff_reply(target)
            if staff is not None and rng.random() < 0.3:
                self.prompt(request, self.later(staff.at, 5, 60))
        if rng.random() < 0.12:  # not solved: asks again a few hours later, in other words
            again = self.later(request.at, 3600, 20 * 3600)
            if self.within_span(again):
                second = self.request(again, user, request.topic)
                if rng.random() < 0.5:
                    self.staff_reply(second)

    def kind_of_request(self, at: datetime, user: dict[str, Any]) -> ChatMessage:
        rng, kind = self.rng, self.rng.random()
        if kind < 0.05:  # a question whose text changes
            before, after, topic = rng.choice(EDITED_REQUESTS)
            filled = self.fill(before + "\x00" + after).split("\x00")
            message = self.say(at, user, filled[0], request=True, topic=topic)
            self.add(Edit(self.later(at, 20, 240), message, filled[1]))
            return message
        if kind < 0.09:  # a message that becomes a request only through its edit
            before, after, topic = rng.choice(BECOMES_REQUEST)
            filled = self.fill(before + "\x00" + after).split("\x00")
            message = self.say(at, user, filled[0], request=True, topic=topic)
            self.add(Edit(self.later(at, 20, 240), message, filled[1]))
            return message
        if kind < 0.15:  # an album: its caption is the request
            caption, topic = rng.choice(ALBUM_REQUESTS)
            return self.album(at, user, caption, request=True, topic=topic)
        if kind < 0.18:  # a command in the middle of a question: a request
            text, command, topic = MID_TEXT_COMMAND
            offset = text.index(command)
            return self.say(
                at,
                user,
                text,
                request=True,
                topic=topic,
                entities=[{"offset": offset, "length": len(command), "type": "bot_command"}],
            )
        request = self.request(at, user, self.pick_topic())
        if rng.random() < 0.1:  # and the photos, a moment later
            self.album(self.later(at, 20, 90), user, rng.choice(ALBUM_CAPTIONS))
        return request

    def album(
        self,
        at: datetime,
        user: dict[str, Any],
        caption: str,
        *,
        chat: dict[str, Any] = CHAT,
        request: bool = False,
        topic: str | None = None,
    ) -> ChatMessage:
        group = str(13_900_000_000_000_000 + self.rng.randrange(10**15))
        first = None
        for n in range(self.rng.randrange(2, 5)):
            photo = self.say(
                at,
                user,
                None,
                chat=chat,
                counted=n == 0,
                request=request and n == 0,
                topic=topic if n == 0 else None,
                content={"media_group_id": group, "photo": self.photo()},
            )
            if n == 0:
                photo.content["caption"] = caption
                first = photo
        assert first is not None
        return first

    def photo(self) -> list[dict[str, Any]]:
        file_id = f"AgACAgEAAxkBAAI{self.rng.randrange(16**8):08x}"
        unique = f"AQAD{self.rng.randrange(16**6):06x}"
        return [
            {
                "file_id": f"{file_id}{suffix}",
                "file_unique_id": f"{unique}{suffix}",
                "file_size": size,
                "width": width,
                "height": height,
            }
            for suffix, size, width, height in (
                ("AAa", 1432, 90, 68),
                ("AAb", 20511, 320, 240),
                ("AAc", 98213, 1280, 960),
            )
        ]

    def staff_reply(self, target: ChatMessage) -> ChatMessage | None:
        """A staff member replies to `target` (the request or the asker's follow-up)."""
        at = self.staff_time(target.at)
        anonymous = target.chat is CHAT
        staff, sender_chat = self.staff_member(anonymous=anonymous)
        chat = target.chat
        if self.where(chat, at) is not chat:
            return None  # the group became a supergroup meanwhile: the old chat's messages stay there
        answer = self.say(
            at,
            staff,
            self.rng.choice(STAFF_ANSWERS),
            chat=chat,
            role="staff",
            reply_to=target,
            sender_chat=sender_chat,
        )
        asker = target.sender
        if self.rng.random() < 0.3:  # the asker reacts to the answer
            emoji = SATISFIED if self.rng.random() < 0.75 else UNSATISFIED
            reacted = self.later(at, 30, 900)
            if self.where(chat, reacted) is chat:
                self.add(Reaction(reacted, answer, asker, [], [emoji]))
                changed = self.later(reacted, 60, 3600)
                if self.rng.random() < 0.15 and self.where(chat, changed) is chat:  # and changes it
                    other = UNSATISFIED if emoji == SATISFIED else SATISFIED
                    self.add(Reaction(changed, answer, asker, [emoji], [other]))
        if self.rng.random() < 0.35:
            thanked = self.later(at, 30, 900)
            self.say(thanked, asker, self.rng.choice(ACKNOWLEDGEMENTS), chat=self.where(chat, thanked))
        return answer

    def bot_message(
        self,
        at: datetime,
        text: str,
        *,
        reply_to: ChatMessage,
        reply: float = 1.0,
        thread: ChatMessage | None = None,
    ) -> ChatMessage:
        """Our bot's answer: a reply to `reply_to` with probability `reply`, else a message of its own."""
        replied = reply_to if reply >= 1 or self.rng.random() < reply else None
        return self.say(at, BOT, text, role="our_bot", reply_to=replied, thread=thread)

    def prompt(self, request: ChatMessage, at: datetime) -> None:
        """Our bot's feedback buttons: mostly a message of its own, sometimes a reply to the request."""
        rng = self.rng
        reply_to = request if rng.random() < 0.25 else None
        prompt = self.say(
            at,
            BOT,
            FEEDBACK_TEXT,
            role="our_bot",
            reply_to=reply_to,
            follows=request,
            content={"reply_markup": FEEDBACK_MARKUP},
        )
        clicked = self.later(at, 10, 600)
        if rng.random() < 0.08:  # staff or another member presses a button: the model ignores it
            other = rng.choice(self.staff + self.customers)
            if other is not request.sender:
                self.add(Click(clicked, prompt, other, rng.choice([RESOLVED, UNRESOLVED])))
                clicked = self.later(clicked, 5, 120)
        if rng.random() < 0.85:
            choice = RESOLVED if rng.random() < 0.7 else UNRESOLVED
            self.add(Click(clicked, prompt, request.sender, choice))
            if rng.random() < 0.12:  # changes their mind: the last click counts
                self.add(
                    Click(
                        self.later(clicked, 20, 600),
                        prompt,
                        request.sender,
                        UNRESOLVED if choice == RESOLVED else RESOLVED,
                    )
                )

    def small_talk(self) -> None:
        text = self.rng.choice(GREETINGS + ACKNOWLEDGEMENTS)
        self.say(self.random_time(), self.rng.choice(self.customers), text)

    def member_joins(self) -> None:
        user_id = 5_000_000_000 + self.rng.randrange(10**9)
        newcomer = _person(
            user_id, self.rng.choice(["Paulo", "Rita", "Caio", "Luana"]), f"user{user_id % 10**6}"
        )
        at = self.random_time()
        self.say(
            at,
            newcomer,
            None,
            role="service",
            content={
                "new_chat_participant": newcomer,
                "new_chat_member": newcomer,
                "new_chat_members": [newcomer],
            },
        )
        if self.rng.random() < 0.4:
            self.say(self.later(at, 30, 600), newcomer, self.rng.choice(NEWCOMER_HELLO))

    def document(self) -> None:
        self.say(
            self.random_time(),
            self.rng.choice(self.customers),
            None,
            content={
                "document": {
                    "file_name": "comprovante.pdf",
                    "mime_type": "application/pdf",
                    "file_id": f"BQACAgEAAxkBAAI{self.rng.randrange(16**8):08x}",
                    "file_unique_id": f"AgAD{self.rng.randrange(16**6):06x}",
                    "file_size": 81234,
                },
                "caption": self.rng.choice(CAPTIONS),
            },
        )

    def automatic_forward(self, text: str | None = None) -> ChatMessage:
        """The linked channel's post, forwarded into the group by Telegram (user 777000)."""
        at = self.random_time()
        post_id = 300 + self.rng.randrange(700)
        origin = {"type": "channel", "chat": CHANNEL, "message_id": post_id, "date": int(at.timestamp()) - 2}
        return self.say(
            at,
            TELEGRAM,
            text if text is not None else self.rng.choice(CHANNEL_POSTS),
            role="channel",
            sender_chat=CHANNEL,
            content={"forward_origin": origin, "is_automatic_forward": True},
        )

    def promotion(self) -> None:
        """The channel's promotion, forwarded into the group, and members' bare wishes replying to it
        ("Quero!", "Eu também!", "+1"): customer messages, not requests. Sometimes a real question among
        them, which staff answer."""
        rng = self.rng
        post = self.automatic_forward(rng.choice(PROMO_POSTS))
        at = post.at
        for user in rng.sample(self.customers, rng.randrange(2, 6)):
            at = self.later(at, 20, 400)
            self.say(at, user, rng.choice(WISHES), reply_to=post)
        if rng.random() < 0.6:
            text, topic = rng.choice(PROMO_QUESTIONS)
            asker = rng.choice(self.customers)
            question = self.say(
                self.later(at, 20, 400), asker, self.fill(text), reply_to=post, request=True, topic=topic
            )
            self.staff_reply(question)

    def service_notices(self, count: int = 1) -> None:
        """Service messages of `count` of the Bot API's newer kinds (a gift, a payment or its refund, a
        boost, a paid-message price, a giveaway, a suggested post) in the group: counted nowhere, whoever
        sends them."""
        for kind, value in self.rng.sample(SERVICE_NOTICES, count):
            sender = self.staff[0] if kind in ("giveaway_created", "paid_message_price_changed") else None
            self.say(
                self.random_time(),
                sender or self.rng.choice(self.customers),
                None,
                role="service",
                content={kind: value},
            )

    def chat_at(self, at: datetime) -> dict[str, Any]:
        """The resellers' chat at `at`: the small group, then the supergroup it became."""
        return SMALL_GROUP if at <= self.migration_at else SUPERGROUP

    def where(self, chat: dict[str, Any], at: datetime) -> dict[str, Any]:
        """The chat in which a message meant for `chat` is sent at `at`."""
        return chat if chat is CHAT else self.chat_at(at)

    def resellers_thread(self) -> None:
        """A reseller's request in the small group (before or after it became a supergroup)."""
        user, at = self.rng.choice(self.resellers), self.random_time()
        chat = self.chat_at(at)
        request = self.request(at, user, self.pick_topic(), chat=chat)
        if self.rng.random() < 0.7:
            self.staff_reply(request)
        if self.rng.random() < 0.15:
            again = self.later(at, 3600, 20 * 3600)
            if self.within_span(again):
                self.request(again, user, request.topic, chat=self.chat_at(again))

    def migration(self) -> None:
        at, admin = self.migration_at, self.staff[0]
        self.say(
            at,
            admin,
            None,
            chat=SMALL_GROUP,
            role="service",
            content={"migrate_to_chat_id": SUPERGROUP["id"]},
        )
        self.say(
            at,
            ANONYMOUS_ADMIN,
            None,
            chat=SUPERGROUP,
            role="service",
            sender_chat=SUPERGROUP,
            content={"migrate_from_chat_id": SMALL_GROUP["id"]},
        )

    def forum_thread(self) -> None:
        """A topic of the forum: customers ask in it, staff write in it without pressing reply."""
        opened = self.local(self.start, 9, 12, 5)
        topic = self.say(
            opened,
            self.staff[1],
            None,
            role="service",
            content={"forum_topic_created": {"name": FORUM_TOPIC, "icon_color": 7322096}},
        )
        topic.thread = topic
        for n, (text, label) in enumerate(FORUM_REQUESTS):
            day = self.start + timedelta(days=n * self.days // len(FORUM_REQUESTS))
            at = self.local(day, 10 + 2 * n, self.rng.randrange(60), self.rng.randrange(60))
            user = self.rng.choice(self.customers)
            self.say(at, user, self.fill(text), thread=topic, reply_to=topic, request=True, topic=label)
            if n != 1:  # the bot answers in the topic, like everyone there without a reply; staff follow
                answer = self.rng.choice(BOT_ANSWERS[label])
                self.bot_message(self.later(at, 2, 25), answer, reply_to=topic, thread=topic)
            if n != 1:  # the second is answered by the staff message after the third (or never)
                staff = self.rng.choice(self.staff)
                self.say(
                    self.later(at, 300, 3000),
                    staff,
                    self.rng.choice(STAFF_ANSWERS),
                    role="staff",
                    thread=topic,
                    reply_to=topic,
                )
