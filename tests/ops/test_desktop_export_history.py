"""Real Telegram Desktop exports of older kinds (tests/fixtures/desktop_exports, SOURCES.md there), read by
hand for the values below, through the conversion and the ETL's own flattener:

- 2020-01_group_integer_ids.json: a basic group exported in January 2020, when Telegram Desktop wrote
  `from_id` / `actor_id` as integers (the user id) and `"edited": "1970-01-01T05:00:00"` (the epoch in the
  exporting machine's time, UTC+5: Tashkent) for a message never edited. 31 messages (26 messages and 5
  service messages) by 8 people.
- 2021-06_supergroup_migrated_history.json: a supergroup exported in June 2021 whose first three messages
  are the basic group's history from before its upgrade, numbered id - 10^9 by Telegram Desktop
  (-999681092 is message 318908 of the old group); then one message of the supergroup itself.
"""

import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ops.desktop_export import (
    NotAnExport,
    convert,
    iter_messages,
    load_export,
    old_group_stand_in,
)
from ops.import_export import convert_file
from stacks.config import StageConfig
from telegram_etl.flatten import flatten
from telegram_etl.sources import export_update_id

EXPORTS = Path(__file__).parent.parent / "fixtures" / "desktop_exports"
OLD_GROUP = EXPORTS / "2020-01_group_integer_ids.json"
UPGRADED = EXPORTS / "2021-06_supergroup_migrated_history.json"
TASHKENT, SAO_PAULO = ZoneInfo("Asia/Tashkent"), ZoneInfo("America/Sao_Paulo")
SUPERGROUP = -1001234567890  # "My Supergroup", export id 1234567890


def rows(path: Path, **options) -> list[dict]:
    options = {"timezone": SAO_PAULO, "export_timezone": TASHKENT, **options}
    return [flatten(update, None) for update in iter_messages(convert(load_export(path), **options))]


# --- integer from_id / actor_id (Telegram Desktop before 2.4.5) ------------------------------------


def test_an_older_group_export_keeps_every_message_and_every_sender():
    conversion = convert(load_export(OLD_GROUP), timezone=SAO_PAULO, export_timezone=TASHKENT)
    assert (conversion.read, len(conversion.objects), sum(conversion.skipped.values())) == (31, 31, 0)
    table = rows(OLD_GROUP)
    assert {row["chat_id"] for row in table} == {-8123123123}
    assert all(row["user_id"] is not None for row in table)
    # from_id of the 26 messages, actor_id of the 5 service messages, as the JSON gives them.
    senders = Counter(row["user_id"] for row in table)
    assert senders == {
        22222222: 11, 11111111: 7, 555555555: 6, 44444444: 3, 777777777: 1, 333333333: 1,
        666666666: 1, 310242343: 1,
    }  # fmt: skip
    assert Counter(row["user_id"] for row in table if not row["is_service"]) == {
        11111111: 7, 22222222: 7, 555555555: 6, 44444444: 3, 777777777: 1, 666666666: 1, 310242343: 1,
    }  # fmt: skip
    by_id = {row["message_id"]: row for row in table}
    assert (by_id[4730]["user_id"], by_id[4730]["user_first_name"], by_id[4730]["text"]) == (
        44444444,
        "Eeeee Eeeeeeeeee",
        "Видел)",
    )
    assert (by_id[4722]["user_id"], by_id[4722]["content_type"]) == (333333333, "left_chat_member")
    # A reply names the replied message's author (39739, from 555555555).
    assert (by_id[39740]["reply_to_message_id"], by_id[39740]["reply_to_user_id"]) == (39739, 555555555)


def test_an_unedited_message_of_an_older_export_has_no_edit_date_in_any_time_zone():
    for zone in (TASHKENT, SAO_PAULO, ZoneInfo("Asia/Tokyo")):
        by_id = {row["message_id"]: row for row in rows(OLD_GROUP, export_timezone=zone)}
        assert [m for m, row in by_id.items() if row["edit_date"] is not None] == [67346, 129455]
    # 67346: sent 2018-11-17T00:58:01, edited 00:58:05 (Tashkent, UTC+5).
    edited = {row["message_id"]: row for row in rows(OLD_GROUP)}[67346]
    assert (edited["edit_date"] - edited["date"]).total_seconds() == 4
    assert edited["date"].isoformat() == "2018-11-16T19:58:01+00:00"


@pytest.mark.parametrize(
    ("from_id", "kind", "expected"),
    [
        (22222222, "user", 22222222),  # Telegram Desktop before 2.4.5: the user id
        (2**32 + 22222222, "user", 22222222),  # 2.4.5 to 2.7.1: its PeerId, 2^32 | user id
        ("user22222222", "user", 22222222),  # 2.7.2 on
    ],
)
def test_every_form_of_a_user_sender_is_the_same_user(from_id, kind, expected):
    export = {"name": "Suporte", "type": "private_group", "id": 555, "messages": [
        {"id": 1, "type": "message", "date": "2020-11-02T10:00:00", "from": "Ana", "from_id": from_id,
         "text": "oi"},
    ]}  # fmt: skip
    (row,) = [flatten(u, None) for u in iter_messages(convert(export, timezone=SAO_PAULO,
                                                              export_timezone=SAO_PAULO))]  # fmt: skip
    assert (row["user_id"], row["sender_chat_id"]) == (expected, None)


