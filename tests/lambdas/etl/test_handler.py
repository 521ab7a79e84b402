"""The ETL Lambda under moto: D-1, backfill, idempotence, duplicates, quarantine, empty days, schema."""

import importlib
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from standins.runner import DAILY_TIMEOUT_MS, FakeContext
from telegram_etl.app import RESERVE_MS
from telegram_etl.privacy import REDACTION_KINDS, pseudonym
from telegram_etl.schema import ARROW_SCHEMA
from telegram_ingest.firehose import encode_record
from tests.helpers import DESKTOP_EXPORTS, FIXTURES_DIR, UPDATE_FILES, load_fixture

RAW, PROCESSED = "raw-bucket", "processed-bucket"
KEY = b"a-test-key-of-this-module"
NO_REDACTIONS = dict.fromkeys(REDACTION_KINDS, 0)


@pytest.fixture
def env(monkeypatch, aws_credentials):
    monkeypatch.setenv("RAW_BUCKET", RAW)
    monkeypatch.setenv("PROCESSED_BUCKET", PROCESSED)
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    return monkeypatch


@pytest.fixture
def s3(env):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=RAW)
        client.create_bucket(Bucket=PROCESSED)
        # The stack's generated key, read by the handler at cold start (PSEUDONYM_KEY_SECRET_ARN).
        secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="pseudonym-key", SecretString=KEY.decode()
        )
        env.setenv("PSEUDONYM_KEY_SECRET_ARN", secret["ARN"])
        yield client


@pytest.fixture
def run(s3, lambda_context):
    return cold_start(lambda_context)


def cold_start(lambda_context):
    """The handler imported anew: it reads its environment (and the key) at import."""
    import lambdas.etl.handler as module

    handler = importlib.reload(module).handler
    return lambda event: handler(event, lambda_context)


def put_raw(s3, day: str, name: str, body: bytes) -> None:
    s3.put_object(Bucket=RAW, Key=f"telegram/context_date={day}/{name}", Body=body)


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found += [obj["Key"] for obj in page.get("Contents", [])]
    return sorted(found)


def read_partition(s3, day: str) -> pa.Table:
    tables = []
    for key in keys(s3, PROCESSED, f"telegram/context_date={day}/"):
        tables.append(pq.read_table(io.BytesIO(s3.get_object(Bucket=PROCESSED, Key=key)["Body"].read())))
    return pa.concat_tables(tables)


