"""People's data in the processed table (issue 14): keyed pseudonyms for people, and redaction of the
personal data people write in texts. docs/privacy.md says what is kept, changed or dropped.

A person's Telegram id becomes a stable 63-bit integer, HMAC-SHA256 under the stage's key, so the
processed table keeps its BIGINT columns and every analysis that links a person's messages still works,
while the id itself cannot be recovered without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import operator
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from validate_docbr import CNPJ, CPF

from telegram_etl.phones import PhoneMatcher, order_number


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
# A person's @username; `@` and underscores only is one that `make forget` erased (ops.subject
# keeps its length for the entities' offsets): still a mention, so a re-run gives forget's table.
# Written "@" first, what comes before it checked behind ("(?<![\w@.])@"): a search skips to the @s in C.
_MENTION = re.compile(r"@(?<![\w@.]@)([A-Za-z][A-Za-z0-9_]{3,31}|_{4,32})\b")
# An e-mail's local part, read backwards from its @ (the text before the @, reversed).
_LOCAL_PART_REVERSED = re.compile(r"[\w.+-]*")
# Shapes of documents and cards, digits not glued to other digits, letters or number punctuation (so
# "BR123456789BR", "1.234,56" and parts of longer numbers are not candidates); a card not after a + either
# ("+5592966336142" is a phone). Between a CPF's or CNPJ's usual groups (3-3-3-2, 2-3-3-4-2): nothing, a
# dot, a space, a dash (a slash in a CNPJ), each with or without a line break after it ("529 982 247 25",
# "529.982.247.25", "585.995.\n207-41").
# Each pattern starts with its first digit, the edge checked behind it ("(?<![\w.,/-])\d" written digit
# first): a search then skips to the digits in C instead of trying the lookbehind at every character.
_FIRST_DIGIT, _EDGE_AFTER = r"\d(?<![\w.,/-]\d)", r"(?![\w]|[.,/-]\d)"
_BREAK = r"[ \t]*\r?\n[ \t]*"
_CPF_SEP, _CNPJ_SEP = rf"(?:[ .-]?(?:{_BREAK})?)", rf"(?:[ ./-]?(?:{_BREAK})?)"
_CNPJ = re.compile(
    rf"{_FIRST_DIGIT}\d{_CNPJ_SEP}\d{{3}}{_CNPJ_SEP}\d{{3}}{_CNPJ_SEP}\d{{4}}{_CNPJ_SEP}\d{{2}}{_EDGE_AFTER}"
)
_CPF = re.compile(rf"{_FIRST_DIGIT}\d{{2}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{2}}{_EDGE_AFTER}")
# Cards: 13-19 digits in one run, or in a card's groups joined by a space, dash or dot, each with or
# without a line break: 4-4-4-(1-4), 4-4-4-4-(1-3), Amex and Diners 4-6-(4-5).
_CARD_SEP = rf"(?:[ .-]|[ .-]?{_BREAK})"
_CARD = re.compile(
    rf"{_FIRST_DIGIT}(?<!\+\d)(?:\d{{12,18}}"
    rf"|\d{{3}}(?:{_CARD_SEP}\d{{4}}){{2}}{_CARD_SEP}\d{{1,4}}(?:{_CARD_SEP}\d{{1,3}})?"
    rf"|\d{{3}}{_CARD_SEP}\d{{6}}{_CARD_SEP}\d{{4,5}}){_EDGE_AFTER}"
)
# A card's number as a whole match of _CARD, and where a line break may end one: "4111 1111 1111 1111\n14:30"
# matches with the next line's 14 as a fifth group, fails Luhn, and the card before the break is the card.
_CARD_WHOLE = re.compile(_CARD.pattern.removesuffix(_EDGE_AFTER))
_LINE_BREAK = re.compile(rf"[ .-]?{_BREAK}")
# In every match of the three: 11 digits, at most a separator and a line break between two.
_DOCUMENT_HINT = re.compile(r"\d(?:[./ -]?\s*\d){10}")
# The cheap prefilter: only a text with 10 digits in a row (separators allowed: a Brazilian phone with
# its DDD, a CPF, a CNPJ, a card), or + and 8 digits (the shortest E.164 numbers), can hold any of them.
# A CEP (8 digits), a date or a price never gets to the slower checks.
_DIGIT_RUN = re.compile(r"\d(?:[\s().+/-]{0,3}\d){9}|\+\s?\d(?:[\s().-]{0,3}\d){7}")
# A bare run of digits a few words after one of these (on its line, no digits between) is a protocol, an
# order, a serial number: it stays even when it passes Luhn or a CPF's check digits ("protocolo de
# atendimento: 1274010398026829"), unless a word naming a personal value comes between ("pedido pago no
# cartão 4111…"). A bare "nº" or "#" is no such word here ("cartão nº 4111…" is a card).
_ORDER_WORDS = re.compile(
    r"\b(?:pedidos?|protocolos?|chamados?|tickets?|orders?|ordem|nota|nf-?e?|rastreio|c[óo]digo|s[ée]rie)\b",
    re.I,
)
_VALUE_WORDS = re.compile(
    r"\b(?:cpf|cnpj|cart[ãa]o|cartao|cr[ée]dito|d[ée]bito|visa|master\w*|elo|amex|pix|cel\w*|tel\w*|fone|"
    r"whats\w*|zap|contato|documento)\b",
    re.I,
)
_ORDER_WINDOW = 48  # characters before the number searched for an order word (about 5 words)
# Where a phone or a card is not looked for: links (ids in paths and queries) but WhatsApp's, whose
# digits are a phone; a boleto's linha digitável (5.5 5.6 5.6 1 14 digits, or 4 groups of 11-12).
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.I)
_WHATSAPP_LINK = re.compile(r"(?:https?://)?(?:wa\.me|(?:api\.|web\.)?whatsapp\.com)/", re.I)
_BOLETO = re.compile(
    r"\d{5}\.?\d{5}\s+\d{5}\.?\d{6}\s+\d{5}\.?\d{6}\s+\d\s+\d{14}|\d{11}-?\d(?:\s+\d{11}-?\d){3}"
)
_CPF_CHECK, _CNPJ_CHECK = CPF(), CNPJ()


def _cpf_valid(digits: str) -> bool:
    """validate_docbr's CPF().validate(digits), its arithmetic inline for 11 ASCII digits (~8 µs a call
    there, most of it a pattern compiled per call): not all the same digit, and the two check digits."""
    if len(digits) != 11 or not digits.isascii():
        return _CPF_CHECK.validate(digits)
    values = [ord(char) - 48 for char in digits]
    if values.count(values[0]) == 11:
        return False
    first = sum(map(operator.mul, values, range(10, 1, -1))) * 10 % 11 % 10
    second = sum(map(operator.mul, values, range(11, 1, -1))) * 10 % 11 % 10
    return first == values[9] and second == values[10]


def _cnpj_valid(digits: str) -> bool:
    """validate_docbr's CNPJ().validate(digits), its arithmetic inline for 14 ASCII digits."""
    if len(digits) != 14 or not digits.isascii():
        return _CNPJ_CHECK.validate(digits)
    values = [ord(char) - 48 for char in digits]
    if values.count(values[0]) == 14:
        return False
    first = sum(map(operator.mul, values, _CNPJ_WEIGHTS[1:])) % 11
    second = sum(map(operator.mul, values, _CNPJ_WEIGHTS)) % 11
    return values[12] == (0 if first < 2 else 11 - first) and values[13] == (0 if second < 2 else 11 - second)


