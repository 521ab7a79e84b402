"""A person's rights in the firehose raw layout (moto, versioned buckets): forget and subject-export find the
person inside Firehose's batched objects (records in clear and in base64, Firehose's error records, the
ETL's per-record quarantine), delete their records, rewrite the records that hold them, and leave every
other line byte for byte, in a format the ETL still reads."""

import base64
import json
from datetime import UTC, date, datetime

import pytest

from ops.rights import forget, subject_export, units_of
from telegram_etl.firehose import decode_record
from telegram_ingest.firehose import encode_record
from tests.ops.test_rights_aws import (
    DAYS,
    PROCESSED,
    RAW,
    WERT,
    body,
    etl,
    keys,
    table,
    target,
    updates,
    versions,
)
from tests.ops.test_rights_aws import s3 as object_layout  # noqa: F401 (the buckets, mocked)

DAY1, DAY2 = (f"firehose/context_date={day}/" for day in DAYS)
OBJECT1 = f"{DAY1}telegram-raw-1-2025-03-10-09-50-00-0a1b.jsonl"
OBJECT2 = f"{DAY2}telegram-raw-1-2025-03-11-09-50-00-2c3d.jsonl"
ERRORS = f"firehose-errors/processing-failed/context_date={DAYS[0]}/telegram-raw-1-2025-03-10-10-00-00-4e5f"
NOT_A_RECORD = b'{"hello": "a line that is no record"}\n'


def received_ms(day: date, n: int) -> int:
    return int(datetime(day.year, day.month, day.day, 9, 45, n, tzinfo=UTC).timestamp() * 1000)


def not_utf8(update: dict) -> bytes:
    """A body that is not UTF-8 (a broken client): stored in base64, the person's id not in clear."""
    return json.dumps(update).encode().replace(b"meu pedido", b"meu \xff pedido")


def error_line(record: bytes) -> bytes:
    """Firehose's error record around one of ours (rawData is the record as it was put, in base64)."""
    fields = {"attemptsMade": 1, "arrivalTimestamp": 1741600000000, "errorCode": "Lambda.FunctionError",
              "errorMessage": "failed", "rawData": base64.b64encode(record).decode()}  # fmt: skip
    return json.dumps(fields).encode() + b"\n"


@pytest.fixture
def s3(object_layout):  # noqa: F811
    """The same updates, now as Firehose wrote them: two batched objects, one record per line."""
    client = object_layout
    for key in keys(client, RAW):
        if key.startswith("telegram/"):
            client.delete_object(Bucket=RAW, Key=key)
    client.delete_objects(Bucket=PROCESSED, Delete={"Objects": [{"Key": k} for k in keys(client, PROCESSED)]})
    batches: dict[str, list[bytes]] = {OBJECT1: [], OBJECT2: []}
    for key, update in updates().items():
        if key.startswith("telegram/"):
            day = DAYS[0] if str(DAYS[0]) in key else DAYS[1]
            name = OBJECT1 if day == DAYS[0] else OBJECT2
            body_bytes = json.dumps(update).encode()
            batches[name].append(
                encode_record(body_bytes, received_ms(day, len(batches[name])), update["update_id"])
            )
    own = updates()[f"telegram/context_date={DAYS[0]}/700001.json"]
    broken = {**own, "update_id": 700004}
    batches[OBJECT1] += [NOT_A_RECORD, encode_record(not_utf8(broken), received_ms(DAYS[0], 30), 700004)]
    for name, lines in batches.items():
        client.put_object(Bucket=RAW, Key=name, Body=b"".join(lines))
    others = [line for line in batches[OBJECT1] if b"13671261" in line]
    client.put_object(Bucket=RAW, Key=ERRORS, Body=error_line(batches[OBJECT1][0]) + error_line(others[0]))
    etl(client)
    yield client


def test_the_etl_reads_the_firehose_objects_and_quarantines_per_record(s3):
    assert sorted(k for k in keys(s3, PROCESSED) if k.startswith("quarantine/")) == [
        f"quarantine/context_date={DAYS[0]}/{OBJECT1.rsplit('/', 1)[1]}.{n}" for n in (6, 7)
    ]
    assert WERT in table(s3)["user_id"].to_pylist()


