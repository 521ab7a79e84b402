"""Issue 14, a person's rights on AWS (moto): forget and subject-export over versioned buckets that the
ETL itself filled, from real Telegram Update shapes."""

import copy
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import boto3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ops.rights import Person, RightsError, Target, aws_target, forget, main, subject_export
from stacks.config import StageConfig
from telegram_etl.job import process_day
from telegram_etl.privacy import pseudonym
from telegram_etl.schema import ARROW_SCHEMA
from telegram_etl.storage import S3Storage
from tests.helpers import load_fixture

RAW, PROCESSED = "raw-bucket", "processed-bucket"
WERT = 6962620676  # the person: the author quoted in fixture 03
BOT = {"id": 186132931, "is_bot": True, "first_name": "Suporte", "username": "SuporteBot"}
DAYS = (date(2025, 3, 10), date(2025, 3, 11))


def wert() -> dict:
    return copy.deepcopy(
        load_fixture("03_supergroup_reply_bot_command.json")["message"]["reply_to_message"]["from"]
    )


def updates() -> dict[str, dict]:
    """Raw key -> Update: the person's own updates, others' that hold them, and others' that do not."""
    group = load_fixture("03_supergroup_reply_bot_command.json")["message"]["chat"]
    own = {
        "update_id": 700001,
        "message": {
            "message_id": 134545,
            "from": wert(),
            "chat": group,
            "date": 1741600000,
            "text": "meu pedido não chegou",
        },
    }
    reply = load_fixture("03_supergroup_reply_bot_command.json")  # someone replies to the person
    reply["message"]["text"] = "/report \ud83d"  # a lone surrogate, as Telegram sends some
    other = load_fixture("01_group_text.json")  # someone else, about something else
    private = load_fixture("20_private_text_link_preview.json")  # the person's private chat with the bot
    private["update_id"] = 700002
    private["message"]["from"] = wert()
    private["message"]["chat"] = {
        "id": WERT,
        "first_name": "Wert",
        "username": "WertCrypto",
        "type": "private",
    }
    answer = {
        "update_id": -42,
        "message": {
            "message_id": 6558,
            "from": BOT,
            "chat": private["message"]["chat"],
            "date": 1569518350,
            "text": "Olá! Como posso ajudar?",
        },
    }
    reaction = load_fixture("36_message_reaction_user.json")
    reaction["message_reaction"]["user"] = wert()
    mention = load_fixture("01_group_text.json")
    mention["update_id"] = 13671262
    mention["message"]["message_id"] = 119
    mention["message"]["text"] = "@WertCrypto tudo bem?"
    elsewhere = copy.deepcopy(own)
    elsewhere["update_id"] = 700003
    elsewhere["message"]["chat"] = {"id": -100999, "title": "outro grupo", "type": "supergroup"}
    day1, day2 = (f"telegram/context_date={day}" for day in DAYS)
    return {
        f"{day1}/{own['update_id']}.json": own,
        f"{day1}/{reply['update_id']}.json": reply,
        f"{day1}/{other['update_id']}.json": other,
        f"{day1}/{private['update_id']}.json": private,
        f"{day1}/{answer['update_id']}.json": answer,
        f"{day2}/{reaction['update_id']}.json": reaction,
        f"{day2}/{mention['update_id']}.json": mention,
        f"refused/context_date={DAYS[1]}/{elsewhere['update_id']}.json": elsewhere,
    }


@pytest.fixture
def s3(aws_credentials):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in (RAW, PROCESSED):
            client.create_bucket(Bucket=bucket)
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for key, update in updates().items():
            client.put_object(Bucket=RAW, Key=key, Body=json.dumps(update).encode())
        client.put_object(Bucket=RAW, Key="allowed-chats/-100999.json", Body=b'{"chat_id": -100999}')
        etl(client)
        # The ETL's quarantine (its run replaces the day's): a body it could not read that names the person, and one that does not.
        client.put_object(
            Bucket=PROCESSED,
            Key=f"quarantine/context_date={DAYS[0]}/9.json",
            Body=b'{"update_id": 9, "message": {"from": {"id": 6962620676, "first_name": "W"',
        )
        client.put_object(Bucket=PROCESSED, Key=f"quarantine/context_date={DAYS[0]}/10.json", Body=b"hello")
        yield client


def etl(client) -> None:
    with ThreadPoolExecutor(4) as pool:
        for day in DAYS:
            process_day(S3Storage(client), raw_bucket=RAW, processed_bucket=PROCESSED, day=day, pool=pool)


def keys(client, bucket: str) -> list[str]:
    return sorted(
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    )


