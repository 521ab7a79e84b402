"""Issue 21 item 6: every Bot API service-message field gives a service message, from one list (the schema's
SERVICE_FIELDS), checked against a frozen copy of the Bot API's Message fields
(tests/fixtures/bot_api/message_fields.json: Bot API 10.3, through aiogram 3.31.0's generated types)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from telegram_etl.flatten import CONTENT_TYPES, content_type, flatten, flatten_values
from telegram_etl.schema import COLUMN_NAMES, SERVICE_FIELDS
from tests.helpers import load_fixture

FROZEN = json.loads((Path(__file__).parents[2] / "fixtures" / "bot_api" / "message_fields.json").read_text())
INGESTED = datetime(2025, 11, 28, 12, 0, tzinfo=UTC)


def test_the_list_is_the_bot_apis_service_fields():
    assert FROZEN["bot_api_version"] == "10.3"
    assert list(SERVICE_FIELDS) == list(FROZEN["service_fields"])
    assert len(set(SERVICE_FIELDS)) == len(SERVICE_FIELDS)


def test_every_field_the_bot_api_calls_a_service_message_is_in_the_list():
    described = {name for name, text in FROZEN["service_fields"].items() if "ervice message" in text}
    # The older event fields predate the "Service message:" wording.
    assert set(SERVICE_FIELDS) - described == {
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "migrate_to_chat_id",
        "migrate_from_chat_id", "pinned_message", "connected_website", "passport_data", "giveaway",
        "giveaway_winners",
    }  # fmt: skip
    # Every field of Message is either a service field or something else (content, metadata), never both.
    assert not set(SERVICE_FIELDS) & set(FROZEN["other_fields"])
    assert {"text", "photo", "invoice", "caption", "from"} <= set(FROZEN["other_fields"])


def test_content_of_a_person_comes_before_every_service_field():
    first_service = CONTENT_TYPES.index(SERVICE_FIELDS[0])
    assert CONTENT_TYPES[first_service:] == SERVICE_FIELDS
    assert not set(CONTENT_TYPES[:first_service]) & set(SERVICE_FIELDS)


# Service messages of the newer kinds, as Telegram sends them in a supergroup (the chat and sender of
# tests/fixtures/telegram/16_supergroup_join_legacy_fields.json; the objects as the Bot API defines them).
CHAT = {"id": -1001989718457, "title": "kiiiosk.store", "type": "supergroup"}
SENDER = {"id": 7351028466, "is_bot": False, "first_name": "Lia", "language_code": "pt-br"}
STICKER = {"file_id": "CAACAgIAAxUAAWdkZXY", "file_unique_id": "AgADZXY", "type": "regular", "width": 512,
           "height": 512, "is_animated": True, "is_video": False, "emoji": "🧸"}  # fmt: skip
NEW_KINDS = {
    "gift": {"gift": {"id": "5170233102089322756", "sticker": STICKER, "star_count": 15},
             "convert_star_count": 13, "text": "Quero ver o catálogo!"},
    "unique_gift": {"gift": {"gift_id": "5170233102089322756", "base_name": "Teddy", "name": "Teddy-412",
                             "number": 412, "model": {"name": "Honey", "sticker": STICKER, "rarity_per_mille": 20},
                             "symbol": {"name": "Heart", "sticker": STICKER, "rarity_per_mille": 5},
                             "backdrop": {"name": "Cobalt", "rarity_per_mille": 15,
                                          "colors": {"center_color": 5413, "edge_color": 2308,
                                                     "symbol_color": 1, "text_color": 16777215}}},
                    "origin": "upgrade"},
    "paid_message_price_changed": {"paid_message_star_count": 10},
    "suggested_post_approved": {"send_date": 1764331200, "price": {"currency": "XTR", "amount": 50}},
    "suggested_post_declined": {"comment": "Fora do tema do grupo"},
    "suggested_post_paid": {"currency": "XTR", "star_amount": {"amount": 50}},
    "boost_added": {"boost_count": 1},
    "giveaway_created": {"prize_star_count": 500},
    "successful_payment": {"currency": "BRL", "total_amount": 4990, "invoice_payload": "pedido-4471",
                           "telegram_payment_charge_id": "tg_4471", "provider_payment_charge_id": "pix_4471"},
    "refunded_payment": {"currency": "XTR", "total_amount": 50, "invoice_payload": "pedido-4471",
                         "telegram_payment_charge_id": "tg_4472"},
}  # fmt: skip


def _update(field: str, value: object) -> dict:
    message = {"message_id": 9001, "from": SENDER, "chat": CHAT, "date": 1764331200, field: value}
    return {"update_id": 790012345, "message": message}


@pytest.mark.parametrize("field", sorted(NEW_KINDS))
def test_a_service_message_of_a_newer_kind_is_marked_in_both_paths(field):
    update = _update(field, NEW_KINDS[field])
    row = flatten(update, INGESTED)
    assert (row["content_type"], row["is_service"], row["text"], row["intent"]) == (field, True, None, None)
    values = dict(zip(COLUMN_NAMES, flatten_values(update, 0), strict=True))
    assert (values["content_type"], values["is_service"]) == (field, True)


def test_every_service_field_alone_makes_a_service_message():
    for field in SERVICE_FIELDS:
        assert content_type({field: {}}) == field
        assert flatten(_update(field, {}), INGESTED)["is_service"] is True, field


def test_content_a_person_sends_is_no_service_message():
    for name in ("01_group_text.json", "07_supergroup_sticker.json", "09_supergroup_contact.json"):
        assert flatten(load_fixture(name), INGESTED)["is_service"] is False, name
    assert (
        flatten(_update("invoice", {"title": "Kit", "currency": "BRL", "total_amount": 4990}), INGESTED)[
            "is_service"
        ]
        is False
    )
