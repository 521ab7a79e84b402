"""Issue 22, item 3: one odd message never aborts an import. The odd values seen in real exports (a lone
surrogate in a text, an entity `type` that is a list or an object, a `media_type` list, `members: 3`), then
every field of the export's message shape given any JSON value (hypothesis): each message is imported or
skipped and counted, the import goes on, and what it writes the ETL reads."""

import copy
import json
import math
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_pipeline.desktop_export import convert, iter_messages
from telegram_etl.flatten import flatten, parse_update
from telegram_etl.rows import to_table

SAO_PAULO, TOKYO = ZoneInfo("America/Sao_Paulo"), ZoneInfo("Asia/Tokyo")
# A message of the current format, as fixture 39 writes them.
BASE = {
    "id": 10830, "type": "message", "date": "2022-06-05T15:45:37", "date_unixtime": "1654418737",
    "from": "Ronny", "from_id": "user149994951", "reply_to_message_id": 10829,
    "text": ["veja ", {"type": "link", "text": "https://t.me/x"}],
    "text_entities": [{"type": "plain", "text": "veja "}, {"type": "link", "text": "https://t.me/x"}],
}  # fmt: skip


def export_of(*messages: dict) -> dict:
    return {"name": "Suporte", "type": "private_supergroup", "id": 1712691810, "messages": list(messages)}


def imported(export: dict, zone: ZoneInfo = SAO_PAULO):
    conversion = convert(export, timezone=zone, export_timezone=zone)
    assert conversion.read == len(conversion.objects) + sum(conversion.skipped.values())
    return conversion


def test_the_odd_messages_of_real_exports_leave_the_others_imported():
    surrogate = {
        **BASE,
        "id": 1,
        "text": "obrigado \ud83d",
        "text_entities": [{"type": "plain", "text": "obrigado \ud83d"}],
    }
    listed_type = {
        **BASE,
        "id": 2,
        "text_entities": [{"type": ["bold"], "text": "urgente"}, {"type": "plain", "text": " ok"}],
    }
    object_type = {**BASE, "id": 3, "text_entities": [{"type": {"name": "bold"}, "text": "urgente"}]}
    media_list = {**BASE, "id": 4, "media_type": ["voice_message"], "file": "(File not included.)"}
    members = {"id": 5, "type": "service", "date_unixtime": "1654418737", "actor": "Ronny",
               "actor_id": "user149994951", "action": "invite_members", "members": 3}  # fmt: skip
    normal = {**BASE, "id": 6}
    conversion = imported(export_of(surrogate, listed_type, object_type, media_list, members, normal))
    assert (conversion.read, len(conversion.objects), dict(conversion.skipped)) == (6, 6, {})
    updates = {u["message"]["message_id"]: u["message"] for u in iter_messages(conversion)}
    # Half an emoji stays as the Bot API writes it (escaped); the ETL stores it as U+FFFD.
    assert updates[1]["text"] == "obrigado \ud83d"
    body = next(o.body for o in conversion.objects if b"\\ud83d" in o.body)
    row = flatten(parse_update(body), None)
    stored = to_table([row])
    assert (stored.table.column("text").to_pylist(), stored.repaired) == (["obrigado \ufffd"], 1)
    # An entity type that is no string is no entity: its text stays, plain.
    assert (updates[2]["text"], updates[2].get("entities")) == ("urgente ok", None)
    assert (updates[3]["text"], updates[3].get("entities")) == ("urgente", None)
    assert updates[4]["document"] == {} and updates[4]["caption"] == "veja https://t.me/x"
    assert updates[5]["new_chat_members"] == []
    assert updates[6]["text"] == "veja https://t.me/x"


def test_values_no_json_parser_should_write_are_refused_per_message():
    nan = {**BASE, "id": 1, "location_information": {"latitude": math.nan, "longitude": -46.6}}
    far = {**BASE, "id": 2, "date_unixtime": "253402300799"}  # 9999-12-31T23:59:59Z: year 10000 in Tokyo
    year_one = {**BASE, "id": 3, "date_unixtime": None, "date": "0001-01-01T00:00:00"}
    conversion = imported(export_of(nan, far, year_one, {**BASE, "id": 4}), TOKYO)
    assert [json.loads(o.body)["message"]["message_id"] for o in conversion.objects] == [1, 4]
    assert json.loads(conversion.objects[0].body)["message"]["location"] == {"longitude": -46.6}
    assert sum(conversion.skipped.values()) == 2


def test_an_odd_chat_type_or_id_skips_that_chat():
    odd = [{**export_of(BASE), "type": ["private_supergroup"]}, {**export_of(BASE), "id": "1712691810"},
           {**export_of(BASE), "id": 10**13}]  # fmt: skip
    conversion = imported({"chats": {"list": [*odd, export_of(BASE)]}})
    assert (conversion.read, len(conversion.objects), sum(conversion.skipped.values())) == (4, 1, 3)


# --- every field, any JSON value ------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "\ud83d", "1654418737", "2022-06-05T15:45:37", "0001-01-01T00:00:00",
                     "user149994951", "channel1712691810", "chat12", "9999-12-31T23:59:59", "bold",
                     "mention_name", "text_mention", "voice_message", "sticker", "invite_members",
                     "pin_message", "migrate_from_group", "migrate_to_supergroup", "group_call"]),
)  # fmt: skip
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["type", "text", "href", "user_id", "language", "document_id", "latitude", "question",
                     "first_name", "x"]), inner, max_size=3), max_leaves=8)  # fmt: skip
FIELDS = (
    "id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "from", "from_id", "actor",
    "actor_id", "action", "members", "title", "new_title", "message_id", "period", "duration", "boosts",
    "reply_to_message_id", "reply_to_peer_id", "forwarded_from", "text", "text_entities", "photo",
    "width", "height", "media_type", "file", "mime_type", "sticker_emoji", "duration_seconds", "poll",
    "contact_information", "place_name", "address", "location_information", "game_title",
    "invoice_information",
)  # fmt: skip
MESSAGES = st.fixed_dictionaries({}, optional={name: JSON for name in FIELDS}).map(
    lambda odd: {**BASE, **odd}
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages=st.lists(MESSAGES | st.sampled_from([copy.deepcopy(BASE)]) | JSON, max_size=4),
       zone=st.sampled_from([SAO_PAULO, TOKYO]))  # fmt: skip
def test_any_json_value_in_any_field_is_imported_or_skipped_and_counted(messages, zone):
    conversion = imported(export_of(*messages), zone)
    # No message needed the last resort: each odd value has its rule.
    assert not [reason for reason in conversion.skipped if reason.startswith("unreadable message")]
    for obj in conversion.objects:
        update = parse_update(obj.body)  # standard JSON (no NaN), readable by the ETL
        row = flatten(update, None)
        assert row["message_id"] is not None and row["chat_id"] is not None and row["date"] is not None
        assert not to_table([row]).rejected


def test_a_reply_or_pin_to_an_id_that_is_no_message_leaves_the_message_imported():
    reply = {**BASE, "id": 1, "reply_to_message_id": -5}  # a supergroup without pre-upgrade history
    pin = {"id": 2, "type": "service", "date_unixtime": "1654418737", "actor_id": "user149994951",
           "action": "pin_message", "message_id": 2**70}  # fmt: skip
    conversion = imported(export_of(reply, pin))
    assert (len(conversion.objects), dict(conversion.skipped)) == (2, {})
    updates = {u["message"]["message_id"]: u["message"] for u in iter_messages(conversion)}
    assert "reply_to_message" not in updates[1]
    assert updates[2]["pinned_message"]["message_id"] == 0
