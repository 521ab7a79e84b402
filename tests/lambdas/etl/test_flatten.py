"""Golden tests of the flattening: every real fixture's row, written by hand from the payload."""

import json
from datetime import UTC, datetime

import pytest

from telegram_etl.flatten import (
    UPDATE_KINDS,
    NotAnUpdate,
    content_type,
    flatten,
    leading_command,
    parse_update,
    update_kind,
)
from telegram_etl.schema import COLUMN_NAMES
from tests.helpers import DESKTOP_EXPORTS, UPDATE_FILES, load_fixture

INGESTED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

# Per fixture, the columns that are not null (dates as Unix seconds, as in the payload).
# Every other column must be null.
FIRST_USER = {
    "user_id": 12345678,
    "user_is_bot": False,
    "user_first_name": "FirstName",
    "user_username": "FirstName",
    "user_language_code": "en",
}
TEST_GROUP = {"chat_id": -10011869112345, "chat_title": "My new test group"}
DOC_USER = {
    "chat_id": 1111111,
    "chat_type": "private",
    "user_id": 1111111,
    "user_first_name": "Test Firstname",
    "user_username": "Testusername",
}
DANIL = {
    "user_id": 943084337,
    "user_is_bot": False,
    "user_first_name": "Danil",
    "user_username": "pismenny",
    "user_language_code": "en",
}
KIOSK = {"chat_id": -1001989718457, "chat_type": "supergroup", "chat_title": "kiiiosk.store"}
NAME_USER = {
    "chat_id": 12345678,
    "chat_type": "private",
    "user_id": 12345678,
    "user_is_bot": False,
    "user_first_name": "Name",
    "user_username": "UserName",
    "user_language_code": "ln-LN",
}
CRYPTO = {"chat_id": -1001293752024, "chat_type": "supergroup", "chat_title": "CryptoInside Chat"}
HIRROLOT = {
    "chat_id": -1001276785818,
    "chat_type": "supergroup",
    "user_id": 408258968,
    "user_is_bot": False,
    "user_first_name": "Hirrolot",
    "user_username": "hirrolot",
}
LESHCHENKO = {
    "user_id": 133526395,
    "user_is_bot": False,
    "user_first_name": "Алексей",
    "user_username": "leshchenko1979",
    "user_language_code": "ru",
}
MESSAGE = {"update_type": "message", "is_forward": False}