_CNPJ_WEIGHTS = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)  # the second check digit's; the first's: [1:]


def _digits(text: str) -> str:
    return "".join(filter(str.isdigit, text))


def _luhn(digits: str) -> bool:
    # From the last digit: every second one doubled, less 9 above 9 (_DOUBLED).
    total = sum(map(int, digits[::-2])) + sum(_DOUBLED[int(char)] for char in digits[-2::-2])
    return total % 10 == 0


def _card_number(candidate: str) -> str:
    """The card number a _CARD match holds: all of it, or the part before one of its line breaks (the
    longest that is a card's shape and passes Luhn), else ''."""
    ends = [len(candidate)] + [m.start() for m in reversed(list(_LINE_BREAK.finditer(candidate)))]
    for end in ends:
        number = candidate[:end]
        if _CARD_WHOLE.fullmatch(number) and _luhn(_digits(number)):
            return number
    return ""


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _order_number_near(text: str, start: int, raw: str) -> bool:
    """A bare run of digits a few words after an order word on its line, no digit or value word between."""
    if not raw.isdigit():
        return False
    before = text[max(0, start - _ORDER_WINDOW) : start]
    before = before[before.rfind("\n") + 1 :]
    words = list(_ORDER_WORDS.finditer(before))
    if not words:
        return False
    between = before[words[-1].end() :]
    return not any(char.isdigit() for char in between) and _VALUE_WORDS.search(between) is None


