"""What the generator makes before it becomes Updates: messages (with their role under the conversation
model and the generator's intent: request, topic, command, hand-over), edits, clicks and reactions; and a
message's Bot API payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(eq=False)
class ChatMessage:
    at: datetime
    chat: dict[str, Any]
    sender: dict[str, Any]
    role: str  # its sender's role under the model: customer, staff, our_bot, channel or service
    text: str | None = None
    content: dict[str, Any] = field(default_factory=dict)  # photo, document, service fields ...
    entities: list[dict[str, Any]] | None = None
    reply_to: ChatMessage | None = None
    thread: ChatMessage | None = None  # the forum topic's creation message
    sender_chat: dict[str, Any] | None = None
    request: bool = False  # a request under its latest text
    topic: str | None = None  # the request's topic label
    command: str | None = None  # our bot's command the message starts with
    counted: bool = True  # False for an album's items after the first
    follows: ChatMessage | None = None  # a prompt: the request it asks about
    message_id: int = 0
    update_id: int = 0
    payload: dict[str, Any] | None = None
    handover: bool = False  # our bot's hand-over to staff (BOT_HANDOFF)

    @property
    def delivered(self) -> bool:
        return self.role != "our_bot"  # Telegram never sends a bot its own messages

    @property
    def answerer(self) -> str:
        """Its role as an answerer: a hand-over of our bot is kept apart from its answers."""
        return "bot_handover" if self.handover else self.role


@dataclass(eq=False)
class Edit:
    at: datetime
    message: ChatMessage
    text: str
    update_id: int = 0


@dataclass(eq=False)
class Click:
    at: datetime
    prompt: ChatMessage
    user: dict[str, Any]
    data: str
    update_id: int = 0


@dataclass(eq=False)
class Reaction:
    at: datetime
    message: ChatMessage
    user: dict[str, Any]
    old: list[str]
    new: list[str]
    update_id: int = 0


Item = ChatMessage | Edit | Click | Reaction


def telegram_payload(message: ChatMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {"message_id": message.message_id, "from": message.sender}
    if message.sender_chat is not None:
        payload["sender_chat"] = message.sender_chat
    payload["chat"] = message.chat
    payload["date"] = int(message.at.timestamp())
    if message.thread is not None:
        payload["message_thread_id"] = message.thread.message_id
    if message.reply_to is not None and message.reply_to.payload is not None:
        # The replied message, without its own reply (Telegram nests one level only).
        payload["reply_to_message"] = {
            k: v for k, v in message.reply_to.payload.items() if k != "reply_to_message"
        }
    if message.text is not None:
        payload["text"] = message.text
    if message.entities:
        payload["entities"] = message.entities
    payload.update(message.content)
    if message.thread is not None:
        payload["is_topic_message"] = True
    return payload