EXPECTED = {
    "01_group_text": {**MESSAGE, **LESHCHENKO, "update_id": 13671261, "message_id": 118, "chat_id": -4165056164,
                      "chat_type": "group", "chat_title": "test", "date": 1707572699, "text": "ask",
                      "content_type": "text"},
    "02_group_reply_emoji": {**MESSAGE, "update_id": 404135507, "message_id": 9117, "chat_id": -114342037,
                             "chat_type": "group", "chat_title": "TestGroup", "user_id": 49402640,
                             "user_first_name": "Riccishop.it", "user_username": "riccishop", "date": 1492897863,
                             "text": "Ciao amico✋", "content_type": "text", "reply_to_message_id": 9111,
                             "reply_to_user_id": 186132931},
    "03_supergroup_reply_bot_command": {**MESSAGE, **CRYPTO, "update_id": 439432600, "message_id": 134546,
                                        "message_thread_id": 134545, "user_id": 5964236329, "user_is_bot": False,
                                        "user_first_name": "the Cable Guy", "user_username": "spacewhaleblues",
                                        "user_language_code": "en", "date": 1721592580, "text": "/report",
                                        "content_type": "text", "command": "/report",
                                        "reply_to_message_id": 134545, "reply_to_user_id": 6962620676},
    "04_supergroup_story": {**MESSAGE, **CRYPTO, "update_id": 439432599, "message_id": 134545,
                            "user_id": 6962620676, "user_is_bot": False, "user_first_name": "Wert",
                            "user_username": "WertCrypto", "date": 1721592028, "content_type": "story"},
    "05_supergroup_pinned_message": {**MESSAGE, **HIRROLOT, "update_id": 845402291, "message_id": 20225,
                                     "chat_title": "teloxide dev", "date": 1582134655,
                                     "content_type": "pinned_message"},
    "06_supergroup_dice": {**MESSAGE, **HIRROLOT, "update_id": 573255266, "message_id": 35410,
                           "chat_title": "bla bla bla chat", "user_language_code": "en", "date": 1596014550,
                           "content_type": "dice"},
    "07_supergroup_sticker": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894309, "message_id": 2,
                              "chat_type": "supergroup", "date": 1604281985, "content_type": "sticker"},
    "08_supergroup_poll_quiz": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894311, "message_id": 4,
                                "chat_type": "supergroup", "date": 1604282015, "content_type": "poll"},
    "09_supergroup_contact": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894312, "message_id": 5,
                              "chat_type": "supergroup", "date": 1604282029, "content_type": "contact"},
    "10_supergroup_live_location": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894314,
                                    "message_id": 7, "chat_type": "supergroup", "date": 1604282070,
                                    "content_type": "location"},
    "11_forum_topic_reply": {**MESSAGE, **KIOSK, **DANIL, "update_id": 124132842, "message_id": 427,
                             "message_thread_id": 407, "date": 1693674816, "text": "Согласен",
                             "content_type": "text", "reply_to_message_id": 407, "reply_to_user_id": 5933409757},
    "12_forum_thread1_oddity": {**MESSAGE, **KIOSK, **DANIL, "update_id": 124132841, "message_id": 425,
                                "message_thread_id": 1, "date": 1693674723, "text": "Добрый!",
                                "content_type": "text", "reply_to_message_id": 411,
                                "reply_to_user_id": 5933409757},
    "13_forum_topic_created": {**MESSAGE, **DANIL, "update_id": 797404202, "message_id": 44,
                               "chat_id": -1001927279455, "chat_type": "supergroup",
                               "chat_title": "Группа поддержи моего проекта!", "message_thread_id": 44,
                               "date": 1693754470, "content_type": "forum_topic_created"},
    "14_group_new_chat_members_bot": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894304,
                                      "message_id": 107, "chat_type": "group", "date": 1604281682,
                                      "content_type": "new_chat_members"},
    "15_group_new_chat_participant_legacy": {**MESSAGE, "update_id": 404135565, "message_id": 9199,
                                             "chat_id": -114342037, "chat_type": "group",
                                             "chat_title": "TestGroup", "user_id": 19179842,
                                             "user_first_name": "fagottino", "user_username": "fagottino",
                                             "date": 1492962856, "content_type": "new_chat_members"},
    "16_supergroup_join_legacy_fields": {**MESSAGE, **LESHCHENKO, "update_id": 13671281, "message_id": 10,
                                         "chat_id": -1001765843568, "chat_type": "supergroup",
                                         "chat_title": "test", "date": 1707580640,
                                         "content_type": "new_chat_members"},
    "17_group_left_chat_member": {**MESSAGE, **FIRST_USER, **TEST_GROUP, "update_id": 259894305,
                                  "message_id": 108, "chat_type": "group", "date": 1604281713,
                                  "content_type": "left_chat_member"},
    "18_group_migrate_to_chat_id": {**MESSAGE, "update_id": 61708811, "message_id": 153, "chat_id": -4518810793,
                                    "chat_type": "group", "chat_title": "Kvede Test 2", "user_id": 62626897,
                                    "user_is_bot": False, "user_first_name": "Andrey",
                                    "user_username": "Helldar", "user_language_code": "ru",
                                    "date": 1731694471, "content_type": "migrate_to_chat_id"},
    "19_supergroup_migrate_from_sender_chat": {**MESSAGE, **TEST_GROUP, "update_id": 259894308, "message_id": 1,
                                               "chat_type": "supergroup", "user_id": 12345678,
                                               "user_is_bot": True, "user_first_name": "Group",
                                               "user_username": "GroupAnonymousBot",
                                               "sender_chat_id": -10011869112345, "date": 1604281763,
                                               "content_type": "migrate_from_chat_id"},
    "20_private_text_link_preview": {**MESSAGE, "update_id": 892252934, "message_id": 6557,
                                     "chat_id": 218485655, "chat_type": "private", "user_id": 218485655,
                                     "user_is_bot": False, "user_first_name": "Waffle",
                                     "user_username": "WaffleLapkin", "user_language_code": "en",
                                     "date": 1569518342, "text": "hello there", "content_type": "text"},
    "21_private_forward_custom_emoji": {**MESSAGE, "update_id": 934522437, "message_id": 1374619,
                                        "chat_id": 927266710, "chat_type": "private", "user_id": 927266710,
                                        "user_is_bot": False, "user_first_name": ">_run",
                                        "user_username": "coder2020", "user_language_code": "en",
                                        "date": 1682189507, "text": "a" * 76 + "😋😋", "content_type": "text",
                                        "is_forward": True},
    "22_private_photo_caption": {**MESSAGE, **NAME_USER, "update_id": 123456789, "message_id": 12345,
                                 "date": 1508825154, "text": "photo description", "content_type": "photo"},
    "23_private_document_caption": {**MESSAGE, **NAME_USER, "update_id": 123456789, "message_id": 12345,
                                    "date": 1508768012, "text": "doc description", "content_type": "document"},
    "24_doc_voice": {**MESSAGE, **DOC_USER, "update_id": 10000, "message_id": 1365, "date": 1441645532,
                     "content_type": "voice"},
    "25_doc_forwarded_channel_legacy": {**MESSAGE, **DOC_USER, "update_id": 10000, "message_id": 1365,
                                        "date": 1441645532, "text": "/start", "content_type": "text",
                                        "command": "/start", "is_forward": True},
    "26_edited_message_text": {**FIRST_USER, **TEST_GROUP, "update_type": "edited_message", "is_forward": False,
                               "update_id": 259894338, "message_id": 11, "chat_type": "supergroup",
                               "date": 1604282147, "edit_date": 1604282153, "text": "Hello, modified",
                               "content_type": "text"},
    "27_edited_message_live_location": {**FIRST_USER, **TEST_GROUP, "update_type": "edited_message",
                                        "is_forward": False, "update_id": 259894316, "message_id": 7,
                                        "chat_type": "supergroup", "date": 1604282070, "edit_date": 1604282074,
                                        "content_type": "location"},
    "28_channel_post": {"update_type": "channel_post", "is_forward": False, "update_id": 298386797,
                        "message_id": 13, "chat_id": -1001794755993, "chat_type": "channel",
                        "chat_title": "Canal Teste", "sender_chat_id": -1001794755993, "date": 1662127987,
                        "text": "Tfhhgcfg", "content_type": "text"},
    "29_channel_reaction_count": {"update_type": "message_reaction_count", "update_id": 71651251,
                                  "message_id": 36, "chat_id": -1002236736395, "chat_type": "channel",
                                  "chat_title": "Test", "date": 1721306391},
    "30_callback_query_message": {"update_type": "callback_query", "update_id": 404135787, "message_id": 9436,
                                  "chat_id": 19179842, "chat_type": "private", "user_id": 19179842,
                                  "user_first_name": "fagottino", "user_username": "fagottino",
                                  "reply_to_message_id": 9435, "reply_to_user_id": 19179842,
                                  "callback_data": "en"},
    "31_doc_callback_query_inline": {"update_type": "callback_query", "update_id": 10000, "user_id": 1111111,
                                     "user_first_name": "Test Firstname", "user_username": "Testusername",
                                     "callback_data": "Data from button callback"},
    "32_doc_inline_query": {"update_type": "inline_query", "update_id": 10000, "user_id": 1111111,
                            "user_first_name": "Test Firstname", "user_username": "Testusername"},
    "33_my_chat_member_promoted": {**DANIL, "update_type": "my_chat_member", "update_id": 841395543,
                                   "chat_id": -1001854699958, "chat_type": "supergroup",
                                   "chat_title": "Группа поддержки nuichat.ru", "date": 1683831867},
    "34_my_chat_member_private_blocked": {"update_type": "my_chat_member", "update_id": 124132626,
                                          "chat_id": 5386965721, "chat_type": "private", "user_id": 5386965721,
                                          "user_is_bot": False, "user_first_name": "GunClappa",
                                          "user_username": "gclappamain", "user_language_code": "ru",
                                          "date": 1688601532},
    "35_chat_member_channel_join": {"update_type": "chat_member", "update_id": 13671559,
                                    "chat_id": -1001743416957, "chat_type": "channel",
                                    "chat_title": "Клуб Флипперов — популярное", "user_id": 1868349823,
                                    "user_is_bot": False, "user_first_name": "Irina",
                                    "user_username": "Irina_Sheremeteva555", "date": 1707752362},
    "36_message_reaction_user": {"update_type": "message_reaction", "update_id": 71651249, "message_id": 35,
                                 "chat_id": -1002184233434, "chat_type": "supergroup", "chat_title": "Test",
                                 "user_id": 1459074222, "user_is_bot": False, "user_first_name": "shadowchain",
                                 "user_username": "shdwchn10", "user_language_code": "en", "date": 1721306082},
    "37_message_reaction_anonymous": {"update_type": "message_reaction", "update_id": 767844136,
                                      "message_id": 2, "chat_id": -1002199793788, "chat_type": "supergroup",
                                      "chat_title": "тест", "sender_chat_id": -1002199793788,
                                      "date": 1723798597},
    "38_poll_answer": {"update_type": "poll_answer", "update_id": 1234, "user_id": 1234, "user_is_bot": False,
                       "user_first_name": "test name", "user_username": "Testuser", "user_language_code": "en"},
}  # fmt: skip