def body(client, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def table(client) -> pa.Table:
    parts = [
        pq.read_table(io.BytesIO(body(client, PROCESSED, key)))
        for key in keys(client, PROCESSED)
        if key.startswith("telegram/")
    ]
    return pa.concat_tables(parts).sort_by("update_id")


def versions(client, bucket: str, key: str) -> int:
    listing = client.list_object_versions(Bucket=bucket, Prefix=key)
    return len([v for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []) if v["Key"] == key])


def target(client, key: bytes | None = None) -> Target:
    return Target(client, RAW, PROCESSED, key, where="test", model_settings=StageConfig(stage="test"))


def test_forget_deletes_what_they_authored_rewrites_the_rest_and_reports_per_prefix(s3):
    before = table(s3)
    assert set(before["user_id"].to_pylist()) >= {WERT}
    raw_before = {key: body(s3, RAW, key) for key in keys(s3, RAW)}

    report = forget(target(s3), WERT)

    day1, day2 = (f"telegram/context_date={day}/" for day in DAYS)
    assert report.counts == {
        f"raw:{day1}": {"deleted": 3, "rewritten": 1},
        f"raw:{day2}": {"deleted": 1, "rewritten": 1},
        f"raw:refused/context_date={DAYS[1]}/": {"deleted": 1},
        f"processed:quarantine/context_date={DAYS[0]}/": {"deleted": 1},
        f"processed:{day1}": {"rows_removed": 3, "references_cleared": 1},
        # The @username in day 2's text was already [mention] (redaction): nothing to replace there.
        f"processed:{day2}": {"rows_removed": 1},
        # The model's tables of every day that reads those two: 7 days on either side.
        "processed:model/": {"model_days_recomputed": 2 + 14},
    }
    # Nothing of the person is left in any object, raw or processed, current or older version.
    for bucket in (RAW, PROCESSED):
        for key in keys(s3, bucket):
            assert b"6962620676" not in body(s3, bucket, key) and b"WertCrypto" not in body(s3, bucket, key)
    after = table(s3)
    assert WERT not in after["user_id"].to_pylist() + after["reply_to_user_id"].to_pylist()
    rewritten = f"{day1}439432600.json"
    assert versions(s3, RAW, rewritten) == 1 and versions(s3, RAW, f"{day1}700001.json") == 0
    assert versions(s3, PROCESSED, f"{day1}part-00000.parquet") == 1
    # Everyone else's objects are byte for byte as they were; their rows all there.
    untouched = [f"{day1}13671261.json", "allowed-chats/-100999.json"]
    assert all(body(s3, RAW, key) == raw_before[key] for key in untouched)
    assert body(s3, PROCESSED, f"quarantine/context_date={DAYS[0]}/10.json") == b"hello"
    others = before.filter(pc.invert(pc.fill_null(pc.equal(before["user_id"], WERT), False)))
    others = others.filter(pc.not_equal(others["chat_id"], WERT))
    assert after["update_id"].to_pylist() == others["update_id"].to_pylist()
    same = [c for c in ARROW_SCHEMA.names if c not in ("reply_to_user_id", "text", "normalized_text")]
    assert after.select(same).equals(others.select(same))
    assert after.schema.equals(ARROW_SCHEMA)


def test_a_second_forget_touches_nothing_and_the_export_finds_nothing(s3):
    forget(target(s3), WERT)
    raw, processed = ({k: body(s3, b, k) for k in keys(s3, b)} for b in (RAW, PROCESSED))
    assert forget(target(s3), WERT).counts == {}
    assert {k: body(s3, RAW, k) for k in keys(s3, RAW)} == raw
    assert {k: body(s3, PROCESSED, k) for k in keys(s3, PROCESSED)} == processed
    export = subject_export(target(s3), WERT)
    for name in (
        "raw_updates_authored",
        "raw_updates_mentioning",
        "raw_unreadable_objects",
        "processed_rows",
        "processed_replies_to_you",
    ):
        assert export[name] == [], name


def test_the_etl_rerun_on_the_rewritten_raw_gives_the_table_forget_wrote(s3):
    forget(target(s3), WERT)
    forgotten = table(s3)
    etl(s3)  # e.g. a backfill after the forget: nothing of the person comes back
    rerun = table(s3)
    assert rerun.drop_columns(["ingested_at"]).equals(forgotten.drop_columns(["ingested_at"]))


