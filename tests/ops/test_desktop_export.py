"""A Telegram Desktop export as Bot API updates: the two real exports (fixtures 39 and 40, a public
supergroup, read by hand for the values below) through the conversion and the ETL's own flattener.

The service messages have no real sample among the fixtures; they are written here in the shape Telegram
Desktop's JSON writer gives them (`type: service`, `actor`, `actor_id`, `action`, `members`, `title`,
`message_id`)."""

import copy
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ops.desktop_export import (
    NotAnExport,
    chats_of,
    convert,
    iter_messages,
    load_export,
    rich_text,
)
from telegram_etl.flatten import flatten
from telegram_etl.sources import EXPORT_MAX, EXPORT_MIN
from tests.helpers import FIXTURES_DIR

NEW = FIXTURES_DIR / "39_desktop_export_new_format.json"
OLD = FIXTURES_DIR / "40_desktop_export_old_format.json"
SAO_PAULO, JAKARTA = ZoneInfo("America/Sao_Paulo"), ZoneInfo("Asia/Jakarta")
# "Teknologi Umum v2.0", a public supergroup with export id 1712691810: the Bot API's -100 prefix.
CHAT_ID = -1001712691810


def rows_of(export, **options) -> dict[int, dict]:
    options = {"timezone": SAO_PAULO, "export_timezone": JAKARTA, **options}
    conversion = convert(export, **options)
    return {row["message_id"]: row for row in (flatten(u, None) for u in iter_messages(conversion))}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def chat_export(*messages: dict, chat_type: str = "private_supergroup", chat_id: int = 555) -> dict:
    return {"name": "Suporte", "type": chat_type, "id": chat_id, "messages": list(messages)}


# --- the current format (fixture 39) -------------------------------------------------------------------


def test_new_format_every_message_is_imported_in_its_local_day():
    conversion = convert(load_export(NEW), timezone=SAO_PAULO, export_timezone=JAKARTA)
    assert (conversion.read, len(conversion.objects), sum(conversion.skipped.values())) == (155, 155, 0)
    # 08:42 to 09:33 UTC on 2022-06-05: the early morning of the same day in São Paulo.
    assert conversion.days == ["2022-06-05"]
    assert all(obj.key.startswith("telegram/context_date=2022-06-05/") for obj in conversion.objects)


def test_new_format_deleted_account_link_and_edit():
    # id 10821: "from": null (a deleted account) with from_id user1168523623, a link as its only text,
    # date_unixtime 1654418579 (2022-06-05 08:42:59 UTC), edited_unixtime 1654419750.
    row = rows_of(load_export(NEW))[10821]
    assert row["update_type"] == "message"
    assert (row["chat_id"], row["chat_type"], row["chat_title"]) == (
        CHAT_ID,
        "supergroup",
        "Teknologi Umum v2.0",
    )
    assert (row["user_id"], row["user_first_name"], row["user_is_bot"]) == (
        1168523623,
        "Deleted Account",
        None,
    )
    assert row["text"] == "https://howtoprofessionallysay.akashrajpurohit.com/"
    assert row["content_type"] == "text"
    assert (row["date"], row["edit_date"]) == (utc(2022, 6, 5, 8, 42, 59), utc(2022, 6, 5, 9, 2, 30))
    assert (row["is_service"], row["is_forward"], row["source"]) == (False, False, "export")


def test_new_format_reply_names_the_author_of_the_replied_message():
    rows = rows_of(load_export(NEW))
    # 10832 replies to 10829, which Albilaga (user219201706) sent; its text is one italic part plus "".
    assert (rows[10832]["reply_to_message_id"], rows[10832]["reply_to_user_id"]) == (10829, 219201706)
    assert rows[10832]["text"].startswith("Thank you for your input. I\u2019ll keep")
    # 10827 replies to 10819, which is not in the export: the reply, without its author.
    assert (rows[10827]["reply_to_message_id"], rows[10827]["reply_to_user_id"]) == (10819, None)


def test_new_format_rich_text_is_flattened_with_utf16_entities():
    export = load_export(NEW)
    item = next(m for m in export["messages"] if m["id"] == 10845)  # "the infamous " + italic "tim internal"
    assert rich_text(item) == ("the infamous tim internal", [{"type": "italic", "offset": 13, "length": 12}])
    command = rows_of(export)[10950]  # a bot_command entity: "/dukun@TeknologiUmumBot"
    assert (command["command"], command["command_target"], command["intent"]) == (
        "/dukun",
        "teknologiumumbot",
        None,
    )