# The columns the conversation model reads, per fixture, by hand from the payload (docs/conversation-model.md):
# every message gets the three flags; texts their normalized form, intent and keywords (stems: plural and
# final vowel folded).
FLAGS = {"is_topic_message": False, "is_automatic_forward": False, "is_service": False}
SERVICE = {**FLAGS, "is_service": True}
NO_TEXT = (
    "04_supergroup_story",
    "06_supergroup_dice",
    "07_supergroup_sticker",
    "08_supergroup_poll_quiz",
    "09_supergroup_contact",
    "10_supergroup_live_location",
    "24_doc_voice",
    "27_edited_message_live_location",
)


def _text(normalized: str, *keywords: tuple[str, str], language: str | None = None) -> dict:
    # Only a request's language is detected (none of these texts is one): the others keep the Portuguese
    # stems of an undetermined language (docs/conversation-model.md, "Language", "Keywords").
    return {
        "normalized_text": normalized,
        "keywords": [w for w, _ in keywords],
        "keyword_stems": [s for _, s in keywords],
        "text_language": language,
    }


MODEL = {
    **{name: FLAGS for name in NO_TEXT},
    "01_group_text": {**FLAGS, **_text("ask", ("ask", "ask"))},
    "02_group_reply_emoji": {**FLAGS, **_text("ciao amico", ("ciao", "cia"), ("amico", "amic"))},
    "03_supergroup_reply_bot_command": {**FLAGS, **_text("report", ("report", "report"))},
    "05_supergroup_pinned_message": SERVICE,
    "11_forum_topic_reply": {**FLAGS, "is_topic_message": True, **_text("согласен", ("согласен", "согласен"))},
    "12_forum_thread1_oddity": {**FLAGS, "is_topic_message": True, **_text("добрыи", ("добрыи", "добрыи"))},
    "13_forum_topic_created": {**SERVICE, "is_topic_message": True},
    "14_group_new_chat_members_bot": SERVICE,
    "15_group_new_chat_participant_legacy": SERVICE,
    "16_supergroup_join_legacy_fields": SERVICE,
    "17_group_left_chat_member": SERVICE,
    "18_group_migrate_to_chat_id": {**SERVICE, "migrate_to_chat_id": -1002471352452},
    "19_supergroup_migrate_from_sender_chat": {**SERVICE, "migrate_from_chat_id": -10011869112345},
    "20_private_text_link_preview": {**FLAGS, **_text("there")},  # "hello" is a greeting, "there" a stop word
    "21_private_forward_custom_emoji": {**FLAGS, **_text("a" * 76, ("a" * 76, "aaa"))},
    "22_private_photo_caption": {**FLAGS, **_text("photo description", ("photo", "phot"),
                                                  ("description", "description"))},
    "23_private_document_caption": {**FLAGS, **_text("doc description", ("doc", "doc"),
                                                     ("description", "description"))},
    "25_doc_forwarded_channel_legacy": {**FLAGS, **_text("start", ("start", "start"))},
    "26_edited_message_text": {**FLAGS, **_text("modified", ("modified", "modified"))},
    "28_channel_post": {**FLAGS, **_text("tfhhgcfg", ("tfhhgcfg", "tfhhgcfg"))},
    # A click's date is the date of the message its button is on.
    "30_callback_query_message": {"is_topic_message": False, "date": 1493056756},
    "31_doc_callback_query_inline": {"is_topic_message": False},
    "36_message_reaction_user": {"reactions": ["🌭"]},
    "37_message_reaction_anonymous": {"reactions": []},  # the ❤ was taken back
}  # fmt: skip