def test_subject_export_holds_their_updates_their_parts_of_others_and_their_rows(s3):
    export = subject_export(target(s3), WERT)
    assert export["subject"].startswith("sha256-") and export["user_id"] == WERT
    assert sorted(e["update"]["update_id"] for e in export["raw_updates_authored"]) == [
        -42,
        700001,
        700002,
        700003,
        71651249,
    ]
    mentioning = {e["update_id"]: e["about_you"] for e in export["raw_updates_mentioning"]}
    assert sorted(mentioning) == [13671262, 439432600]
    assert mentioning[439432600][0]["from"]["username"] == "WertCrypto"
    assert "spacewhaleblues" not in json.dumps(export["raw_updates_mentioning"])  # not the others' data
    assert [e["key"] for e in export["raw_unreadable_objects"]] == [
        f"quarantine/context_date={DAYS[0]}/9.json"
    ]
    assert sorted(r["update_id"] for r in export["processed_rows"]) == [-42, 700001, 700002, 71651249]
    assert [r["update_id"] for r in export["processed_replies_to_you"]] == [439432600]
    assert export["usernames"] == ["wertcrypto"]
    json.dumps(export, default=str)  # one JSON file


def with_pseudonyms(client, key: bytes) -> None:
    """The processed days as the ETL writes them with pseudonymize_users on (issue14-etl): people as
    pseudonyms in user_id, reply_to_user_id and private chat ids; names and usernames null."""
    for object_key in keys(client, PROCESSED):
        if not object_key.startswith("telegram/"):
            continue
        day = pq.read_table(io.BytesIO(body(client, PROCESSED, object_key)))
        bots = set(day.filter(pc.fill_null(day["user_is_bot"], False))["user_id"].to_pylist())

        def alias(v, bots=bots):
            return None if v is None or v in bots else pseudonym(v, key)

        for name in ("user_id", "reply_to_user_id"):
            column = pa.array([alias(v) for v in day[name].to_pylist()], pa.int64())
            day = day.set_column(day.schema.get_field_index(name), ARROW_SCHEMA.field(name), column)
        chats = [
            alias(c) if t == "private" else c
            for c, t in zip(day["chat_id"].to_pylist(), day["chat_type"].to_pylist(), strict=True)
        ]
        day = day.set_column(
            day.schema.get_field_index("chat_id"), ARROW_SCHEMA.field("chat_id"), pa.array(chats, pa.int64())
        )
        for name in ("user_first_name", "user_username"):
            day = day.set_column(
                day.schema.get_field_index(name), ARROW_SCHEMA.field(name), pa.nulls(len(day), pa.string())
            )
        sink = io.BytesIO()
        pq.write_table(day, sink)
        client.put_object(Bucket=PROCESSED, Key=object_key, Body=sink.getvalue())


def test_with_pseudonyms_the_rows_are_found_by_the_persons_pseudonym(s3):
    key = b"stage-key-from-secrets-manager"
    with_pseudonyms(s3, key)
    alias = pseudonym(WERT, key)
    assert Person(WERT, key).label == f"pseudonym-{alias}" and Person(WERT, key).ids == {WERT, alias}
    assert len(subject_export(target(s3, key), WERT)["processed_rows"]) == 4
    report = forget(target(s3, key), WERT)
    assert report.counts[f"processed:telegram/context_date={DAYS[0]}/"] == {
        "rows_removed": 3,
        "references_cleared": 1,
    }
    after = table(s3)
    assert (
        alias
        not in after["user_id"].to_pylist()
        + after["reply_to_user_id"].to_pylist()
        + after["chat_id"].to_pylist()
    )
    assert len(after) == 3  # the other people's rows


def test_the_export_file_is_one_json_with_what_they_authored(s3, tmp_path, capsys, monkeypatch):
    import ops.rights as rights

    monkeypatch.setattr(rights, "aws_target", lambda stage: target(s3))
    out = tmp_path / "export.json"
    assert main(["export", "--user-id", str(WERT), "--stage", "dev", "--out", str(out)]) == 0
    export = json.loads(out.read_bytes())
    assert len(export["raw_updates_authored"]) == 5 and len(export["processed_rows"]) == 4
    printed = capsys.readouterr().out
    assert "raw_updates_authored 5" in printed and str(WERT) not in printed


def test_the_output_names_the_person_only_by_pseudonym_or_hash(s3, capsys, monkeypatch):
    import ops.rights as rights

    monkeypatch.setattr(rights, "aws_target", lambda stage: target(s3))
    assert main(["forget", "--user-id", str(WERT), "--stage", "dev"]) == 0
    out = capsys.readouterr()
    assert str(WERT) not in out.out + out.err and "WertCrypto" not in out.out + out.err
    assert f"forget {Person(WERT, None).label} in test: touched" in out.out
    assert main(["forget", "--user-id", str(WERT), "--stage", "dev"]) == 0
    assert "nothing held (nothing touched)" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["abc", "-1", "55 11 99999-0000"])
def test_a_bad_user_id_is_a_clear_error(value, capsys):
    assert main(["forget", "--user-id", value, "--stage", "dev"]) == 2
    err = capsys.readouterr().err
    assert "USER_ID must be a Telegram user id" in err and value not in err