def test_new_format_media_kinds():
    rows = rows_of(load_export(NEW))
    assert (rows[10822]["content_type"], rows[10822]["text"]) == ("photo", None)  # a photo, "text": ""
    assert rows[10837]["content_type"] == "sticker"
    assert rows[10973]["content_type"] == "photo"  # a photo with a caption
    assert rows[10973]["text"] == "tada.. siapa yang dikantornya ada ginian, wkwkwk"
    via_bot = next(m for m in load_export(NEW)["messages"] if m.get("via_bot"))  # an @gif animation
    assert rows[via_bot["id"]]["content_type"] == "animation"
    # 2 "photo", 4 "file" (each with a media_type: 2 stickers, 2 animations), the other 149 text only.
    assert Counter(row["content_type"] for row in rows.values()) == {
        "text": 149, "photo": 2, "sticker": 2, "animation": 2,
    }  # fmt: skip


# --- the older format (fixture 40) ---------------------------------------------------------------------


def test_old_format_naive_dates_are_read_in_the_export_time_zone():
    # id 95364: "date": "2022-09-16T21:03:57", no date_unixtime: the exporting machine's local time.
    jakarta = rows_of(load_export(OLD), export_timezone=JAKARTA)[95364]
    assert jakarta["date"] == utc(2022, 9, 16, 14, 3, 57)  # UTC+7
    sao_paulo = rows_of(load_export(OLD), export_timezone=SAO_PAULO)[95364]
    assert sao_paulo["date"] == utc(2022, 9, 17, 0, 3, 57)  # UTC-3


def test_old_format_days_follow_the_stage_time_zone():
    old = load_export(OLD)
    in_utc = convert(old, timezone=ZoneInfo("UTC"), export_timezone=SAO_PAULO)
    # 21:03 to 21:15 in São Paulo are 00:03 to 00:15 UTC the next day.
    assert in_utc.days == ["2022-09-17"]
    assert convert(old, timezone=SAO_PAULO, export_timezone=SAO_PAULO).days == ["2022-09-16"]
    # Said in the report: every one of the 46 dates was a local time, read in the given zone.
    assert (in_utc.local_times, in_utc.export_timezone) == (46, "America/Sao_Paulo")
    assert convert(load_export(NEW), timezone=SAO_PAULO, export_timezone=JAKARTA).local_times == 0


def test_old_format_messages_forwards_code_and_edits():
    rows = rows_of(load_export(OLD))
    assert len(rows) == 46
    assert (rows[95364]["user_id"], rows[95364]["reply_to_message_id"]) == (368718073, 95359)
    assert rows[95365]["text"] == "https://t.me/dotnetcore_id/34404\n\ndapet insight dari ini"
    assert rows[95370]["is_forward"] is True  # forwarded_from "Ronny Gunawan"
    assert rows[95379]["is_forward"] is False
    # "edited": "2022-09-16T21:04:57" (no edited_unixtime), read in the export's zone like the date.
    assert rows[95366]["edit_date"] == utc(2022, 9, 16, 14, 4, 57)
    assert rows[95406]["user_first_name"] == "Deleted Account"  # "from": null
    assert rows[95393]["content_type"] == "sticker"  # its file "not included": still a sticker


def test_old_format_entities_count_utf16_units():
    old = load_export(OLD)
    item = next(m for m in old["messages"] if m["id"] == 95378)
    text, entities = rich_text(item)
    assert text.startswith("jadi ketika ada instance dari class Hero ini diterima")
    assert entities == [{"type": "code", "offset": 36, "length": 4}]
    pre = next(m for m in old["messages"] if m["id"] == 95375)
    assert rich_text(pre)[1][0]["type"] == "pre" and rich_text(pre)[1][0]["offset"] == 13


def test_the_two_formats_give_the_same_updates():
    """The current export without its Unix times and entity lists is the older format; read in the
    exporting machine's zone (UTC+7: its `date` is date_unixtime + 7 h), it gives the same bytes."""
    new = load_export(NEW)
    old = copy.deepcopy(new)
    for message in old["messages"]:
        for key in ("date_unixtime", "edited_unixtime", "text_entities"):
            message.pop(key, None)
    options = {"timezone": SAO_PAULO, "export_timezone": JAKARTA}
    assert [o.body for o in convert(old, **options).objects] == [
        o.body for o in convert(new, **options).objects
    ]