def test_a_chat_sender_of_the_peer_id_era_is_the_channel_or_the_anonymous_admin():
    # 2.4.5 to 2.7.1 wrote a chat or channel as 2^33 | id: the supergroup itself is an anonymous admin.
    export = {"name": "Suporte", "type": "private_supergroup", "id": 555, "messages": [
        {"id": 1, "type": "message", "date": "2021-01-02T10:00:00", "from": "Suporte",
         "from_id": 2**33 + 555, "text": "aviso"},
        {"id": 2, "type": "message", "date": "2021-01-02T10:01:00", "from": "Canal",
         "from_id": 2**33 + 777, "text": "post"},
    ]}  # fmt: skip
    first, second = (flatten(u, None) for u in iter_messages(convert(export, timezone=SAO_PAULO,
                                                                     export_timezone=SAO_PAULO)))  # fmt: skip
    assert (first["user_id"], first["sender_chat_id"]) == (1087968824, -1000000000555)
    assert (second["user_id"], second["sender_chat_id"]) == (136817688, -1000000000777)


# --- a supergroup's pre-upgrade history (negative ids) -----------------------------------------------


def test_pre_upgrade_messages_are_imported_into_the_old_groups_chat_with_their_senders():
    conversion = convert(load_export(UPGRADED), timezone=SAO_PAULO, export_timezone=TASHKENT)
    assert (conversion.read, len(conversion.objects), sum(conversion.skipped.values())) == (4, 4, 0)
    table = {(row["chat_id"], row["message_id"]): row for row in rows(UPGRADED)}
    old = old_group_stand_in(SUPERGROUP)
    assert old == -3001234567890
    assert set(table) == {(old, 318908), (old, 318910), (old, 318913), (SUPERGROUP, 358000)}
    assert table[(old, 318908)]["user_id"] == 222222222  # invite_members, actor_id user222222222
    assert table[(old, 318908)]["content_type"] == "new_chat_members"
    assert (table[(old, 318910)]["user_id"], table[(old, 318910)]["text"]) == (
        333333333,
        "Message text with emoji 🙂",
    )
    assert (table[(old, 318913)]["user_id"], table[(old, 318913)]["text"]) == (
        444444444,
        "Message from an added user",
    )
    assert table[(old, 318910)]["chat_type"] == "group"
    assert table[(old, 318910)]["chat_title"] == "My Supergroup"
    assert (table[(SUPERGROUP, 358000)]["user_id"], table[(SUPERGROUP, 358000)]["content_type"]) == (
        11111111,
        "contact",
    )


def test_pre_upgrade_ids_are_stable_and_unique_across_imports():
    first = convert(load_export(UPGRADED), timezone=SAO_PAULO, export_timezone=TASHKENT)
    second = convert(load_export(UPGRADED), timezone=SAO_PAULO, export_timezone=TASHKENT)
    assert [(o.key, o.body) for o in first.objects] == [(o.key, o.body) for o in second.objects]
    old = old_group_stand_in(SUPERGROUP)
    ids = [json.loads(o.body)["update_id"] for o in first.objects]
    assert ids == [export_update_id(old, 318908), export_update_id(old, 318910),
                   export_update_id(old, 318913), export_update_id(SUPERGROUP, 358000)]  # fmt: skip
    assert len(set(ids)) == 4


def test_the_old_groups_real_id_when_given_and_the_two_chats_are_linked():
    export = load_export(UPGRADED)
    messages = export["chats"]["list"][0]["messages"]
    # The upgrade's two service messages, in the shapes Telegram Desktop writes them (frozenspider's
    # telegram_2023-01 export: migrate_to_supergroup as the old group's last message, id -999999999 there).
    messages.insert(3, {"id": -999681086, "type": "service", "date": "2020-12-22T23:15:00",
                        "actor": "Sssss Pppppp", "actor_id": "user222222222",
                        "action": "migrate_to_supergroup", "text": ""})  # fmt: skip
    messages.insert(4, {"id": 1, "type": "service", "date": "2020-12-22T23:15:00", "actor": "My Supergroup",
                        "actor_id": "channel1234567890", "action": "migrate_from_group",
                        "title": "Grupo antigo", "text": ""})  # fmt: skip
    conversion = convert(
        export, timezone=SAO_PAULO, export_timezone=TASHKENT, migrated_from_chat_id=-4518810793
    )
    table = {(row["chat_id"], row["message_id"]): row for row in
             (flatten(u, None) for u in iter_messages(conversion))}  # fmt: skip
    assert set(table) == {(-4518810793, 318908), (-4518810793, 318910), (-4518810793, 318913),
                          (-4518810793, 318914), (SUPERGROUP, 1), (SUPERGROUP, 358000)}  # fmt: skip
    assert table[(-4518810793, 318914)]["migrate_to_chat_id"] == SUPERGROUP
    assert table[(SUPERGROUP, 1)]["migrate_from_chat_id"] == -4518810793
    assert table[(-4518810793, 318910)]["chat_title"] == "Grupo antigo"