def _kept_spans(text: str) -> list[tuple[int, int]]:
    """Spans where no phone or card is looked for: links but WhatsApp's, a boleto's linha digitável."""
    spans = []
    if "/" in text:
        spans += [m.span() for m in _LINK.finditer(text) if not _WHATSAPP_LINK.match(m.group())]
    if len(text) >= 47:
        spans += [m.span() for m in _BOLETO.finditer(text)]
    return spans


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(low < end and start < high for low, high in spans)


def _documents(text: str, counts: Counter[str]) -> str:
    if not _DOCUMENT_HINT.search(text):  # one pass instead of three on most texts with a number
        return text

    def cnpj(match: re.Match[str]) -> str:
        if _cnpj_valid(_digits(match.group())) and not _order_number_near(
            match.string, match.start(), match.group()
        ):
            counts["cnpj"] += 1
            return PLACEHOLDERS["cnpj"]
        return match.group()

    def cpf(match: re.Match[str]) -> str:
        if _cpf_valid(_digits(match.group())) and not _order_number_near(
            match.string, match.start(), match.group()
        ):
            counts["cpf"] += 1
            return PLACEHOLDERS["cpf"]
        return match.group()

    def card(match: re.Match[str]) -> str:
        number = _card_number(match.group())
        if (
            number
            and not _order_number_near(match.string, match.start(), match.group())
            and not _inside(_kept_spans(match.string), match.start(), match.start() + len(number))
        ):
            counts["card"] += 1
            return PLACEHOLDERS["card"] + match.group()[len(number) :]
        return match.group()

    return _CARD.sub(card, _CPF.sub(cpf, _CNPJ.sub(cnpj, text)))


def _may_be_kept(text: str, start: int, end: int, raw: str) -> bool:
    return (
        "." in raw
        or (start > 0 and not text[start - 1].isspace())
        or _DIGIT_BESIDE.match(text, end) is not None
        or _DIGIT_BEFORE.search(text, max(0, start - 3), start) is not None
    )


_DIGIT_BESIDE, _DIGIT_BEFORE = re.compile(r"\s+\d"), re.compile(r"\d\s+$")


def _phones(text: str, counts: Counter[str]) -> str:
    pieces, end = [], 0
    kept: list[tuple[int, int]] | None = None
    for match in PhoneMatcher(text, "BR"):
        if order_number(text, match.start, match.raw_string):
            continue
        # In a link, a number follows a non-space (/, =, -); in a boleto, it has a dot or more groups of
        # digits beside it: only then are those looked for.
        if _may_be_kept(text, match.start, match.end, match.raw_string):
            if kept is None:
                kept = _kept_spans(text)
            if kept and _inside(kept, match.start, match.end):
                continue
        pieces += [text[end : match.start], PLACEHOLDERS["phone"]]
        end = match.end
        counts["phone"] += 1
    return "".join(pieces) + text[end:] if pieces else text


