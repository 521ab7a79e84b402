"""History from a Telegram Desktop export, overlapping live data, through the real path: the ingest
handler (webhook and /outgoing) and the export import -> SeaweedFS -> the ETL handler -> DuckDB.

The export is the real fixture 39 (155 messages of a public supergroup on 2022-06-05). Its staff member
is Ronny (user 149994951); its bot is LaodeBot (user 1813145338), which answers /dukun@TeknologiUmumBot.
Two pipelines hold the same conversation:
- `alone`: the export, then one message that arrived later by webhook (10976, a question);
- `overlap`: four of the export's messages also arrived live (three by webhook, the bot's answer posted
  to /outgoing), then the export, then 10976.
Every named query must give the same rows in both: a message stored twice counts once."""

import json
import subprocess
import sys
from copy import deepcopy
from dataclasses import replace

import pytest

from local.replay import day_ranges
from ops.desktop_export import load_export
from ops.import_export import convert_file, write_objects
from stacks.config import StageConfig
from standins.runner import LocalPipeline, answer_all, duckdb_over, raw_days
from telegram_etl.privacy import pseudonym
from tests.helpers import FIXTURES_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXPORT = FIXTURES_DIR / "39_desktop_export_new_format.json"
CHAT = {"id": -1001712691810, "title": "Teknologi Umum v2.0", "type": "supergroup"}
STAFF, BOT_ID = 149994951, 1813145338
SETTINGS = StageConfig(stage="history", staff_user_ids=(STAFF,), bot_username="TeknologiUmumBot")
KEY = "desktop-export-e2e-pseudonym-key"
BY_ID = {message["id"]: message for message in load_export(EXPORT)["messages"]}


def live(message_id: int) -> dict:
    """The Bot API Message Telegram sent live for an exported message (values copied from the JSON)."""
    item = BY_ID[message_id]
    user_id = int(item["from_id"].removeprefix("user"))
    sender = {"id": user_id, "is_bot": user_id == BOT_ID, "first_name": item["from"]}
    if user_id == BOT_ID:
        sender["username"] = "TeknologiUmumBot"
    text = "".join(part["text"] for part in item["text_entities"])
    message = {"message_id": message_id, "from": sender, "chat": CHAT, "date": int(item["date_unixtime"]),
               "text": text}  # fmt: skip
    if item["text_entities"][0]["type"] == "bot_command":
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    if "reply_to_message_id" in item:
        replied = BY_ID[item["reply_to_message_id"]]
        author = {"id": int(replied["from_id"].removeprefix("user")), "is_bot": False, "first_name": "x"}
        message["reply_to_message"] = {"message_id": replied["id"], "from": author, "chat": CHAT,
                                       "date": int(replied["date_unixtime"])}  # fmt: skip
    return message


LATER = {"message_id": 10976, "from": {"id": 925009191, "is_bot": False, "first_name": "dicha?"}, "chat": CHAT,
         "date": 1654421600, "text": "Ada yang tahu cara reset password di sini?"}  # fmt: skip


def post(pipeline: LocalPipeline, update_id: int, message: dict) -> None:
    body = json.dumps({"update_id": update_id, "message": message}).encode()
    assert pipeline.post_webhook(body, request_time_ms=message["date"] * 1000 + 700)["statusCode"] == 200


def run(s3_server, tmp_path_factory, name: str, *, overlap: bool, layout: str = "object") -> dict:
    settings = replace(SETTINGS, raw_layout=layout)
    # One pseudonym key for every pipeline here: the same person is the same pseudonym in each.
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket=f"{name}-raw", processed_bucket=f"{name}-out",
                             settings=settings, pseudonym_key_text=KEY)  # fmt: skip
    pipeline.create_buckets()
    if overlap:
        for update_id, message_id in [(500_000_001, 10824), (500_000_002, 10833), (500_000_003, 10950)]:
            post(pipeline, update_id, live(message_id))
        answer = json.dumps({"ok": True, "result": live(10951)}).encode()
        assert pipeline.post_outgoing(answer, request_time_ms=1654421247_900)["statusCode"] == 200
    conversion = convert_file(EXPORT, SETTINGS, bot_user_id=BOT_ID)
    report = write_objects(pipeline.s3, pipeline.raw_bucket, conversion)
    post(pipeline, 500_000_004, LATER)
    for payload in day_ranges(raw_days(pipeline)):
        pipeline.run_etl(payload)
    workdir = tmp_path_factory.mktemp(name)
    return {"pipeline": pipeline, "conversion": conversion, "report": report,
            "answers": answer_all(pipeline, workdir), "workdir": workdir}  # fmt: skip


