"""Issue 22, item 6: what forget missed. Imported history names a reply's author as {"id": ...} and a text
mention's user as {"user": {"id": ...}} (ops.desktop_export); a reply quotes the person's words
(`quote`) or answers their message in another chat (`external_reply`); their @username sits inside an
e-mail address. On the real 2020-01 export (tests/fixtures/desktop_exports): the person is Nnnnnnn, user
555555555, author of 6 of its messages, one of them (39739, "Reply to this!") answered by 11111111 (39740)."""

import copy
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from ops.desktop_export import convert, iter_messages, load_export
from ops.rights import Target, forget, subject_export
from ops.subject import fragments, holds, mention_pattern, scrub, without_mentions
from stacks.config import StageConfig
from telegram_etl.flatten import flatten
from telegram_etl.job import process_day
from telegram_etl.privacy import People, pseudonym
from telegram_etl.storage import S3Storage
from tests.helpers import load_fixture

EXPORT = Path(__file__).parent.parent / "fixtures" / "desktop_exports" / "2020-01_group_integer_ids.json"
PERSON, REPLIER = 555555555, 11111111
TASHKENT, SAO_PAULO = ZoneInfo("Asia/Tashkent"), ZoneInfo("America/Sao_Paulo")
RAW, PROCESSED = "raw-bucket", "processed-bucket"
KEY = b"stage-key-from-secrets-manager"


def export_with_a_text_mention() -> dict:
    """The real export, plus one message of 11111111 that mentions the person by name (Telegram Desktop's
    `mention_name` part, as its JSON writer gives it: type, text, user_id)."""
    export = load_export(EXPORT)
    export["chats"]["list"][0]["messages"].append({
        "id": 132900, "type": "message", "date": "2019-10-01T10:00:00", "edited": "1970-01-01T05:00:00",
        "from": "Aaaaa Aaaaaaaaaaa", "from_id": REPLIER,
        "text": [{"type": "mention_name", "text": "Nnnnnnn", "user_id": PERSON}, ", veja o pedido"],
    })  # fmt: skip
    return export


def imported() -> dict[int, dict]:
    conversion = convert(export_with_a_text_mention(), timezone=SAO_PAULO, export_timezone=TASHKENT)
    return {u["message"]["message_id"]: u for u in iter_messages(conversion)}


def test_an_imported_replys_author_is_the_person_and_goes():
    reply = imported()[39740]
    assert reply["message"]["reply_to_message"]["from"] == {"id": PERSON}
    assert holds(reply, PERSON)
    cleaned, removed = scrub(reply, PERSON)
    assert removed.removed == {"nested_messages": 1}
    assert set(cleaned["message"]["reply_to_message"]) == {"message_id", "date", "chat"}
    assert str(PERSON) not in json.dumps(cleaned)
    assert fragments(reply, PERSON) == [reply["message"]["reply_to_message"]]


def test_an_imported_text_mention_of_the_person_goes():
    mention = imported()[132900]
    assert mention["message"]["entities"] == [
        {"type": "text_mention", "offset": 0, "length": 7, "user": {"id": PERSON}}
    ]
    cleaned, removed = scrub(mention, PERSON)
    assert removed.removed == {"entities": 1}
    # The span stays a mention (the ETL writes [mention] there, before and after), without them or their name.
    assert cleaned["message"]["entities"] == [{"type": "text_mention", "offset": 0, "length": 7}]
    assert cleaned["message"]["text"] == "_______, veja o pedido"
    assert str(PERSON) not in json.dumps(cleaned) and "Nnnnnnn" not in json.dumps(cleaned)
    assert flatten(cleaned, None)["text"] == flatten(mention, None)["text"] == "[mention], veja o pedido"
    assert not scrub(cleaned, PERSON)[1].changed


def test_the_persons_quoted_words_and_external_reply_go():
    # Fixture 03 replies to Wert (6962620676); the reply quotes part of Wert's text, as Bot API 7.0 sends.
    update = load_fixture("03_supergroup_reply_bot_command.json")
    wert = update["message"]["reply_to_message"]["from"]
    update["message"]["quote"] = {"text": "meu CPF é 529.982.247-25", "position": 0, "is_manual": True}
    cleaned, removed = scrub(update, wert["id"])
    assert removed.removed == {"nested_messages": 1, "quotes": 1}
    assert "quote" not in cleaned["message"] and "529.982" not in json.dumps(cleaned)
    # A reply to their message in another chat: its origin hidden, its content gone, the link kept.
    other = load_fixture("01_group_text.json")
    other["message"]["external_reply"] = {
        "origin": {"type": "user", "sender_user": wert, "date": 1700000000},
        "chat": {"id": -1001234567890, "title": "Outro grupo", "type": "supergroup"},
        "message_id": 4242,
        "photo": [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}],
    }
    other["message"]["quote"] = {"text": "foto da minha casa", "position": 0}
    assert holds(other, wert["id"])
    found = fragments(other, wert["id"])
    assert {"quote": other["message"]["quote"]} in found
    assert {"external_reply": other["message"]["external_reply"]} in found
    cleaned, removed = scrub(other, wert["id"])
    assert removed.removed == {"external_replies": 1, "forward_origins": 1, "quotes": 1}
    assert cleaned["message"]["external_reply"] == {
        "origin": {"type": "hidden_user", "date": 1700000000, "sender_user_name": ""},
        "chat": {"id": -1001234567890, "title": "Outro grupo", "type": "supergroup"},
        "message_id": 4242,
    }
    assert "quote" not in cleaned["message"]
    # Someone else's quote, in a reply to someone else, stays.
    third = load_fixture("01_group_text.json")
    third["message"]["quote"] = {"text": "ok", "position": 0}
    assert not scrub(third, wert["id"])[1].changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendas@joanapereira.com.br", "vendas@joanapereira.com.br"),
        (
            "fale com @joanapereira ou vendas@joanapereira.com.br.",
            "fale com @____________ ou vendas@joanapereira.com.br.",
        ),
        ("@JoanaPereira, obrigado", "@____________, obrigado"),
        ("@joanapereira2", "@joanapereira2"),
    ],
)
def test_a_username_inside_an_e_mail_address_is_no_mention(text, expected):
    assert without_mentions(text, mention_pattern({"joanapereira"}))[0] == expected