def expected_row(name: str) -> dict:
    row = dict.fromkeys(COLUMN_NAMES)
    for column, value in {**EXPECTED[name], **MODEL.get(name, {})}.items():
        row[column] = datetime.fromtimestamp(value, tz=UTC) if column in ("date", "edit_date") else value
    row["ingested_at"] = INGESTED
    row["source"] = "webhook"  # every fixture is a real Update, with Telegram's (positive) update_id
    return row


def test_every_update_fixture_has_a_golden_row():
    assert sorted(EXPECTED) == sorted(path.stem for path in UPDATE_FILES)


@pytest.mark.parametrize("path", UPDATE_FILES, ids=lambda p: p.stem)
def test_golden_row(path):
    assert flatten(load_fixture(path.name), INGESTED) == expected_row(path.stem)


@pytest.mark.parametrize("path", DESKTOP_EXPORTS, ids=lambda p: p.stem)
def test_desktop_exports_are_not_updates(path):
    with pytest.raises(NotAnUpdate):
        parse_update(path.read_bytes())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b'"x"',
        b'{"update_id": "1"}',
        b'{"update_id": true}',
        b"\xff\xfe",
        b'{"message": {}}',
    ],
)
def test_parse_update_rejects_what_is_not_an_update(body):
    with pytest.raises(NotAnUpdate):
        parse_update(body)