def _emails(text: str) -> tuple[str, int]:
    """_EMAIL.subn(PLACEHOLDERS["email"], text), tried only from each @'s local part: a match is a run of
    local-part characters, the first @ after them, a domain; the search would try each character of every
    word (~5 µs a text with an @), and from any start in the run before an @ the domain is the same, so the
    run's first character (after the last match) is the only start to try."""
    pieces: list[str] = []
    end = count = 0
    at = text.find("@")
    while at != -1:
        start = at - _LOCAL_PART_REVERSED.match(text[end:at][::-1]).end()
        match = _EMAIL.match(text, start) if start < at else None
        if match is None:
            at = text.find("@", at + 1)
            continue
        pieces += [text[end:start], PLACEHOLDERS["email"]]
        end, count = match.end(), count + 1
        at = text.find("@", end)
    return ("".join(pieces) + text[end:] if count else text), count


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
        text, found = _emails(text)
        if found:
            counts["email"] += found
    if not has_at or _DIGIT_RUN.search(text):  # without an @, the caller's gate found the run
        text = _phones(_documents(text, counts), counts)
    if has_at:
        text = _mentions(text, counts)
    return text, tuple(counts.items())


def may_hold_personal_data(text: str) -> bool:
    """False for most texts, cheaply: no @ and no long run of digits, so nothing redact() would change."""
    return "@" in text or _DIGIT_RUN.search(text) is not None


def redaction(text: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """(redact(text), its redactions per kind) of a text that may_hold_personal_data (not checked again)."""
    return _redacted(text) if len(text) <= 512 else _redacted.__wrapped__(text)


def redact(text: str, counts: Counter[str] | None = None) -> str:
    """The text with CPFs, CNPJs, e-mails, phone numbers, card numbers and people's @mentions replaced by
    [cpf], [cnpj], [email], [phone], [card], [mention]; each replacement is added to counts."""
    if not may_hold_personal_data(text):
        return text
    redacted, found = redaction(text)
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


# --- ids in button data, commands addressed to people (issue 22) ----------------------------------

# Bots put user ids in their buttons' data ("ban:401234567", "rate:5:5012345678"): a run of 6 to 19 digits
# (Telegram's user ids have 6 to 10 today) is read as one. Shorter numbers (a rating, a page) stay.
_ID_RUN = re.compile(r"(?<!\d)\d{6,19}(?!\d)")
# "/cmd@name": a command addressed to an account; Telegram requires a bot's username to end in "bot".
_COMMAND_TARGET = re.compile(r"(?<![\w/])(/[A-Za-z0-9_]{1,32})@([A-Za-z0-9_]{1,32})\b")


def pseudonymize_ids(data: str, people: People) -> str:
    """Button data with each run of 6 to 19 digits replaced by its pseudonym, the number user_id holds for
    that person: the data still links to the table's rows, never to the person. Telegram's own accounts
    (NOT_PEOPLE) stay; without a key (pseudonyms off) the data is unchanged."""
    if people.key is None or not any(char.isdigit() for char in data):
        return data
    return _ID_RUN.sub(lambda match: str(people.stored_id(int(match.group()), None)), data)


def command_target(target: str | None) -> str | None:
    """A command's @target as the table keeps it: a bot's username stays (the model finds our bot's
    commands by it), a person's becomes [mention]."""
    if target is None or target.lower().endswith("bot"):
        return target
    return PLACEHOLDERS["mention"]


def redact_command_mentions(text: str, counts: Counter[str] | None = None) -> str:
    """The text with a person's username after a command ("/cmd@marcos_souza") replaced by [mention]
    ("/cmd[mention]", as redact() replaces an @mention); bots' usernames stay. redact() leaves these: an
    @ right after a word is no mention there (it would be an e-mail's)."""
    if "/" not in text or "@" not in text:
        return text

    def target(match: re.Match[str]) -> str:
        if match.group(2).lower().endswith("bot"):
            return match.group()
        if counts is not None:
            counts["mention"] += 1
        return match.group(1) + PLACEHOLDERS["mention"]

    return _COMMAND_TARGET.sub(target, text)