@pytest.fixture(scope="module")
def alone(s3_server, tmp_path_factory):
    return run(s3_server, tmp_path_factory, "export-alone", overlap=False)


@pytest.fixture(scope="module")
def overlap(s3_server, tmp_path_factory):
    return run(s3_server, tmp_path_factory, "export-overlap", overlap=True)


@pytest.fixture(scope="module")
def overlap_firehose(s3_server, tmp_path_factory):
    """The same in a firehose stage: live updates become Firehose records; the export, /outgoing and the
    import stay objects of the object layout, which the ETL reads in either layout."""
    return run(s3_server, tmp_path_factory, "export-fh", overlap=True, layout="firehose")


def table(result: dict, sql: str) -> list[tuple]:
    return duckdb_over(result["workdir"] / "telegram").execute(sql).fetchall()


def test_the_import_reports_its_counts(alone):
    report = alone["report"]
    assert (report.read, report.imported, report.already_present, sum(report.skipped.values())) == (
        155,
        155,
        0,
        0,
    )
    assert report.days_touched == ["2022-06-05"]


def test_rows_carry_their_source(overlap):
    rows = table(overlap, "SELECT source, count(*) FROM telegram_updates GROUP BY 1")
    assert dict(rows) == {"export": 155, "webhook": 4, "outgoing": 1}


def test_an_export_overlapping_live_data_counts_each_message_once(alone, overlap):
    assert overlap["answers"] == alone["answers"]
    # Customers: everyone but Ronny (staff, 8 messages) and the bot (1): 146 exported, and 10976.
    customers = sum(1 for m in BY_ID.values() if int(m["from_id"][4:]) not in (STAFF, BOT_ID)) + 1
    assert customers == 147
    for answers in (alone["answers"], overlap["answers"]):
        assert sum(row["messages"] for row in answers["q1_volume_by_day"]) == customers
        assert sum(row["messages"] for row in answers["q1_messages_by_hour"]) == customers


def test_an_export_imported_into_a_firehose_stage_gives_the_same_table_and_answers(overlap, overlap_firehose):
    raw = overlap_firehose["pipeline"].s3.list_objects_v2(Bucket="export-fh-raw")["Contents"]
    prefixes = {item["Key"].split("/", 1)[0] for item in raw}
    assert prefixes == {"telegram", "firehose"}  # both layouts in one stage's raw bucket
    assert overlap_firehose["answers"] == overlap["answers"]
    columns = "update_id, source, user_id, chat_id, message_id, text, user_is_staff"
    query = f"SELECT {columns} FROM telegram_updates ORDER BY update_id"
    assert table(overlap_firehose, query) == table(overlap, query)


def test_the_live_copy_is_the_one_kept(overlap):
    """messages.cte.sql keeps max(update_id): the webhook's (positive) or /outgoing's copy, not the export's."""
    kept = table(overlap, """
        SELECT message_id, source, user_is_bot FROM telegram_updates AS u
        WHERE update_id = (SELECT max(update_id) FROM telegram_updates AS v
                           WHERE v.chat_id = u.chat_id AND v.message_id = u.message_id)
          AND message_id IN (10824, 10833, 10950, 10951, 10976)
        ORDER BY message_id""")  # fmt: skip
    assert kept == [(10824, "webhook", False), (10833, "webhook", False), (10950, "webhook", False),
                    (10951, "outgoing", True), (10976, "webhook", False)]  # fmt: skip