class Session:
    """boto3's session for aws_target: CloudFormation answers from a Stubber (moto's needs extra
    packages), the other services from moto."""

    def __init__(self, stacks: dict[str, dict[str, str] | None]) -> None:
        self.cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        stubber = Stubber(self.cloudformation)
        for name, outputs in stacks.items():
            if outputs is None:
                stubber.add_client_error(
                    "describe_stacks", "ValidationError", f"Stack with id {name} does not exist"
                )
                continue
            stack = {
                "StackName": name,
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
            stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
        stubber.activate()

    def client(self, service: str):
        if service == "cloudformation":
            return self.cloudformation
        return boto3.client(service, region_name="us-east-1")


def test_the_stage_is_found_by_its_stacks_outputs_and_its_key_in_secrets_manager(aws_credentials):
    with mock_aws():
        secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="k", SecretString="chave-ç"
        )["ARN"]
        session = Session(
            {
                "TelegramDevIngestion": {"RawBucketName": "r"},
                "TelegramDevEtl": {"ProcessedBucketName": "p", "PseudonymKeySecretArn": secret},
            }
        )
        found = aws_target("dev", session)
        assert (found.raw_bucket, found.processed_bucket, found.key) == ("r", "p", "chave-ç".encode())


def test_a_stage_without_stacks_or_outputs_is_a_clear_error(aws_credentials):
    with pytest.raises(RightsError, match="stack TelegramDevIngestion not found"):
        aws_target("dev", Session({"TelegramDevIngestion": None}))
    session = Session(
        {"TelegramDevIngestion": {"RawBucketName": "r"}, "TelegramDevEtl": {"ProcessedBucketName": "p"}}
    )
    with pytest.raises(RightsError, match="no output PseudonymKeySecretArn"):
        aws_target("dev", session)
    with pytest.raises(Exception, match="unknown stage"):
        aws_target("nope")


def test_no_aws_credentials_is_a_clear_error(monkeypatch, tmp_path, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["export", "--user-id", str(WERT), "--stage", "dev"]) == 1
    assert capsys.readouterr().err == (
        "export: no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE\n"
    )


class ModelFunction:
    """The deployed model function as `make forget` invokes it: one run at a time (reserved concurrency 1),
    busy for the first call (the daily run holds it: Lambda answers TooManyRequestsException), then each
    synchronous invocation runs the model's handler code on the bucket."""

    def __init__(self, s3):
        self.s3, self.calls, self.busy = s3, [], 1

    def invoke(self, FunctionName, InvocationType, Payload):
        from aws_lambda_powertools import Logger
        from botocore.exceptions import ClientError

        from telegram_model.app import Settings, run

        self.calls.append((FunctionName, InvocationType, json.loads(Payload)))
        if self.busy:
            self.busy -= 1
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "Invoke"
            )
        result = run(json.loads(Payload), settings=Settings.of(StageConfig(stage="test")), storage=S3Storage(self.s3),
                     bucket=PROCESSED, logger=Logger(service="test"))  # fmt: skip
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def test_on_a_stage_forget_recomputes_the_model_through_its_function_one_run_at_a_time(s3):
    # Issue 20: the model's recomputation runs inside the function's reserved concurrency (never beside the
    # daily run, which would interleave its tables and state with these), 8 days a run as make remodel.
    from ops.remodel import run_and_wait

    function, waits = ModelFunction(s3), []
    deployed = Target(s3, RAW, PROCESSED, None, where="test", model_settings=StageConfig(stage="test"),
                      run_model=lambda first, last: run_and_wait(function, "model-fn", first, last,
                                                                 sleep=waits.append))  # fmt: skip
    report = forget(deployed, WERT)
    assert report.counts["processed:model/"] == {"model_days_recomputed": 2 + 14}
    # DAYS[0]-7 .. DAYS[1]+7: 16 days, in runs of 8; the first invocation was throttled and retried.
    assert [call[2] for call in function.calls] == [
        {"start_date": "2025-03-03", "end_date": "2025-03-10"},
        {"start_date": "2025-03-03", "end_date": "2025-03-10"},
        {"start_date": "2025-03-11", "end_date": "2025-03-18"},
    ]
    assert {call[:2] for call in function.calls} == {("model-fn", "RequestResponse")} and len(waits) == 1
    for key in keys(s3, PROCESSED):
        assert b"6962620676" not in body(s3, PROCESSED, key)


def test_a_model_run_that_fails_fails_the_forget_with_the_functions_error():
    from ops.remodel import run_and_wait

    class Failing:
        def invoke(self, **call):
            error = {"errorMessage": "Task timed out after 900.00 seconds"}
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": io.BytesIO(json.dumps(error).encode()),
            }

    with pytest.raises(RuntimeError, match=r"model-fn failed for .*2025-03-03.*: Task timed out"):
        run_and_wait(Failing(), "model-fn", date(2025, 3, 3), date(2025, 3, 10))