def test_only_a_leading_command_counts_with_the_bot_it_names():
    assert leading_command("/Help@MyBot now", [{"type": "bot_command", "offset": 0, "length": 11}]) == (
        "/help",
        "mybot",
    )
    # "Como uso o /rastreio?": a command later in the text is text.
    assert leading_command("Como uso o /rastreio?", [{"type": "bot_command", "offset": 11, "length": 9}]) == (
        None,
        None,
    )
    assert leading_command(
        "/a /b",
        [
            {"type": "bot_command", "offset": 3, "length": 2},
            {"type": "bot_command", "offset": 0, "length": 2},
        ],
    ) == ("/a", None)
    # Offsets count UTF-16 code units: an emoji first means the command is not at the start.
    assert leading_command("😋 /help", [{"type": "bot_command", "offset": 3, "length": 5}]) == (None, None)
    assert leading_command("no command", []) == (None, None)
    assert leading_command("/start@OutroBot now", None) == ("/start", "outrobot")
    assert leading_command("a /start", None) == (None, None)


def test_caption_commands_come_from_caption_entities():
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 1, "type": "private"},
            "photo": [],
            "caption": "/report this",
            "caption_entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    row = flatten(update, None)
    assert (row["text"], row["command"], row["content_type"]) == ("/report this", "/report", "photo")


def test_content_type_prefers_the_specific_kind():
    assert content_type({"animation": {}, "document": {}}) == "animation"
    assert content_type({"venue": {}, "location": {}}) == "venue"
    assert content_type({"something_new": {}}) == "other"


def test_unknown_kinds_and_odd_types_never_break_a_row():
    future = {
        "update_id": 9,
        "business_poll_vote": {
            "chat": {"id": "not-an-int", "type": 5},
            "from": {"id": 2**70, "is_bot": "yes", "first_name": ["x"]},
            "date": "yesterday",
            "message_id": 3.5,
            "extra": {"deep": [1, 2]},
        },
    }
    row = flatten(future, None)
    assert row["update_type"] == "business_poll_vote"
    assert {k: v for k, v in row.items() if v is not None} == {
        "update_id": 9,
        "update_type": "business_poll_vote",
        "source": "webhook",
    }


def test_future_kind_gets_the_common_fields_it_has():
    row = flatten(
        {
            "update_id": 5,
            "chat_boost": {"chat": {"id": -100, "type": "channel", "title": "C"}, "date": 1700000000},
        },
        None,
    )
    assert (row["update_type"], row["chat_id"], row["chat_title"]) == ("chat_boost", -100, "C")
    assert row["date"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_inaccessible_callback_message_has_no_date():
    update = {
        "update_id": 7,
        "callback_query": {
            "id": "1",
            "from": {"id": 3, "is_bot": False},
            "message": {"chat": {"id": -5, "type": "group"}, "message_id": 10, "date": 0},
            "data": "feedback:resolved",
        },
    }
    row = flatten(update, None)
    assert (row["message_id"], row["chat_id"], row["date"], row["callback_data"]) == (
        10,
        -5,
        None,
        "feedback:resolved",
    )


def test_update_with_only_an_id_is_a_row_of_nulls():
    row = flatten(json.loads('{"update_id": 77}'), None)
    assert (row["update_id"], row["source"]) == (77, "webhook")
    assert all(value is None for key, value in row.items() if key not in ("update_id", "source"))


def test_every_real_fixture_kind_is_a_known_update_kind():
    kinds = {update_kind(load_fixture(path.name)) for path in UPDATE_FILES}
    assert kinds <= set(UPDATE_KINDS)
    assert {"chat_member", "message_reaction", "callback_query", "poll_answer"} <= kinds