def test_export_only_messages_fully_count(alone):
    # The bot's answer (known by --bot-user-id) and the staff's replies shape the cases like live ones.
    # The staff member is a person: a pseudonym in the table; the bot stays in clear.
    staff = pseudonym(STAFF, KEY.encode())
    roles = table(
        alone,
        f"""
        SELECT user_id, count(*) FROM telegram_updates WHERE user_id IN ({staff}, {BOT_ID}) GROUP BY 1""",
    )
    assert dict(roles) == {staff: 8, BOT_ID: 1}
    assert alone["answers"]["q2_top_commands"][0]["command"] == "/dukun"


def test_a_reimport_changes_nothing(overlap, tmp_path_factory):
    pipeline = overlap["pipeline"]
    listing = {o["Key"]: (o["ETag"], o["LastModified"]) for o in pipeline.s3.list_objects_v2(
        Bucket=pipeline.raw_bucket, Prefix="telegram/")["Contents"]}  # fmt: skip
    again = write_objects(
        pipeline.s3, pipeline.raw_bucket, convert_file(EXPORT, SETTINGS, bot_user_id=BOT_ID)
    )
    assert (again.imported, again.already_present, again.days_touched) == (0, 155, [])
    after = {o["Key"]: (o["ETag"], o["LastModified"]) for o in pipeline.s3.list_objects_v2(
        Bucket=pipeline.raw_bucket, Prefix="telegram/")["Contents"]}  # fmt: skip
    assert after == listing
    for payload in day_ranges(raw_days(pipeline)):
        pipeline.run_etl(payload)
    assert answer_all(pipeline, tmp_path_factory.mktemp("again")) == overlap["answers"]


def test_a_changed_export_rewrites_only_what_changed(s3_server, tmp_path):
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="export-edit-raw", processed_bucket="export-edit-out",
                             settings=SETTINGS)  # fmt: skip
    pipeline.create_buckets()
    write_objects(pipeline.s3, pipeline.raw_bucket, convert_file(EXPORT, SETTINGS))
    edited = deepcopy(load_export(EXPORT))
    edited["messages"][2]["text_entities"] = [{"type": "plain", "text": "edited later"}]  # id 10823
    path = tmp_path / "result.json"
    path.write_text(json.dumps(edited, ensure_ascii=False))
    report = write_objects(pipeline.s3, pipeline.raw_bucket, convert_file(path, SETTINGS))
    assert (report.imported, report.already_present, report.days_touched) == (1, 154, ["2022-06-05"])


def test_replay_command_with_an_export(tmp_path):
    """`python -m local.replay INPUT --telegram-export result.json --json`, as a user runs it."""
    deliveries = tmp_path / "live.jsonl"
    lines = [{"update": {"update_id": 500_000_001 + i, "message": live(message_id)},
              "received_ms": int(BY_ID[message_id]["date_unixtime"]) * 1000 + 700}
             for i, message_id in enumerate((10824, 10833, 10950))]  # fmt: skip
    lines.append(
        {"update": {"update_id": 500_000_004, "message": LATER}, "received_ms": LATER["date"] * 1000}
    )
    deliveries.write_text("".join(json.dumps(line) + "\n" for line in lines))
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"staff_user_ids": [STAFF], "bot_username": "TeknologiUmumBot"}))
    out = tmp_path / "answers.json"
    command = [sys.executable, "-m", "local.replay", str(deliveries), "--telegram-export", str(EXPORT),
               "--bot-user-id", str(BOT_ID), "--settings", str(settings), "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert (
        "export: 155 messages read, 155 imported, 0 already present, 0 skipped; 1 days touched" in done.stderr
    )
    assert "ETL 2022-06-05: read 159, written 159" in done.stderr
    assert sum(row["messages"] for row in json.loads(out.read_text())["q1_volume_by_day"]) == 147


@pytest.mark.parametrize("content", ['{"messages": [', '{"about": "x"}'])
def test_replay_refuses_a_bad_export_before_storing_anything(tmp_path, content):
    bad = tmp_path / "result.json"
    bad.write_text(content)
    done = subprocess.run([sys.executable, "-m", "local.replay", "--telegram-export", str(bad)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("replay: ")
    assert done.stdout == ""