def test_emoji_count_twice_in_entity_offsets():
    assert rich_text({"text": ["😂 ", {"type": "bold", "text": "olá"}, {"type": "text_link", "text": "aqui",
                                                                       "href": "https://x.example"}]}) == (
        "😂 oláaqui",
        [{"type": "bold", "offset": 3, "length": 3},
         {"type": "text_link", "offset": 6, "length": 4, "url": "https://x.example"}],
    )  # fmt: skip


# --- ids, idempotence ----------------------------------------------------------------------------------


def test_ids_are_deterministic_in_the_export_range_and_distinct():
    first = convert(load_export(NEW), timezone=SAO_PAULO, export_timezone=JAKARTA)
    second = convert(load_export(NEW), timezone=SAO_PAULO, export_timezone=JAKARTA)
    assert [(o.key, o.body) for o in first.objects] == [(o.key, o.body) for o in second.objects]
    ids = [update["update_id"] for update in iter_messages(first)]
    assert len(set(ids)) == 155
    assert all(EXPORT_MIN <= i <= EXPORT_MAX for i in ids)


def test_a_message_id_twice_is_imported_once():
    export = load_export(OLD)
    export["messages"].append(export["messages"][0])
    conversion = convert(export, timezone=SAO_PAULO, export_timezone=JAKARTA)
    assert len(conversion.objects) == 46
    assert conversion.skipped == {"the same message id twice in one chat": 1}


# --- senders, chats, service messages --------------------------------------------------------------------


def test_chat_types_map_to_bot_api_ids():
    text = {"id": 1, "type": "message", "date_unixtime": "1700000000", "from_id": "user7", "text": "oi"}
    group = rows_of(chat_export(text, chat_type="private_group", chat_id=4962287234))[1]
    assert (group["chat_id"], group["chat_type"]) == (-4962287234, "group")
    supergroup = rows_of(chat_export(text, chat_type="private_supergroup", chat_id=2855950299))[1]
    assert (supergroup["chat_id"], supergroup["chat_type"]) == (-1002855950299, "supergroup")
    personal = convert(
        chat_export(text, chat_type="personal_chat"), timezone=SAO_PAULO, export_timezone=SAO_PAULO
    )
    assert personal.objects == []
    assert personal.skipped == {"chat type 'personal_chat' is not a group or supergroup": 1}


def test_chat_senders_anonymous_admin_and_channel():
    base = {"type": "message", "date_unixtime": "1700000000", "text": "aviso"}
    rows = rows_of(chat_export(
        {**base, "id": 1, "from": "Suporte", "from_id": "channel555"},  # the group itself: an anonymous admin
        {**base, "id": 2, "from": "Loja News", "from_id": "channel777"},  # a channel posting in the group
    ))  # fmt: skip
    assert (rows[1]["sender_chat_id"], rows[1]["user_id"]) == (-1000000000555, 1087968824)
    assert rows[1]["sender_chat_id"] == rows[1]["chat_id"]  # the model's "staff" (anonymous admin)
    assert (rows[2]["sender_chat_id"], rows[2]["user_id"]) == (-1000000000777, 136817688)


def test_service_messages():
    base = {"type": "service", "date_unixtime": "1700000000", "text": "", "text_entities": []}
    rows = rows_of(chat_export(
        {**base, "id": 1, "actor": "Ana", "actor_id": "user101", "action": "join_group_by_link", "inviter": "Bia"},
        {**base, "id": 2, "actor": "Bia", "actor_id": "user102", "action": "invite_members", "members": ["Caio", None]},
        {**base, "id": 3, "actor": "Bia", "actor_id": "user102", "action": "pin_message", "message_id": 1},
        {**base, "id": 4, "actor": "Bia", "actor_id": "user102", "action": "migrate_from_group", "title": "Velho"},
        {**base, "id": 5, "actor": "Bia", "actor_id": "user102", "action": "topic_created", "title": "Pedidos"},
        {**base, "id": 6, "actor": "Bia", "actor_id": "user102", "action": "remove_members", "members": ["Caio"]},
        {**base, "id": 7, "actor": "Bia", "actor_id": "user102", "action": "phone_call"},
        {"id": 8, "type": "unsupported"},
    ))  # fmt: skip
    assert {i: (r["content_type"], r["is_service"], r["user_id"]) for i, r in rows.items()} == {
        1: ("new_chat_members", True, 101),
        2: ("new_chat_members", True, 102),
        3: ("pinned_message", True, 102),
        4: ("migrate_from_chat_id", True, 102),
        5: ("forum_topic_created", True, 102),
        6: ("left_chat_member", True, 102),
    }
    assert rows[4]["migrate_from_chat_id"] is None  # the old group's id is not in the export
    conversion = convert(chat_export(
        {**base, "id": 7, "actor": "Bia", "actor_id": "user102", "action": "phone_call"}, {"id": 8, "type": "unsupported"}
    ), timezone=SAO_PAULO, export_timezone=SAO_PAULO)  # fmt: skip
    assert conversion.skipped == {
        "service action 'phone_call' (no Bot API equivalent)": 1,
        "message type 'unsupported' (unsupported by Telegram Desktop's export)": 1,
    }