def test_forget_deletes_their_records_rewrites_the_others_that_hold_them_and_keeps_every_other_line(s3):
    before = {key: body(s3, RAW, key) for key in keys(s3, RAW)}

    report = forget(target(s3), WERT)

    quarantine = f"quarantine/context_date={DAYS[0]}/"
    assert report.counts == {
        # own, their private chat and the bot's answer there, the base64 one; a reply quoting them
        f"raw:{DAY1}": {"records_deleted": 4, "records_rewritten": 1, "rewritten": 1},
        f"raw:{DAY2}": {"records_deleted": 1, "records_rewritten": 1, "rewritten": 1},  # reaction; @mention
        f"raw:{ERRORS.rsplit('/', 1)[0]}/": {"records_deleted": 1, "rewritten": 1},
        f"raw:refused/context_date={DAYS[1]}/": {"deleted": 1},
        f"processed:{quarantine}": {"deleted": 1, "records_deleted": 1},  # the base64 record, alone
        f"processed:telegram/context_date={DAYS[0]}/": {"rows_removed": 3, "references_cleared": 1},
        f"processed:telegram/context_date={DAYS[1]}/": {"rows_removed": 1},
        # The model's tables of every day that reads a changed day: the two, and 7 on either side.
        "processed:model/": {"model_days_recomputed": (DAYS[1] - DAYS[0]).days + 1 + 2 * 7},
    }
    for bucket in (RAW, PROCESSED):
        for key in keys(s3, bucket):
            stored = body(s3, bucket, key)
            held = [stored] + [unit.body for unit in units_of(stored) or []]
            assert not any(b"6962620676" in b or b"WertCrypto" in b for b in held), key
    # Every other line is byte for byte what it was; theirs are blank (the others keep their numbers).
    for key in (OBJECT1, OBJECT2):
        old, new = before[key].split(b"\n"), body(s3, RAW, key).split(b"\n")
        assert len(old) == len(new)
        changed = [n for n, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        assert all(
            b"6962620676" in old[n] or b"WertCrypto" in old[n] or b"body_b64" in old[n] for n in changed
        )
        assert NOT_A_RECORD.strip() in new or key == OBJECT2
        for n in changed:  # a rewritten record is still a record of the same update, arrival and format
            if new[n]:
                assert (decode_record(new[n]).received_ms, decode_record(new[n]).update_id) == (
                    decode_record(old[n]).received_ms,
                    decode_record(old[n]).update_id,
                )
        assert versions(s3, RAW, key) == 1  # no older version keeps them
    error_lines = body(s3, RAW, ERRORS).split(b"\n")
    assert error_lines[0] == b"" and error_lines[1] == before[ERRORS].split(b"\n")[1]
    after = table(s3)
    assert WERT not in after["user_id"].to_pylist() + after["reply_to_user_id"].to_pylist()


def test_an_etl_rerun_after_forget_gives_forgets_table_and_a_second_forget_touches_nothing(s3):
    forget(target(s3), WERT)
    forgotten = table(s3)
    etl(s3)  # the rewritten objects are read as before: nothing of the person comes back
    assert table(s3).drop_columns(["ingested_at"]).equals(forgotten.drop_columns(["ingested_at"]))
    raw = {key: body(s3, RAW, key) for key in keys(s3, RAW)}
    assert forget(target(s3), WERT).counts == {}
    assert {key: body(s3, RAW, key) for key in keys(s3, RAW)} == raw
    export = subject_export(target(s3), WERT)
    for name in ("raw_updates_authored", "raw_updates_mentioning", "raw_unreadable_objects", "processed_rows",
                 "processed_replies_to_you"):  # fmt: skip
        assert export[name] == [], name


def test_subject_export_finds_their_records_by_object_and_line(s3):
    export = subject_export(target(s3), WERT)
    authored = {(e["key"], e.get("line"), e["update"]["update_id"]) for e in export["raw_updates_authored"]}
    assert {(key, update) for key, _, update in authored} >= {(OBJECT1, 700001), (OBJECT1, 700002),
                                                               (OBJECT1, -42), (OBJECT2, 71651249),
                                                               (ERRORS, 700001)}  # fmt: skip
    assert all(line for key, line, _ in authored if not key.startswith("refused/"))  # records: by line
    mentioning = {(e["key"], e["update_id"]) for e in export["raw_updates_mentioning"]}
    assert mentioning == {(OBJECT1, 439432600), (OBJECT2, 13671262)}
    unreadable = {(e["key"], e.get("line")) for e in export["raw_unreadable_objects"]}
    quarantined = f"quarantine/context_date={DAYS[0]}/{OBJECT1.rsplit('/', 1)[1]}.7"
    assert unreadable == {(OBJECT1, 7), (quarantined, 1)}  # the base64 body: not JSON, names them
    assert sorted(r["update_id"] for r in export["processed_rows"]) == [-42, 700001, 700002, 71651249]
    json.dumps(export, default=str)


def test_units_of_tells_record_objects_from_updates_and_rebuilds_a_line_as_the_ingest_encodes_it():
    update = updates()[f"telegram/context_date={DAYS[0]}/439432600.json"]  # text with a lone surrogate
    sent = json.dumps(update).encode()
    assert units_of(sent) is None and units_of(b'{"chat_id": -100999}') is None and units_of(b"hello") is None
    records = encode_record(sent, 1741600000000, 439432600) + b"\n" + encode_record(b"\xff", 1741600000001, 5)
    units = units_of(records.removesuffix(b"\n"))  # the last line without its newline
    assert units is not None and [unit.number for unit in units] == [1, 2, 3]
    assert b"".join(unit.line for unit in units) == records.removesuffix(b"\n")
    first, blank, broken = units
    assert first.body == sent and first.update == update and blank.rebuild is None
    assert broken.body == b"\xff" and broken.update is None  # body_b64, decoded; not JSON
    assert first.rebuild(sent) == encode_record(sent, 1741600000000, 439432600)
    assert broken.rebuild(b"{}") == encode_record(b"{}", 1741600000001, 5).removesuffix(b"\n")