def test_a_reply_and_a_pin_in_the_old_history_point_into_the_old_group():
    export = load_export(UPGRADED)
    messages = export["chats"]["list"][0]["messages"]
    messages[2]["reply_to_message_id"] = -999681090  # Telegram Desktop shifts replies of old messages too
    messages.append({"id": -999681080, "type": "service", "date": "2020-12-22T23:20:00", "actor": "Sssss",
                     "actor_id": "user222222222", "action": "pin_message", "message_id": -999681087,
                     "text": ""})  # fmt: skip
    updates = list(iter_messages(convert(export, timezone=SAO_PAULO, export_timezone=TASHKENT)))
    old = old_group_stand_in(SUPERGROUP)
    reply = next(u["message"] for u in updates if u["message"]["message_id"] == 318913)
    assert reply["reply_to_message"]["chat"]["id"] == old
    assert (reply["reply_to_message"]["message_id"], reply["reply_to_message"]["from"]) == (
        318910,
        {"id": 333333333},
    )
    pin = next(u["message"] for u in updates if u["message"]["message_id"] == 318920)
    assert (pin["chat"]["id"], pin["pinned_message"]["chat"]["id"], pin["pinned_message"]["message_id"]) == (
        old,
        old,
        318913,
    )


def test_a_basic_group_has_no_old_history_and_ids_beyond_it_are_skipped():
    export = {"name": "Suporte", "type": "private_group", "id": 555, "messages": [
        {"id": -999681090, "type": "message", "date": "2020-12-22T23:12:09", "from_id": "user3", "text": "a"},
        {"id": -1000000000, "type": "message", "date": "2020-12-22T23:12:09", "from_id": "user3", "text": "b"},
    ]}  # fmt: skip
    conversion = convert(export, timezone=SAO_PAULO, export_timezone=SAO_PAULO)
    assert (len(conversion.objects), conversion.skipped) == (0, {"not a message (no usable integer id)": 2})


def test_the_old_groups_id_must_be_a_basic_groups_and_name_one_upgrade(tmp_path: Path):
    with pytest.raises(NotAnExport, match="not a basic group's id"):
        convert(load_export(UPGRADED), timezone=SAO_PAULO, export_timezone=TASHKENT,
                migrated_from_chat_id=SUPERGROUP)  # fmt: skip
    both = load_export(UPGRADED)
    other = json.loads(json.dumps(both["chats"]["list"][0]))
    other["id"] = 99
    both["chats"]["list"].append(other)
    with pytest.raises(NotAnExport, match="2 supergroups"):
        convert(both, timezone=SAO_PAULO, export_timezone=TASHKENT, migrated_from_chat_id=-4518810793)
    # Through the command line's converter, with the stage's settings.
    conversion = convert_file(UPGRADED, StageConfig(stage="t", timezone="America/Sao_Paulo"),
                              export_timezone="Asia/Tashkent", migrated_from_chat_id=-4518810793)  # fmt: skip
    assert {json.loads(o.body)["message"]["chat"]["id"] for o in conversion.objects} == {
        -4518810793,
        SUPERGROUP,
    }


def test_the_model_counts_the_old_group_and_the_supergroup_as_one_group(tmp_path: Path):
    """Through the conversation model's own `messages` table (the model step over the Parquet the ETL would
    write): the old group's messages, under the stand-in id, belong to the supergroup's group."""
    import pyarrow.parquet as pq

    from analytics.queries import to_duckdb
    from standins.runner import duckdb_over, remodel_folder
    from telegram_etl.rows import to_table

    export = load_export(UPGRADED)
    messages = export["chats"]["list"][0]["messages"]
    messages.insert(3, {"id": -999681086, "type": "service", "date": "2020-12-22T23:15:00", "actor": "Sssss",
                        "actor_id": "user222222222", "action": "migrate_to_supergroup", "text": ""})  # fmt: skip
    messages.insert(4, {"id": 1, "type": "service", "date": "2020-12-22T23:15:00", "actor": "My Supergroup",
                        "actor_id": "channel1234567890", "action": "migrate_from_group", "title": "Velho",
                        "text": ""})  # fmt: skip
    conversion = convert(export, timezone=SAO_PAULO, export_timezone=TASHKENT)
    for day in conversion.days:
        updates = [json.loads(o.body) for o in conversion.objects if o.day.isoformat() == day]
        folder = tmp_path / "telegram" / f"context_date={day}"
        folder.mkdir(parents=True)
        pq.write_table(to_table([flatten(u, None) for u in updates]).table, folder / "part-00000.parquet")
    remodel_folder(tmp_path / "telegram", StageConfig(stage="t"))
    sql = "SELECT chat_id, group_chat_id, count(*) AS n FROM messages GROUP BY 1, 2 ORDER BY 1"
    found = duckdb_over(tmp_path / "telegram").execute(to_duckdb(sql)).fetchall()
    old = old_group_stand_in(SUPERGROUP)
    assert sorted(found) == sorted([(old, SUPERGROUP, 4), (SUPERGROUP, SUPERGROUP, 2)])