def test_our_bot_is_known_by_its_user_id():
    text = {"type": "message", "date_unixtime": "1700000000", "text": "Olá! Como posso ajudar?"}
    export = chat_export({**text, "id": 1, "from": "AjudaBot", "from_id": "user7000000001"},
                         {**text, "id": 2, "from": "Ana", "from_id": "user101"})  # fmt: skip
    rows = rows_of(export, bot_user_id=7000000001, bot_username="ajuda_loja_bot")
    assert (rows[1]["user_is_bot"], rows[1]["user_username"]) == (True, "ajuda_loja_bot")
    assert (rows[2]["user_is_bot"], rows[2]["user_username"]) == (None, None)


def test_allowed_chat_ids_are_respected():
    text = {"id": 1, "type": "message", "date_unixtime": "1700000000", "from_id": "user7", "text": "oi"}
    assert len(convert(chat_export(text), timezone=SAO_PAULO, export_timezone=SAO_PAULO,
                       allowed_chat_ids=frozenset({-1000000000555})).objects) == 1  # fmt: skip
    refused = convert(chat_export(text), timezone=SAO_PAULO, export_timezone=SAO_PAULO,
                      allowed_chat_ids=frozenset({-1009999}))  # fmt: skip
    assert (refused.objects, refused.skipped) == ([], {"chat -1000000000555 is not in allowed_chat_ids": 1})


def test_a_whole_account_export_imports_its_groups():
    group = load_export(OLD)
    account = {
        "about": "Here is the data you requested.",
        "chats": {"about": "...", "list": [
            {"name": "Ana", "type": "personal_chat", "id": 101, "messages": [
                {"id": 1, "type": "message", "date_unixtime": "1700000000", "from_id": "user101", "text": "oi"}]},
            group,
        ]},
        "left_chats": {"about": "...", "list": []},
    }  # fmt: skip
    assert [chat["type"] for chat in chats_of(account)] == ["personal_chat", "public_supergroup"]
    conversion = convert(account, timezone=SAO_PAULO, export_timezone=JAKARTA)
    assert (conversion.read, len(conversion.objects)) == (47, 46)
    assert conversion.skipped == {"chat type 'personal_chat' is not a group or supergroup": 1}


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["[1, 2]", '{"update_id": 1, "message": {}}', '"text"'])
def test_json_that_is_no_export_is_refused(tmp_path: Path, content: str):
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(NotAnExport, match="not a Telegram Desktop export"):
        chats_of(load_export(path))


def test_a_truncated_export_is_refused(tmp_path: Path):
    path = tmp_path / "result.json"
    path.write_bytes(NEW.read_bytes()[:5000])
    with pytest.raises(NotAnExport, match="not valid JSON, perhaps truncated"):
        load_export(path)


def test_a_real_update_is_no_export():
    update = json.loads((FIXTURES_DIR / "01_group_text.json").read_text())
    with pytest.raises(NotAnExport):
        chats_of(update)


def test_day_of_every_object_is_its_key_partition():
    conversion = convert(load_export(OLD), timezone=ZoneInfo("UTC"), export_timezone=SAO_PAULO)
    assert {obj.day for obj in conversion.objects} == {date(2022, 9, 17)}


def test_messages_without_a_usable_date_are_skipped():
    base = {"type": "message", "from_id": "user7", "text": "oi"}
    conversion = convert(chat_export(
        {**base, "id": 1, "date_unixtime": "99999999999999"},  # beyond year 9999, and no "date" to fall back on
        {**base, "id": 2, "date": "not a date"},
        {**base, "id": 3, "date": "2024-03-10T09:30:00"},
    ), timezone=SAO_PAULO, export_timezone=SAO_PAULO)  # fmt: skip
    assert conversion.skipped == {"no readable date": 2}
    assert [obj.day for obj in conversion.objects] == [date(2024, 3, 10)]