# --- through the ETL and forget, on S3 (moto) ----------------------------------------------------------


def etl(client, days: list[date]) -> None:
    people = People(KEY)
    with ThreadPoolExecutor(2) as pool:
        for day in days:
            process_day(S3Storage(client), raw_bucket=RAW, processed_bucket=PROCESSED, day=day, pool=pool,
                        people=people, timezone=SAO_PAULO)  # fmt: skip


def table(client) -> pa.Table:
    listing = client.list_objects_v2(Bucket=PROCESSED, Prefix="telegram/").get("Contents", [])
    parts = [pq.read_table(io.BytesIO(client.get_object(Bucket=PROCESSED, Key=o["Key"])["Body"].read()))
             for o in listing]  # fmt: skip
    return pa.concat_tables(parts)


def target(client) -> Target:
    """The test's buckets, with the settings the model step recomputes its tables with after a forget."""
    return Target(client, RAW, PROCESSED, KEY, where="test", model_settings=StageConfig(stage="test"))


@pytest.mark.slow  # a demo group through ETL, forget and the ETL again: make test-slow
def test_an_etl_rerun_after_forget_does_not_bring_the_person_back(aws_credentials):
    conversion = convert(export_with_a_text_mention(), timezone=SAO_PAULO, export_timezone=TASHKENT)
    days = sorted({obj.day for obj in conversion.objects})
    live = load_fixture("01_group_text.json")  # a live reply to the person's message elsewhere
    live["message"]["external_reply"] = {
        "origin": {"type": "user", "sender_user": {"id": PERSON, "is_bot": False, "first_name": "Nnnnnnn"},
                   "date": 1570000000},
        "chat": {"id": -1001234567890, "type": "supergroup"}, "message_id": 7,
    }  # fmt: skip
    live["message"]["quote"] = {"text": "meu telefone é 11 99999-0000", "position": 0}
    click = load_fixture("30_callback_query_message.json")  # an admin's button naming the person (item 7)
    click["callback_query"]["data"] = f"ban:{PERSON}:spam"
    live_day = date(2024, 4, 1)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in (RAW, PROCESSED):
            client.create_bucket(Bucket=bucket)
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for obj in conversion.objects:
            client.put_object(Bucket=RAW, Key=obj.key, Body=obj.body)
        client.put_object(Bucket=RAW, Key=f"telegram/context_date={live_day}/{live['update_id']}.json",
                          Body=json.dumps(live).encode())  # fmt: skip
        client.put_object(Bucket=RAW, Key=f"telegram/context_date={live_day}/{click['update_id']}.json",
                          Body=json.dumps(click).encode())  # fmt: skip
        etl(client, [*days, live_day])
        alias = pseudonym(PERSON, KEY)
        before = table(client)
        assert before["user_id"].to_pylist().count(alias) == 6
        assert before["reply_to_user_id"].to_pylist().count(alias) == 1  # 39740
        assert f"ban:{alias}:spam" in before["callback_data"].to_pylist()

        report = forget(target(client), PERSON)
        # The reply, the mention, the live reply, the click.
        assert sum(c.get("rewritten", 0) for c in report.counts.values()) == 4
        forgotten = table(client)
        assert "ban:_________:spam" in forgotten["callback_data"].to_pylist()
        etl(client, [*days, live_day])  # e.g. a backfill after the forget
        after = table(client)
        key = ["update_id"]
        assert (
            after.drop_columns(["ingested_at"])
            .sort_by([(k, "ascending") for k in key])
            .equals(forgotten.drop_columns(["ingested_at"]).sort_by([(k, "ascending") for k in key]))
        )
        assert not any(str(alias) in (value or "") for value in after["callback_data"].to_pylist())
        assert alias not in after["user_id"].to_pylist() + after["reply_to_user_id"].to_pylist()
        assert len(after) == len(before) - 6
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=RAW):
            for o in page.get("Contents", []):
                body = client.get_object(Bucket=RAW, Key=o["Key"])["Body"].read()
                assert str(PERSON).encode() not in body and b"99999-0000" not in body, o["Key"]
        export = subject_export(target(client), PERSON)
        assert export["raw_updates_authored"] == [] and export["raw_updates_mentioning"] == []
        assert copy.deepcopy(forget(target(client), PERSON).counts) == {}
