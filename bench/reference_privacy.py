# A frozen copy of lambdas/etl/telegram_etl/privacy.py as of commit e10a521, before issue 25's speed work: the
# reference the faster implementation is compared with, row for row (tests/lambdas/etl/test_text_equivalence.py)
# and timed against (bench/text_speed.py). Not used by the ETL. When the behaviour changes on purpose, copy
# the new behaviour here too (or retire the comparison). Issue 22 item 8 changed the redaction on purpose:
# the comparison now allows exactly those changes (test_text_equivalence.explained), so this stays frozen.
# ruff: noqa
"""People's data in the processed table (issue 14): keyed pseudonyms for people, and redaction of the
personal data people write in texts. docs/privacy.md says what is kept, changed or dropped.

A person's Telegram id becomes a stable 63-bit integer, HMAC-SHA256 under the stage's key, so the
processed table keeps its BIGINT columns and every analysis that links a person's messages still works,
while the id itself cannot be recovered without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from phonenumbers import Leniency, PhoneNumberMatcher
from validate_docbr import CNPJ, CPF


def pseudonym(user_id: int, key: bytes) -> int:
    """The person's pseudonym: positive, below 2^63, the same for the same id and key."""
    if not key:
        raise ValueError("the pseudonym key is empty")
    digest = hmac.new(key, str(int(user_id)).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# --- people ---------------------------------------------------------------------------------------

TELEGRAM_SERVICE_ID = 777000  # "Telegram": service notices and a linked channel's forwards
GROUP_ANONYMOUS_BOT_ID = 1087968824  # an anonymous admin's messages come "from" it
CHANNEL_BOT_ID = 136817688  # a channel posting in a group comes "from" it
# Accounts that are Telegram's, not a person's: their ids stay in clear even if is_bot were missing.
NOT_PEOPLE = frozenset({TELEGRAM_SERVICE_ID, GROUP_ANONYMOUS_BOT_ID, CHANNEL_BOT_ID})


class People:
    """How the ETL stores the users of one run. key None: pseudonymize_users is off (ids in clear).
    staff_user_ids are real Telegram ids (the stage setting); user_is_staff is computed on them before
    an id becomes a pseudonym, so the model needs no key."""

    def __init__(self, key: bytes | None, staff_user_ids: Iterable[int] = ()) -> None:
        if key is not None and not key:
            raise ValueError("the pseudonym key is empty")
        self.key = key
        self.staff_user_ids = frozenset(int(user_id) for user_id in staff_user_ids)
        self.pseudonyms: dict[int, int] = {}  # id -> pseudonym: one HMAC per person and run

    @property
    def pseudonymize(self) -> bool:
        return self.key is not None

    def is_person(self, user_id: int, is_bot: Any) -> bool:
        # A missing is_bot counts as a person: when in doubt, protect.
        return is_bot is not True and user_id not in NOT_PEOPLE

    def stored_id(self, user_id: int | None, is_bot: Any) -> int | None:
        """The id the table holds for a user: a person's pseudonym, or a bot's or Telegram's own id."""
        if user_id is None or self.key is None or not self.is_person(user_id, is_bot):
            return user_id
        found = self.pseudonyms.get(user_id)
        if found is None:
            found = self.pseudonyms[user_id] = pseudonym(user_id, self.key)
        return found

    def is_staff(self, user_id: int | None) -> bool | None:
        return None if user_id is None else user_id in self.staff_user_ids


# --- redaction ------------------------------------------------------------------------------------

REDACTION_KINDS = ("cpf", "cnpj", "email", "phone", "card", "mention")
PLACEHOLDERS = {kind: f"[{kind}]" for kind in REDACTION_KINDS}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# @username (5-32 of A-Z, 0-9, _ in Telegram; 4 for old ones); a name ending in "bot" is a bot's.
# A person's @username; `@` and underscores only is one that `make forget` erased (local_pipeline.subject
# keeps its length for the entities' offsets): still a mention, so a re-run gives forget's table.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31}|_{4,32})\b")
# Shapes of documents and cards, digits not glued to other digits, letters or number punctuation
# (so "BR123456789BR", "1.234,56" and parts of longer numbers are not candidates).
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![\w.,/-])", r"(?![\w]|[.,/-]\d)"
_CNPJ = re.compile(rf"{_EDGE_BEFORE}\d{{2}}\.?\d{{3}}\.?\d{{3}}/?\d{{4}}-?\d{{2}}{_EDGE_AFTER}")
_CPF = re.compile(rf"{_EDGE_BEFORE}\d{{3}}\.?\d{{3}}\.?\d{{3}}-?\d{{2}}{_EDGE_AFTER}")
_CARD = re.compile(rf"{_EDGE_BEFORE}\d(?:[ -]?\d){{12,18}}{_EDGE_AFTER}")
# The cheap prefilter: only a text with 10 digits in a row (separators allowed: a Brazilian phone with
# its DDD, a CPF, a CNPJ, a card), or + and 8 digits (the shortest E.164 numbers), can hold any of them.
# A CEP (8 digits), a date or a price never gets to the slower checks.
_DIGIT_RUN = re.compile(r"\d(?:[\s().+/-]{0,3}\d){9}|\+\s?\d(?:[\s().-]{0,3}\d){7}")
# A bare run of digits right after one of these words is an order, a protocol or an invoice, not a
# phone number ("pedido 1234567890" is also a valid-looking landline in DDD 12).
_NOT_A_PHONE_AFTER = re.compile(
    r"(?:pedido|protocolo|order|ordem|n[º°]|nota|nf|rastreio|código|codigo|#)\s*:?\s*$", re.I
)
_CPF_CHECK, _CNPJ_CHECK = CPF(), CNPJ()


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _documents(text: str, counts: Counter[str]) -> str:
    def cnpj(match: re.Match[str]) -> str:
        if _CNPJ_CHECK.validate(match.group()):
            counts["cnpj"] += 1
            return PLACEHOLDERS["cnpj"]
        return match.group()

    def cpf(match: re.Match[str]) -> str:
        if _CPF_CHECK.validate(match.group()):
            counts["cpf"] += 1
            return PLACEHOLDERS["cpf"]
        return match.group()

    def card(match: re.Match[str]) -> str:
        digits = _digits(match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            counts["card"] += 1
            return PLACEHOLDERS["card"]
        return match.group()

    return _CARD.sub(card, _CPF.sub(cpf, _CNPJ.sub(cnpj, text)))


def _phones(text: str, counts: Counter[str]) -> str:
    pieces, end = [], 0
    for match in PhoneNumberMatcher(text, "BR", leniency=Leniency.VALID):
        raw = match.raw_string
        if raw.isdigit() and _NOT_A_PHONE_AFTER.search(text, 0, match.start):
            continue
        pieces += [text[end : match.start], PLACEHOLDERS["phone"]]
        end = match.end
        counts["phone"] += 1
    return "".join(pieces) + text[end:] if pieces else text


def _mentions(text: str, counts: Counter[str]) -> str:
    def mention(match: re.Match[str]) -> str:
        if match.group(1).lower().endswith("bot"):
            return match.group()  # bots keep their names: commands and the model read them
        counts["mention"] += 1
        return PLACEHOLDERS["mention"]

    return _MENTION.sub(mention, text)


@lru_cache(maxsize=16_384)  # support chats repeat texts (see flatten.text_features)
def _redacted(text: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    counts: Counter[str] = Counter()
    has_at = "@" in text
    if has_at:
        text, found = _EMAIL.subn(PLACEHOLDERS["email"], text)
        if found:
            counts["email"] += found
    if _DIGIT_RUN.search(text):
        text = _phones(_documents(text, counts), counts)
    if has_at:
        text = _mentions(text, counts)
    return text, tuple(counts.items())


def may_hold_personal_data(text: str) -> bool:
    """False for most texts, cheaply: no @ and no long run of digits, so nothing redact() would change."""
    return "@" in text or _DIGIT_RUN.search(text) is not None


def redact(text: str, counts: Counter[str] | None = None) -> str:
    """The text with CPFs, CNPJs, e-mails, phone numbers, card numbers and people's @mentions replaced by
    [cpf], [cnpj], [email], [phone], [card], [mention]; each replacement is added to counts."""
    if not may_hold_personal_data(text):
        return text
    redacted, found = _redacted(text) if len(text) <= 512 else _redacted.__wrapped__(text)
    if counts is not None:
        for kind, count in found:
            counts[kind] += count
    return redacted


def redact_text_mentions(text: str, entities: Any, counts: Counter[str] | None = None) -> str:
    """The text with each `text_mention` entity (a mention of a user without a username: their name,
    linked to their account) replaced by [mention]. Offsets count UTF-16 code units."""
    if not isinstance(entities, list):
        return text
    spans = []
    for entity in entities:
        if isinstance(entity, dict) and entity.get("type") == "text_mention":
            offset, length = entity.get("offset"), entity.get("length")
            if type(offset) is int and type(length) is int and offset >= 0 and length > 0:
                spans.append((offset, offset + length))
    if not spans:
        return text
    units = text.encode("utf-16-le", errors="surrogatepass")
    pieces, end = [], 0
    for start, stop in sorted(spans):
        if start < end or 2 * stop > len(units):
            continue  # overlapping or beyond the text: not a span of this text
        pieces += [units[2 * end : 2 * start], PLACEHOLDERS["mention"].encode("utf-16-le")]
        end = stop
        if counts is not None:
            counts["mention"] += 1
    pieces.append(units[2 * end :])
    return b"".join(pieces).decode("utf-16-le", errors="surrogatepass")