def scheduled(time: str) -> dict:
    return {
        "version": "0",
        "id": "1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def test_scheduled_run_processes_d_minus_1_in_the_configured_timezone(s3, run):
    put_raw(s3, "2024-03-09", "1.json", json.dumps({"update_id": 1, "message": {"text": "a"}}).encode())
    put_raw(s3, "2024-03-10", "2.json", json.dumps({"update_id": 2, "message": {"text": "b"}}).encode())
    # 02:00 UTC on the 11th is still the 10th in São Paulo: D-1 is the 9th.
    result = run(scheduled("2024-03-11T02:00:00Z"))
    assert [day["date"] for day in result["days"]] == ["2024-03-09"]
    assert keys(s3, PROCESSED, "telegram/") == ["telegram/context_date=2024-03-09/part-00000.parquet"]
    assert read_partition(s3, "2024-03-09").column("update_id").to_pylist() == [1]


def test_every_fixture_becomes_one_row_with_the_exact_schema(s3, run):
    for path in UPDATE_FILES:
        put_raw(s3, "2024-05-01", path.name, path.read_bytes())
    result = run({"date": "2024-05-01"})
    table = read_partition(s3, "2024-05-01")
    assert table.schema.equals(ARROW_SCHEMA, check_metadata=False)
    distinct_ids = {load_fixture(path.name)["update_id"] for path in UPDATE_FILES}
    assert sorted(table.column("update_id").to_pylist()) == sorted(distinct_ids)
    # Three fixtures reuse update_id 10000 and two reuse 123456789: those are duplicates.
    assert result["totals"] == {
        "read": len(UPDATE_FILES),
        "written": len(distinct_ids),
        "duplicates": len(UPDATE_FILES) - len(distinct_ids),
        "redelivered_from_previous_day": 0,
        "quarantined": 0,
        "repaired": 0,
        "redactions": NO_REDACTIONS,
    }


def test_rerun_gives_the_same_rows_never_duplicates(s3, run):
    for path in UPDATE_FILES[:10]:
        put_raw(s3, "2024-05-02", path.name, path.read_bytes())
    first = run({"date": "2024-05-02"})
    rows_first = read_partition(s3, "2024-05-02").to_pylist()
    second = run({"date": "2024-05-02"})
    assert read_partition(s3, "2024-05-02").to_pylist() == rows_first
    assert first["days"][0]["files"] == second["days"][0]["files"]
    assert len(keys(s3, PROCESSED, "telegram/")) == 1
    assert len(keys(s3, PROCESSED, "manifest/")) == 1  # the day's one manifest, replaced


def test_duplicate_update_ids_keep_one_row(s3, run):
    body = json.dumps({"update_id": 42, "message": {"message_id": 1, "text": "hi"}}).encode()
    put_raw(s3, "2024-05-03", "42.json", body)
    put_raw(s3, "2024-05-03", "42-redelivered.json", body)
    result = run({"date": "2024-05-03"})
    assert read_partition(s3, "2024-05-03").column("update_id").to_pylist() == [42]
    assert (result["totals"]["written"], result["totals"]["duplicates"]) == (1, 1)


def test_a_redelivery_after_midnight_stays_in_the_day_it_first_arrived(s3, run):
    # Telegram retried update 7 (say, a timeout) and the retry arrived after midnight.
    body = json.dumps({"update_id": 7, "message": {"message_id": 1, "text": "late"}}).encode()
    put_raw(s3, "2024-05-10", "7.json", body)
    put_raw(s3, "2024-05-11", "7.json", body)
    put_raw(s3, "2024-05-11", "8.json", json.dumps({"update_id": 8}).encode())
    result = run({"start_date": "2024-05-10", "end_date": "2024-05-11"})
    assert read_partition(s3, "2024-05-10").column("update_id").to_pylist() == [7]
    assert read_partition(s3, "2024-05-11").column("update_id").to_pylist() == [8]
    assert result["days"][1]["redelivered_from_previous_day"] == 1


def test_bad_objects_are_quarantined_and_the_rest_of_the_day_processed(s3, run):
    put_raw(s3, "2024-05-04", "1.json", json.dumps({"update_id": 1, "message": {"text": "ok"}}).encode())
    put_raw(s3, "2024-05-04", "broken.json", b'{"update_id": 2, "mess')
    put_raw(s3, "2024-05-04", "export.json", DESKTOP_EXPORTS[0].read_bytes())
    result = run({"date": "2024-05-04"})
    assert result["totals"] == {
        "read": 3,
        "written": 1,
        "duplicates": 0,
        "redelivered_from_previous_day": 0,
        "quarantined": 2,
        "repaired": 0,
        "redactions": NO_REDACTIONS,
    }
    assert keys(s3, PROCESSED, "quarantine/") == [
        "quarantine/context_date=2024-05-04/broken.json",
        "quarantine/context_date=2024-05-04/export.json",
    ]
    copied = s3.get_object(Bucket=PROCESSED, Key="quarantine/context_date=2024-05-04/broken.json")
    assert copied["Body"].read() == b'{"update_id": 2, "mess'
    assert read_partition(s3, "2024-05-04").column("update_id").to_pylist() == [1]


def test_empty_day_leaves_no_partition_and_succeeds(s3, run):
    result = run({"date": "2024-05-05"})
    assert result["days"] == [
        {
            "date": "2024-05-05",
            "read": 0,
            "written": 0,
            "duplicates": 0,
            "redelivered_from_previous_day": 0,
            "quarantined": 0,
            "repaired": 0,
            "files": [],
            "redactions": NO_REDACTIONS,
        }
    ]
    assert keys(s3, PROCESSED, "telegram/") == []


def test_a_day_whose_raw_data_expired_keeps_its_partition_on_a_re_run(s3, run):
    # Retention expires raw days that stay processed: a backfill over them must not empty them.
    put_raw(s3, "2024-05-06", "1.json", json.dumps({"update_id": 1}).encode())
    run({"date": "2024-05-06"})
    part = "telegram/context_date=2024-05-06/part-00000.parquet"
    before = s3.get_object(Bucket=PROCESSED, Key=part)["Body"].read()
    s3.delete_object(Bucket=RAW, Key="telegram/context_date=2024-05-06/1.json")
    result = run({"date": "2024-05-06"})
    assert (result["days"][0]["read"], result["days"][0]["files"]) == (0, [part])
    assert s3.get_object(Bucket=PROCESSED, Key=part)["Body"].read() == before


def test_a_day_without_raw_data_loses_the_stale_files_of_an_older_layout(s3, run):
    s3.put_object(Bucket=PROCESSED, Key="telegram/context_date=2024-05-06/part-00007.parquet", Body=b"old")
    run({"date": "2024-05-06"})
    assert keys(s3, PROCESSED, "telegram/") == []


def test_a_day_lacking_whole_groups_of_fields_still_has_the_exact_schema(s3, run):
    # No text, no users, no chats, no dates anywhere: nothing may drift to a null-typed column.
    for i, update in enumerate(
        [
            {"update_id": 1, "poll": {"id": "p", "question": "q"}},
            {"update_id": 2, "message_reaction_count": {"message_id": 3}},
            {"update_id": 3},
        ]
    ):
        put_raw(s3, "2024-05-07", f"{i}.json", json.dumps(update).encode())
    run({"date": "2024-05-07"})
    table = read_partition(s3, "2024-05-07")
    assert table.schema.equals(ARROW_SCHEMA, check_metadata=False)
    assert table.schema.field("text").type == pa.string()
    assert table.schema.field("chat_id").type == pa.int64()
    assert table.column("text").null_count == 3


def test_backfill_processes_each_day_independently(s3, run):
    put_raw(s3, "2024-06-01", "1.json", json.dumps({"update_id": 1}).encode())
    put_raw(s3, "2024-06-03", "3.json", json.dumps({"update_id": 3}).encode())
    result = run({"start_date": "2024-06-01", "end_date": "2024-06-03"})
    assert [(d["date"], d["written"]) for d in result["days"]] == [
        ("2024-06-01", 1),
        ("2024-06-02", 0),
        ("2024-06-03", 1),
    ]
    assert keys(s3, PROCESSED, "telegram/") == [
        "telegram/context_date=2024-06-01/part-00000.parquet",
        "telegram/context_date=2024-06-03/part-00000.parquet",
    ]


def test_more_than_one_listing_page_is_read(s3, run):
    for update_id in range(1, 1206):
        put_raw(s3, "2024-06-04", f"{update_id}.json", json.dumps({"update_id": update_id}).encode())
    result = run({"date": "2024-06-04"})
    assert result["totals"]["written"] == 1205
    assert read_partition(s3, "2024-06-04").num_rows == 1205


def test_large_ids_and_real_timestamps_are_typed(s3, run):
    put_raw(s3, "2024-06-05", "a.json", (UPDATE_FILES[0]).read_bytes())  # chat id -4165056164 < -2^31
    run({"date": "2024-06-05"})
    row = read_partition(s3, "2024-06-05").to_pylist()[0]
    assert row["chat_id"] == -4165056164
    assert row["date"].isoformat() == "2024-02-10T13:44:59+00:00"
    assert row["ingested_at"] is not None


def test_storage_failure_fails_the_run_loudly(env, s3, run):
    s3.delete_bucket(Bucket=PROCESSED)
    put_raw(s3, "2024-06-06", "1.json", json.dumps({"update_id": 1}).encode())
    with pytest.raises(RuntimeError, match="1 of 1 days failed"):
        run({"date": "2024-06-06"})


def test_bad_event_is_a_clear_error(run):
    with pytest.raises(ValueError, match="expected a scheduled event"):
        run({"hello": "world"})


def test_people_are_pseudonyms_under_the_secret_key_and_bots_keep_their_ids(env, s3, lambda_context):
    """The key comes from Secrets Manager (the stack's secret); staff is set from real ids."""
    env.setenv("STAFF_USER_IDS", "6962620676")
    run = cold_start(lambda_context)
    put_raw(s3, "2024-05-06", "a.json", (FIXTURES_DIR / "03_supergroup_reply_bot_command.json").read_bytes())
    put_raw(s3, "2024-05-06", "b.json", (FIXTURES_DIR / "20_private_text_link_preview.json").read_bytes())
    bot_answer = {
        "update_id": 10,
        "message": {
            "message_id": 10,
            "date": 1714953700,
            "chat": {"id": -100123, "type": "supergroup", "title": "Loja"},
            "from": {"id": 7012345678, "is_bot": True, "first_name": "Loja", "username": "LojaSuporteBot"},
            "text": "Veja /rastreio",
        },
    }
    put_raw(s3, "2024-05-06", "c.json", json.dumps(bot_answer).encode())
    staff_reply = {
        "update_id": 9,
        "message": {
            "message_id": 9,
            "date": 1714953600,
            "chat": {"id": -100123, "type": "supergroup", "title": "Loja"},
            "from": {"id": 6962620676, "is_bot": False, "first_name": "Wert", "username": "WertCrypto"},
            "text": "Me manda seu CPF 123.456.789-09 ou e-mail, @spacewhaleblues",
            "reply_to_message": {
                "message_id": 8,
                "date": 1714953500,
                "chat": {"id": -100123, "type": "supergroup"},
                "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
                "text": "x",
            },
        },
    }
    put_raw(s3, "2024-05-06", "d.json", json.dumps(staff_reply).encode())
    result = run({"date": "2024-05-06"})
    rows = {row["update_id"]: row for row in read_partition(s3, "2024-05-06").to_pylist()}

    command = rows[439432600]
    assert command["user_id"] == pseudonym(5964236329, KEY)
    assert command["reply_to_user_id"] == pseudonym(6962620676, KEY)
    assert (command["user_first_name"], command["user_username"], command["user_language_code"]) == (
        None,
    ) * 3
    assert command["user_is_staff"] is False and command["chat_id"] == -1001293752024  # a group stays
    private = rows[load_fixture("20_private_text_link_preview.json")["update_id"]]
    person = load_fixture("20_private_text_link_preview.json")["message"]["from"]["id"]
    assert private["chat_type"] == "private" and private["chat_id"] == private["user_id"] == pseudonym(
        person, KEY
    )
    staff = rows[9]
    assert staff["user_id"] == pseudonym(6962620676, KEY) and staff["user_is_staff"] is True
    assert staff["reply_to_user_id"] == 777000  # Telegram's service account is nobody's
    assert staff["text"] == "Me manda seu CPF [cpf] ou e-mail, [mention]"
    assert result["days"][0]["redactions"] == {**NO_REDACTIONS, "cpf": 1, "mention": 1}
    bot = rows[10]
    assert (bot["user_id"], bot["user_username"], bot["user_is_staff"]) == (
        7012345678,
        "LojaSuporteBot",
        False,
    )


def test_with_pseudonymize_users_off_people_are_in_clear(env, s3, lambda_context):
    env.setenv("PSEUDONYMIZE_USERS", "false")
    put_raw(s3, "2024-05-07", "a.json", (FIXTURES_DIR / "03_supergroup_reply_bot_command.json").read_bytes())
    cold_start(lambda_context)({"date": "2024-05-07"})
    (row,) = read_partition(s3, "2024-05-07").to_pylist()
    assert (row["user_id"], row["user_username"], row["reply_to_user_id"]) == (
        5964236329,
        "spacewhaleblues",
        6962620676,
    )


def test_without_a_key_the_etl_refuses_to_start(env, s3, lambda_context):
    """Never people's ids in clear by accident: pseudonymize_users on and no key is an error."""
    import lambdas.etl.handler as module

    env.delenv("PSEUDONYM_KEY_SECRET_ARN")
    with pytest.raises(RuntimeError, match="no key"):
        importlib.reload(module)


# --- Late data (issue 22): each scheduled run also re-runs recent days whose raw inputs changed ---------


def message_update(update_id: int, text: str, date: int = 1_717_243_200) -> bytes:
    """A group message (2024-06-01 12:00 UTC), shaped like the real fixture 01_group_text.json."""
    update = load_fixture("01_group_text.json")
    update["update_id"] = update_id
    update["message"] = {**update["message"], "message_id": update_id, "text": text, "date": date}
    return json.dumps(update).encode()


def test_data_stored_after_its_days_run_is_in_the_table_after_the_next_scheduled_run_once(s3, run):
    """An /outgoing post (or the bot's next-day edit) keyed by a day already processed: the next scheduled
    run re-runs that day, once; a run after it finds nothing changed."""
    put_raw(s3, "2024-06-01", "1.json", message_update(1, "Meu pedido não chegou"))
    first = run(scheduled("2024-06-02T06:00:00Z"))  # 03:00 in São Paulo: processes 2024-06-01
    assert [day["date"] for day in first["days"]] == ["2024-06-01"] and first["late_reruns"] == []
    put_raw(s3, "2024-06-01", "-77.json", message_update(-77, "Seu pedido sai hoje."))  # after the run
    put_raw(s3, "2024-06-02", "2.json", message_update(2, "Obrigado"))
    second = run(scheduled("2024-06-03T06:00:00Z"))
    assert [day["date"] for day in second["days"]] == ["2024-06-02", "2024-06-01"]
    assert second["late_reruns"] == ["2024-06-01"]
    assert sorted(read_partition(s3, "2024-06-01").column("update_id").to_pylist()) == [-77, 1]
    third = run(scheduled("2024-06-04T06:00:00Z"))
    assert third["late_reruns"] == [] and [day["date"] for day in third["days"]] == ["2024-06-03"]


def test_an_edit_that_rewrites_a_processed_object_re_runs_its_day(s3, run):
    put_raw(s3, "2024-06-01", "-5.json", message_update(-5, "Posso ajudar?"))
    run(scheduled("2024-06-02T06:00:00Z"))
    put_raw(s3, "2024-06-01", "-5.json", message_update(-5, "Vou chamar a equipe."))  # same key, new text
    assert run(scheduled("2024-06-03T06:00:00Z"))["late_reruns"] == ["2024-06-01"]
    assert read_partition(s3, "2024-06-01").column("text").to_pylist() == ["Vou chamar a equipe."]


def test_a_late_firehose_delivery_is_counted_on_its_day_after_the_next_run_and_not_on_the_next_day(s3, run):
    """Firehose retried an S3 delivery past the day's run: the object lands under the day's prefix (its
    records' arrival at Firehose), after that day's run had read it."""
    run(scheduled("2024-06-02T06:00:00Z"))  # 2024-06-01: nothing yet
    received = 1_717_254_000_000  # 2024-06-01 12:00 in São Paulo
    record = encode_record(message_update(9, "Boleto vencido"), received, 9)
    s3.put_object(Bucket=RAW, Key="firehose/context_date=2024-06-01/stream-1-2024-06-01-12-00-00-x.jsonl",
                  Body=record)  # fmt: skip
    result = run(scheduled("2024-06-03T06:00:00Z"))
    assert result["late_reruns"] == ["2024-06-01"]
    assert read_partition(s3, "2024-06-01").column("update_id").to_pylist() == [9]
    assert keys(s3, PROCESSED, "telegram/context_date=2024-06-02/") == []  # never counted twice


def test_a_day_whose_run_failed_is_re_run_by_the_next_schedule_and_old_days_are_not(s3, run, env):
    env.setenv("LATE_DATA_DAYS", "3")
    put_raw(s3, "2024-06-01", "1.json", message_update(1, "a"))  # 2024-06-01: never processed
    put_raw(s3, "2024-05-28", "2.json", message_update(2, "b"))  # beyond the 3 days looked at
    result = cold_start_run(env)(scheduled("2024-06-04T06:00:00Z"))
    assert [day["date"] for day in result["days"]] == ["2024-06-03", "2024-06-01"]
    assert keys(s3, PROCESSED, "telegram/context_date=2024-05-28/") == []


def test_a_run_of_given_days_runs_exactly_those(s3, run):
    put_raw(s3, "2024-06-01", "1.json", message_update(1, "a"))
    assert [day["date"] for day in run({"date": "2024-06-02"})["days"]] == ["2024-06-02"]


def cold_start_run(env):
    return cold_start(FakeContext(DAILY_TIMEOUT_MS))


class LeftAfterTheFirstDay(FakeContext):
    """An invocation with `left_ms` of its time left whenever the run asks (after its first day)."""

    def __init__(self, left_ms: int) -> None:
        super().__init__(DAILY_TIMEOUT_MS)
        self.left_ms = left_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


def test_days_that_would_not_fit_the_invocation_are_deferred_never_started(s3):
    """Many big days in one invocation (a range, late re-runs after an outage) must not time out half-way
    (retried whole, timing out again): the first day runs, the days that would not fit in the time left are
    deferred, listed in the result and in a warning (alarmed); a run of them later processes them."""
    for number, day in enumerate(("2024-03-09", "2024-03-10", "2024-03-11"), start=1):
        put_raw(s3, day, f"{number}.json", message_update(number, "Meu pedido não chegou"))
    short = cold_start(LeftAfterTheFirstDay(RESERVE_MS - 1))
    with etl_log_records() as records:
        result = short({"start_date": "2024-03-09", "end_date": "2024-03-11"})
    assert [day["date"] for day in result["days"]] == ["2024-03-09"]
    assert result["deferred"] == ["2024-03-10", "2024-03-11"]
    assert keys(s3, PROCESSED, "telegram/") == ["telegram/context_date=2024-03-09/part-00000.parquet"]
    (warning,) = [r.__dict__ for r in records if r.getMessage() == "days deferred"]
    assert (warning["outcome"], warning["deferred"]) == ("days_deferred", ["2024-03-10", "2024-03-11"])
    # Run again with room for a day and a half more than the reserve: the deferred days, both.
    roomy = cold_start(LeftAfterTheFirstDay(RESERVE_MS + 10_000))
    later = roomy({"start_date": "2024-03-10", "end_date": "2024-03-11"})
    assert [day["date"] for day in later["days"]] == ["2024-03-10", "2024-03-11"] and later["deferred"] == []
    assert read_partition(s3, "2024-03-11").column("update_id").to_pylist() == [3]


def test_a_late_day_deferred_by_the_schedule_is_re_run_by_the_next_schedule(s3):
    """D-1 first; a late re-run that would not fit waits for the next scheduled run, which finds it again."""
    put_raw(s3, "2024-06-01", "1.json", message_update(1, "Meu pedido não chegou"))
    cold_start(FakeContext(DAILY_TIMEOUT_MS))(scheduled("2024-06-02T06:00:00Z"))
    put_raw(s3, "2024-06-01", "-77.json", message_update(-77, "Seu pedido sai hoje."))  # late data
    put_raw(s3, "2024-06-02", "2.json", message_update(2, "Obrigado"))
    short = cold_start(LeftAfterTheFirstDay(RESERVE_MS - 1))(scheduled("2024-06-03T06:00:00Z"))
    assert [day["date"] for day in short["days"]] == ["2024-06-02"] and short["deferred"] == ["2024-06-01"]
    assert short["late_reruns"] == []  # not re-run yet
    assert read_partition(s3, "2024-06-01").column("update_id").to_pylist() == [1]  # not yet
    nxt = cold_start(FakeContext(DAILY_TIMEOUT_MS))(scheduled("2024-06-04T06:00:00Z"))
    assert nxt["late_reruns"] == ["2024-06-01"] and nxt["deferred"] == []
    assert sorted(read_partition(s3, "2024-06-01").column("update_id").to_pylist()) == [-77, 1]


@contextmanager
def etl_log_records() -> Iterator[list[logging.LogRecord]]:
    """The ETL logger's records at INFO and above, straight from its logger: a pipeline loaded earlier in
    the process (the README's answers, ops/verify's, at ERROR) may have left it at another level."""
    records: list[logging.LogRecord] = []
    keep = logging.Handler(logging.INFO)
    keep.emit = records.append  # type: ignore[method-assign]
    etl_logger = logging.getLogger("telegram-etl")
    level = etl_logger.level
    etl_logger.addHandler(keep)
    etl_logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        etl_logger.removeHandler(keep)
        etl_logger.setLevel(level)


def test_each_day_logs_its_cpu_per_update_and_no_text(s3, run):
    """The "day processed" line says how much CPU a real day took per update (BENCHMARKS.md's unit, to see
    how near its 15 minutes a run is), and carries no text of the day."""
    chat = {"id": -1001234567890, "type": "supergroup", "title": "Suporte"}
    for update_id, text in ((1, "meu pedido 48213 nao chegou"), (2, "obrigado")):
        message = {"message_id": update_id, "date": 1709985600 + update_id, "chat": chat, "text": text}
        body = json.dumps({"update_id": update_id, "message": message}).encode()
        put_raw(s3, "2024-03-09", f"{update_id}.json", body)
    with etl_log_records() as records:
        run({"date": "2024-03-09"})
    (day,) = [record.__dict__ for record in records if record.getMessage() == "day processed"]
    assert (day["context_date"], day["read"], day["written"]) == ("2024-03-09", 2, 2)
    assert day["cpu_seconds"] > 0
    # cpu_seconds is rounded to the millisecond: the per-update figure agrees within that rounding.
    assert abs(day["cpu_us_per_update"] - day["cpu_seconds"] / 2 * 1e6) <= 0.0005 / 2 * 1e6 + 0.05
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in records)
    assert "pedido" not in logged and "obrigado" not in logged
