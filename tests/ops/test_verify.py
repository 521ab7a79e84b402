"""`make verify STAGE=...` (ops/verify.py) against moto: a stage whose ingest, ETL and model Lambdas are the
real handlers running in process over moto's S3 and Secrets Manager (each with its environment as the stacks
set it), whose named queries are the deployed SQL in moto's Athena (analytics.queries.console_queries), and
whose query engine is DuckDB over the Parquet the ETL and the model step wrote (moto's Athena runs no SQL).
So the run's orchestration, its clean-up, its error rows and exit codes are tested, and the expected rows
(derived by hand in ops/verify_conversation.py) are checked against the real ETL, the real model step and
the real SQL."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import duckdb
import pytest
from moto import mock_aws

from analytics.queries import STORED_TABLES, console_queries, to_duckdb
from ops import verify
from ops.verify_conversation import UPDATE_ID_BASE, build, expected_rows
from ops.verify_sql import for_day
from standins.api_gateway import proxy_event
from standins.runner import DAILY_TIMEOUT_MS, LAMBDAS_DIR, LambdaContainer, duckdb_over
from standins.settings import stage_config
from telegram_etl.flatten import UPDATE_KINDS
from telegram_ingest.app import SECRET_HEADER
from telegram_model.app import model_settings_json
from telegram_model.state import STATE_PREFIX, STATE_SQL, state_key
from telegram_model.tables import MODEL_PREFIX

STAGE = "dev"
SETTINGS = replace(stage_config(STAGE), bot_username="verify_loja_bot")
DAY = date(2024, 1, 1)  # dev's projection_start_date
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)  # 12:30 in São Paulo: updates arrive on 2026-03-10
RAW, PROCESSED, RESULTS = "telegram-raw-dev", "telegram-processed-dev", "telegram-athena-results-dev"
WORKGROUP, DATABASE = "telegram-analytics-dev", "telegram_analytics_dev"
SECRET = "verify-test-secret-value"
DEPLOYED = console_queries(DATABASE)  # what the analytics stack deploys as the workgroup's named queries


class FakeCloudFormation:
    """describe_stacks and list_stack_resources of the three stacks (moto's CloudFormation needs extras
    this venv does not install); a stack not in `stacks` does not exist, as CloudFormation says it."""

    def __init__(
        self, stacks: dict[str, dict[str, str]], queue_url: str, model: str | None = "model-fn"
    ) -> None:
        self.stacks, self.queue_url, self.model = stacks, queue_url, model

    def describe_stacks(self, StackName):
        if StackName not in self.stacks:
            from botocore.exceptions import ClientError

            raise ClientError(
                {
                    "Error": {
                        "Code": "ValidationError",
                        "Message": f"Stack with id {StackName} does not exist",
                    }
                },
                "DescribeStacks",
            )
        outputs = [{"OutputKey": k, "OutputValue": v} for k, v in self.stacks[StackName].items()]
        return {"Stacks": [{"StackName": StackName, "Outputs": outputs}]}

    def get_paginator(self, name):
        assert name == "list_stack_resources"
        queue = {
            "ResourceType": "AWS::SQS::Queue",
            "LogicalResourceId": "EtlDeadLetterQueue4BC9F0A1",
            "PhysicalResourceId": self.queue_url,
        }
        # The model function is no output of the ETL stack: a resource, with its role and invoke config.
        model = [
            {"ResourceType": kind, "LogicalResourceId": logical, "PhysicalResourceId": name}
            for kind, logical, name in (
                ("AWS::IAM::Role", "ModelFunctionServiceRole1A2B3C4D", "model-role"),
                ("AWS::Lambda::Function", "ModelFunction5E6F7A8B", self.model),
                ("AWS::Lambda::EventInvokeConfig", "ModelFunctionEventInvokeConfig9C0D", "cfg"),
            )
            if self.model
        ]

        class Pages:
            def paginate(self, StackName):
                return [{"StackResourceSummaries": [queue]}, {"StackResourceSummaries": model}]

        return Pages()


class Stage:
    """A deployed stage in moto, its Lambdas in process, and the record of what the run did."""

    def __init__(self, session, tmp_path: Path, settings=SETTINGS, *, firehose: bool = False) -> None:
        self.session, self.tmp_path, self.settings = session, tmp_path, settings
        self.tables: tuple[tuple, duckdb.DuckDBPyConnection] | None = None  # (objects, their DuckDB)
        s3 = self.s3 = session.client("s3")
        for bucket in (RAW, PROCESSED, RESULTS):
            s3.create_bucket(Bucket=bucket)
        arn = session.client("secretsmanager").create_secret(Name="webhook", SecretString=SECRET)["ARN"]
        self.queue = session.client("sqs").create_queue(QueueName="etl-dlq")["QueueUrl"]
        athena = self.athena = session.client("athena")

        def output_location(parsed, **_):  # Athena's <workgroup location><id>.csv, which moto leaves out
            execution = parsed["QueryExecution"]
            execution["ResultConfiguration"] = {
                "OutputLocation": f"s3://{RESULTS}/results/{execution['QueryExecutionId']}.csv"
            }

        athena.meta.events.register("after-call.athena.GetQueryExecution", output_location)
        athena.create_work_group(
            Name=WORKGROUP,
            Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{RESULTS}/results/"}},
        )
        for query in DEPLOYED:
            athena.create_named_query(
                Name=query.name, Database=DATABASE, QueryString=query.sql, WorkGroup=WORKGROUP
            )
        ingestion = {
            "WebhookUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/webhook",
            "WebhookSecretArn": arn,
            "RawBucketName": RAW,
            "WebhookMaxConnections": "20",
            "OutgoingUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/outgoing",
        }
        if firehose:
            ingestion["RawStreamName"] = "raw-stream"
        self.outputs = {
            "TelegramDevIngestion": ingestion,
            "TelegramDevEtl": {
                "ProcessedBucketName": PROCESSED,
                "EtlFunctionName": "etl-fn",
            },
            "TelegramDevAnalytics": {"AnalystPolicyArn": "arn:aws:iam::1:policy/x"},
        }
        env = {
            "RAW_BUCKET": RAW,
            "PROCESSED_BUCKET": PROCESSED,
            "TIMEZONE": settings.timezone,
            "WEBHOOK_SECRET_ARN": arn,
            "PSEUDONYM_KEY": "test-key",
            "PSEUDONYMIZE_USERS": "true",
            "STAFF_USER_IDS": "",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            # As the ingestion stack sets them: /outgoing takes only our bot's messages.
            **({"BOT_USERNAME": settings.bot_username} if settings.bot_username else {}),
            **({"BOT_USER_ID": str(settings.bot_user_id)} if settings.bot_user_id else {}),
        }
        self.ingest = LambdaContainer(LAMBDAS_DIR / "ingest" / "handler.py", env)
        self.etl = LambdaContainer(LAMBDAS_DIR / "etl" / "handler.py", env, DAILY_TIMEOUT_MS)
        # The model function's environment, as stacks/etl_stack.py sets it (and standins.runner locally).
        model_env = {
            "PROCESSED_BUCKET": PROCESSED,
            "POWERTOOLS_SERVICE_NAME": "telegram-model",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "MODEL_SETTINGS": model_settings_json(settings),
        }
        self.model = LambdaContainer(LAMBDAS_DIR / "model" / "handler.py", model_env, DAILY_TIMEOUT_MS)
        self.firehose = firehose
        self.late_click = False
        self.posts: list[tuple[str, int]] = []
        self.invoked: list[tuple[str, dict]] = []
        self.queries: list[str] = []
        self.etl_error: str | None = None
        self.model_function: str | None = "model-fn"  # None: no model function in the ETL stack
        self.model_error: str | None = None
        self.model_keys: list[str] = []  # the model's objects right after its step
        self.query_error: dict[str, str] = {}
        self.wrong_rows: dict[str, list[dict]] = {}

    # --- API Gateway: the REST proxy event of the real method, to the real ingest handler ----------
    def post(self, route: str, body: bytes) -> tuple[int, str]:
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        received = int(NOW.timestamp() * 1000)
        answer = self.ingest.invoke(proxy_event("POST", route, headers, body, request_time_ms=received))
        if self.firehose and route == "/webhook" and answer["statusCode"] == 200:
            self._as_firehose(body, received)
        self.posts.append((route, answer["statusCode"]))
        return answer["statusCode"], answer["body"]

    def _as_firehose(self, body: bytes, received: int) -> None:
        """The firehose layout: the update is a record of a batch object shared with a real update (the
        ingest handler here wrote the object layout's key, which Firehose would not)."""
        from telegram_ingest.firehose import encode_record

        update = json.loads(body)
        update_id = update["update_id"]
        self.s3.delete_object(Bucket=RAW, Key=f"telegram/context_date=2026-03-10/{update_id}.json")
        if "callback_query" in update and self.late_click:
            return  # still in Firehose's buffer
        key = "firehose/context_date=2026-03-10/raw-stream-1-2026-03-10-12-30-00-abc.jsonl"
        try:
            existing = self.s3.get_object(Bucket=RAW, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            existing = encode_record(b'{"update_id": 5, "message": {"message_id": 1}}', received, 5)
        self.s3.put_object(Bucket=RAW, Key=key, Body=existing + encode_record(body, received, update_id))

    # --- Lambda --------------------------------------------------------------------------------------
    def invoke(self, function: str, event: dict):
        self.invoked.append((function, event))
        if function == "etl-fn":
            if self.etl_error:
                raise verify.StepFailed(self.etl_error)
            return self.etl.invoke(event)
        assert function == "model-fn"
        if self.model_error:
            raise verify.StepFailed(self.model_error)
        result = self.model.invoke(event)
        self.model_keys = [key for key in self.keys(PROCESSED) if key.startswith(f"{MODEL_PREFIX}/")]
        return result

    # --- Athena: moto's execution (id, output location), DuckDB's rows ------------------------------
    def query(self, sql: str, database: str, workgroup: str) -> verify.QueryResult:
        assert (database, workgroup) == (DATABASE, WORKGROUP)
        self.queries.append(sql)
        execution_id = self.athena.start_query_execution(
            QueryString=sql, WorkGroup=workgroup, QueryExecutionContext={"Database": database}
        )["QueryExecutionId"]
        (name,) = [q.name for q in DEPLOYED if for_day(q.sql, DAY, DATABASE) == sql]
        self.s3.put_object(Bucket=RESULTS, Key=f"results/{execution_id}.csv", Body=b'"x"\n')
        self.s3.put_object(Bucket=RESULTS, Key=f"results/{execution_id}.csv.metadata", Body=b"m")
        if name in self.query_error:
            raise verify.QueryError(self.query_error[name], execution_id)
        if name in self.wrong_rows:
            return verify.QueryResult(self.wrong_rows[name], 1_234_567, execution_id)
        return verify.QueryResult(self.duckdb_rows(execution_id, sql), 1_234_567, execution_id)

    def duckdb_rows(self, execution_id: str, sql: str) -> list[dict]:
        """The query in DuckDB over the tables as they are in (moto's) S3 now: copied and opened again only
        when an object changed since the last query (the 17 queries of a run read the same objects)."""
        objects = processed_objects(self.s3)
        if self.tables is None or self.tables[0] != objects:
            self.tables = (objects, duckdb_over_processed(self.s3, self.tmp_path / execution_id, objects))
        cursor = self.tables[1].execute(to_duckdb(sql))
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def services(self, **changes) -> verify.Services:
        session = self.session

        def client(name):
            if name == "cloudformation":
                return FakeCloudFormation(self.outputs, self.queue, self.model_function)
            if name == "athena":
                return self.athena
            return session.client(name)

        return replace(
            verify.Services(
                client=client,
                invoke=self.invoke,
                query=self.query,
                post=self.post,
                sleep=lambda seconds: None,
                now=lambda: NOW,
            ),
            **changes,
        )

    def keys(self, bucket: str) -> list[str]:
        return sorted(item["Key"] for item in self.s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def processed_objects(s3) -> tuple[tuple[str, str], ...]:
    """(key, ETag) of every object of the processed table and of the model's tables."""
    return tuple(
        (item["Key"], item["ETag"])
        for prefix in ("telegram/", f"{MODEL_PREFIX}/")
        for item in s3.list_objects_v2(Bucket=PROCESSED, Prefix=prefix).get("Contents", [])
    )


def duckdb_over_processed(s3, workdir: Path, objects) -> duckdb.DuckDBPyConnection:
    """DuckDB over those objects copied to workdir, each table a view named like its Glue table in the
    stage's database (the deployed SQL qualifies them)."""
    for key, _ in objects:
        target = workdir / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=PROCESSED, Key=key)["Body"].read())
    connection = duckdb_over(workdir / "telegram")
    connection.execute(f"ATTACH ':memory:' AS {DATABASE}")
    for table in STORED_TABLES:
        connection.execute(f"CREATE VIEW {DATABASE}.{table} AS SELECT * FROM memory.{table}")
    return connection


@pytest.fixture
def session(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def run_main(stage: Stage, capsys, *args: str, **changes) -> tuple[int, str, str]:
    code = verify.main(["--stage", STAGE, *args], services=stage.services(**changes))
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(out: str) -> dict[str, tuple[str, str]]:
    table = out.split("\n\n")[0].splitlines()[2:]
    return {line.split()[0]: (line.split()[1], " ".join(line.split()[2:])) for line in table}


# --- the whole run --------------------------------------------------------------------------------


def test_a_working_stage_passes_every_step_and_nothing_of_the_run_is_left(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    code, out, err = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 0, out + err
    assert err == ""
    assert [name for name in steps][:8] == [
        "stack",
        "webhook",
        "alarms",
        "dlq",
        "day",
        "ingest",
        "raw",
        "etl",
    ]
    assert steps["webhook"][0] == "skipped"  # no TELEGRAM_BOT_TOKEN
    assert steps["ingest"] == ("ok", "/webhook: 4 x 200, /outgoing: 1 x 200")
    assert [route for route, _ in stage.posts] == [
        "/webhook",
        "/outgoing",
        "/webhook",
        "/webhook",
        "/webhook",
    ]
    assert steps["etl"][0] == "ok" and "written 5" in steps["etl"][1]
    # The real model step, with the stage's settings: the day's rows (ops.verify_conversation).
    assert steps["model"][0] == "ok"
    assert steps["model"][1].endswith(": messages 4, requests 1, cases 1, ratings 1"), steps["model"]
    # Every deployed named query ran over the day only, and the checked ones returned the expected rows.
    names = [q.name for q in DEPLOYED]
    assert all(steps[name][0] == "ok" for name in names), out
    assert len(stage.queries) == len(names)
    assert all("context_date = '2024-01-01'" in sql for sql in stage.queries)
    for name in ("q1_messages_by_hour", "q3_questions_answered", "q3_feedback_resolution_rate"):
        assert "as expected; 1.23 MB scanned, $0.000052" in steps[name][1]
    assert steps["q1_messages_by_hour"][1].startswith("2 rows as expected")
    assert steps["q3_questions_answered"][1].startswith("1 row as expected")
    assert stage.invoked == [
        ("etl-fn", {"start_date": "2024-01-01", "end_date": "2024-01-01"}),
        ("model-fn", {"start_date": "2024-01-01", "end_date": "2024-01-01"}),
    ]
    # The clean-up: raw (arrival day and verification day), processed (ETL and model), Athena results.
    # 4 webhook updates moved to the day and 1 /outgoing message; the ETL's partition, the day's manifest of
    # the raw inputs it read (late-data rule) and the model's partition of each of its 4 tables.
    # It also leaves its per-day state (model/_state/<kind>/, then the day's marker), which the clean-up
    # must find three levels deep.
    tables = [key for key in stage.model_keys if not key.startswith(f"{STATE_PREFIX}/")]
    assert tables == [
        f"{MODEL_PREFIX}/{table}/context_date=2024-01-01/part-00000.parquet"
        for table in ("cases", "messages", "ratings", "requests")
    ]
    state = sorted(set(stage.model_keys) - set(tables))
    assert state[1].startswith(f"{STATE_PREFIX}/days/context_date=2024-01-01/")
    assert state[:1] + state[2:] == [state_key(kind, date(2024, 1, 1)) for kind in sorted(STATE_SQL)]
    assert steps["cleanup"] == ("ok", f"removed 5 raw, 11 processed, {2 * len(names)} Athena result objects")
    assert stage.keys(RAW) == [] and stage.keys(PROCESSED) == [] and stage.keys(RESULTS) == []
    assert out.rstrip().endswith("verify dev: ok")
    assert f"Athena {len(names)} queries" in out
    assert SECRET not in out + err


def test_the_expected_rows_are_what_the_real_etl_and_sql_give_without_a_known_bot(
    session, tmp_path, capsys, monkeypatch
):
    """Without bot_username nothing is posted to /outgoing: staff answers first, after 10 minutes."""
    settings = replace(SETTINGS, bot_username=None)
    monkeypatch.setattr(verify, "stage_config", lambda stage: settings)
    stage = Stage(session, tmp_path, settings)
    code, out, _ = run_main(stage, capsys)
    assert code == 0, out
    assert [route for route, _ in stage.posts] == ["/webhook"] * 4
    steps = rows_of(out)
    assert steps["model"][1].endswith(": messages 3, requests 1, cases 1, ratings 1"), steps["model"]
    assert steps["q3_questions_answered"][0] == "ok" and "as expected" in steps["q3_questions_answered"][1]
    conversation = build(DAY, run_id=1, timezone=ZoneInfo(settings.timezone))
    answered = expected_rows(conversation)["q3_questions_answered"][0]
    assert answered["median_minutes_to_reply"] == 10.0
    assert (answered["answered_by_bot"], answered["median_minutes_to_bot"]) == (0, None)


def test_with_the_bot_s_id_alone_its_message_is_posted_but_staff_answers_first(
    session, tmp_path, capsys, monkeypatch
):
    """/outgoing takes the bot's message by bot_user_id; the model knows our bot by bot_username only, so
    its reply is another bot's, no answer: staff answers first, after 10 minutes, as expected_rows says."""
    settings = replace(SETTINGS, bot_username=None, bot_user_id=7_000_000_001)
    monkeypatch.setattr(verify, "stage_config", lambda stage: settings)
    stage = Stage(session, tmp_path, settings)
    code, out, _ = run_main(stage, capsys)
    assert code == 0, out
    assert "/outgoing" in [route for route, _ in stage.posts]
    steps = rows_of(out)
    assert steps["model"][1].endswith(": messages 4, requests 1, cases 1, ratings 1"), steps["model"]
    assert steps["q3_questions_answered"][0] == "ok" and "as expected" in steps["q3_questions_answered"][1]


@pytest.mark.parametrize(
    ("deployed", "detail"),
    [
        (False, "the model step is not deployed (no ModelFunction in stack TelegramDevEtl)"),
        (True, "model-fn: DaysFailed: AccessDenied on model/messages/"),
    ],
)
def test_a_missing_or_failing_model_step_fails_its_row_skips_the_queries_and_still_cleans_up(
    session, tmp_path, capsys, monkeypatch, deployed, detail
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    if deployed:
        stage.model_error = "DaysFailed: AccessDenied on model/messages/"
    else:
        stage.model_function = None
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 1
    assert steps["model"] == ("failed", detail)
    assert steps["queries"] == (
        "skipped",
        "nothing to query: the model step failed (the named queries read its tables)",
    )
    assert stage.queries == [] and "verify dev: FAILED (model)" in out
    assert steps["cleanup"][0] == "ok" and stage.keys(RAW) == stage.keys(PROCESSED) == []


def test_model_rows_that_are_not_the_conversation_s_fail_the_model_step_and_the_queries_still_run(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    real = stage.model.invoke

    def no_ratings(event):  # e.g. a model whose feedback values are not the stage's
        result = real(event)
        stage.s3.delete_object(
            Bucket=PROCESSED, Key=f"{MODEL_PREFIX}/ratings/context_date=2024-01-01/part-00000.parquet"
        )
        return {**result, "rows": {**result["rows"], "ratings": 0}}

    stage.model.invoke = no_ratings
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 1
    assert steps["model"][0] == "failed"
    assert steps["model"][1].endswith(
        "messages 4, requests 1, cases 1, ratings 0; rows of 2024-01-01: ratings 0 (expected 1)"
    )
    assert steps["q3_feedback_resolution_rate"][0] == "failed"
    assert "got [{'rated': 0," in steps["q3_feedback_resolution_rate"][1]
    assert "verify dev: FAILED (model, q3_feedback_resolution_rate)" in out
    assert steps["cleanup"][0] == "ok" and stage.keys(PROCESSED) == []


def test_wrong_rows_and_a_failed_query_are_each_a_failed_row(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    stage.query_error["q2_top_topics"] = "QUERY_HAS_TOO_MANY_STAGES: Query exceeded the maximum of 150 stages"
    stage.wrong_rows["q1_messages_by_hour"] = [{"hour_of_day": 13, "messages": 1, "users": 1, "requests": 1}]
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 1
    assert steps["model"][0] == "ok"
    assert steps["q2_top_topics"] == (
        "failed",
        "QUERY_HAS_TOO_MANY_STAGES: Query exceeded the maximum of 150 stages",
    )
    assert steps["q1_messages_by_hour"][0] == "failed"
    assert (
        "expected [{'hour_of_day': 10, 'messages': 1, 'users': 1, 'requests': 1}, {'hour_of_day': 11"
        in steps["q1_messages_by_hour"][1]
    )
    assert "got [{'hour_of_day': 13" in steps["q1_messages_by_hour"][1]
    assert steps["q3_questions_answered"][0] == "ok"
    assert "verify dev: FAILED (q1_messages_by_hour, q2_top_topics)" in out
    # A failure midway still cleans up, the failed query's results included.
    assert steps["cleanup"][0] == "ok"
    assert stage.keys(RAW) == stage.keys(PROCESSED) == stage.keys(RESULTS) == []


def test_an_etl_error_fails_its_step_skips_the_queries_and_still_cleans_up(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    stage.etl_error = "DaysFailed: 1 of 1 days failed: {'2024-01-01': 'AccessDenied'}"
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 1
    assert steps["etl"] == (
        "failed",
        "etl-fn: DaysFailed: 1 of 1 days failed: {'2024-01-01': 'AccessDenied'}",
    )
    assert steps["queries"] == ("skipped", "nothing to query: an earlier step failed")
    assert stage.queries == []
    assert stage.keys(RAW) == [] and steps["cleanup"][0] == "ok"


def test_a_refused_post_fails_ingest_with_the_answer(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    code, out, _ = run_main(
        stage, capsys, post=lambda route, body: (403, '{"Message":"User: anonymous is not authorized"}')
    )
    steps = rows_of(out)
    assert code == 1
    assert steps["ingest"] == (
        "failed",
        'POST /webhook answered 403: {"Message":"User: anonymous is not authorized"}',
    )
    assert "etl" not in steps and stage.invoked == []


def test_firehose_records_are_moved_and_the_shared_object_keeps_the_real_record(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path, firehose=True)
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 0, out
    assert steps["raw"][1].startswith(
        "4 updates found as Firehose records in 2026-03-10, moved to 2024-01-01"
    )
    # The batch object holds only the real update now.
    (key,) = stage.keys(RAW)
    lines = stage.s3.get_object(Bucket=RAW, Key=key)["Body"].read().splitlines()
    assert [json.loads(line)["update_id"] for line in lines] == [5]


def test_a_day_holding_real_data_is_refused_before_anything_is_written(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    stage.s3.put_object(
        Bucket=PROCESSED, Key="telegram/context_date=2024-01-01/part-00000.parquet", Body=b"PAR1"
    )
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 1
    assert (
        steps["day"][0] == "failed"
        and "not a verification run's (0 raw, 1 processed objects" in steps["day"][1]
    )
    assert stage.posts == [] and stage.invoked == []
    assert stage.keys(PROCESSED) == ["telegram/context_date=2024-01-01/part-00000.parquet"]  # untouched


def test_an_interrupted_run_s_leftovers_are_removed_first(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    left = f"telegram/context_date=2024-01-01/{UPDATE_ID_BASE + 17}.json"
    stage.s3.put_object(Bucket=RAW, Key=left, Body=b"{}")
    stage.s3.put_object(
        Bucket=PROCESSED, Key="telegram/context_date=2024-01-01/part-00000.parquet", Body=b"PAR1"
    )
    code, out, _ = run_main(stage, capsys)
    assert code == 0, out
    assert rows_of(out)["day"] == ("ok", "2024-01-01: removed 2 objects of an earlier, interrupted run")


def test_alarms_in_alarm_and_dead_letters_are_listed_as_warnings(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    cloudwatch = session.client("cloudwatch")
    for name in (
        "TelegramDevEtl-EtlErrorsAlarm1A2B",
        "TelegramDevIngestion-IngestErrorsAlarm9Z",
        "OtherStack-Alarm",
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    session.client("sqs").send_message(QueueUrl=stage.queue, MessageBody="{}")
    code, out, _ = run_main(stage, capsys)
    steps = rows_of(out)
    assert code == 0  # warnings: the end-to-end steps decide
    assert steps["alarms"] == (
        "warn",
        "in ALARM: TelegramDevIngestion-IngestErrorsAlarm9Z, TelegramDevEtl-EtlErrorsAlarm1A2B",
    )
    assert steps["dlq"] == ("warn", "1 failed ETL runs waiting (re-run their days)")


# --- setup errors: one line, exit 2 ------------------------------------------------------------------


def test_a_stage_that_is_not_deployed_is_one_line(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    del stage.outputs["TelegramDevEtl"]
    code, out, err = run_main(stage, capsys)
    assert code == 2 and out == ""
    assert err == (
        "make verify: stage dev is not deployed: stack TelegramDevEtl does not exist in this account and "
        "region (make deploy STAGE=dev, or check AWS_DEFAULT_REGION)\n"
    )
    assert stage.posts == []


def test_without_credentials_it_is_one_line(monkeypatch, capsys, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(verify, "wrangler_query", lambda session: None)  # awswrangler is in .venv-aws only
    code = verify.main(["--stage", STAGE])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert (
        err
        == "make verify: no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE\n"
    )


def test_an_unknown_stage_is_one_line(capsys):
    assert (
        verify.main(["--stage", "nope"], services=verify.Services(client=None, invoke=None, query=None)) == 2
    )
    assert capsys.readouterr().err.startswith("make verify: unknown stage 'nope'; cdk.json defines: ")


# --- pure parts ---------------------------------------------------------------------------------------


def test_webhook_problems_name_each_mismatch():
    stage = verify.Stage(
        "dev", {"WebhookUrl": "https://a/dev/webhook", "WebhookMaxConnections": "20"}, {}, {}, None
    )
    now = datetime(2026, 3, 10, tzinfo=UTC)
    good = {
        "url": "https://a/dev/webhook",
        "max_connections": 20,
        "allowed_updates": ["message", "callback_query"],
        "pending_update_count": 0,
        "last_error_date": int(now.timestamp()) - 3600,
        "last_error_message": "old",
    }
    assert verify.webhook_problems(good, stage, now, ["message", "callback_query"]) == []
    bad = {
        **good,
        "url": "https://elsewhere/",
        "max_connections": 40,
        "allowed_updates": ["message"],
        "last_error_date": int(now.timestamp()) - 60,
        "last_error_message": "Wrong response from the webhook: 401 Unauthorized",
    }
    assert verify.webhook_problems(bad, stage, now, ["message", "callback_query"]) == [
        "url is https://elsewhere/, not https://a/dev/webhook (make set-webhook STAGE=dev)",
        "max_connections 40 != WebhookMaxConnections 20",
        "allowed_updates lacks callback_query",
        "last error 60 s ago: Wrong response from the webhook: 401 Unauthorized",
    ]


def test_the_webhook_check_fails_on_a_wrong_url(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    info = {
        "url": "https://old.example/webhook",
        "max_connections": 20,
        "pending_update_count": 3,
        "allowed_updates": list(UPDATE_KINDS),
    }
    code, out, _ = run_main(stage, capsys, webhook_info=lambda: info)
    assert code == 1
    assert rows_of(out)["webhook"] == (
        "failed",
        "url is https://old.example/webhook, not "
        "https://abc123.execute-api.us-east-1.amazonaws.com/dev/webhook (make set-webhook "
        "STAGE=dev); pending 3, last error: none",
    )


def test_the_verification_day_is_projected_and_outside_the_default_window():
    assert verify.choose_day(SETTINGS, date(2026, 3, 10), None) == date(2024, 1, 1)
    with pytest.raises(verify.SetupError, match="before projection_start_date"):
        verify.choose_day(SETTINGS, date(2026, 3, 10), date(2023, 12, 31))
    with pytest.raises(verify.SetupError, match="within 60 days of today"):
        verify.choose_day(SETTINGS, date(2026, 3, 10), date(2026, 2, 1))


def test_the_webhook_check_expects_every_kind_make_set_webhook_asks_for():
    assert verify.update_kinds() == UPDATE_KINDS


def test_a_refused_alarm_listing_is_a_failed_row_and_the_run_goes_on(session, tmp_path, capsys, monkeypatch):
    from botocore.exceptions import ClientError

    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)
    services = stage.services()
    real_client = services.client

    class NoAlarms:
        def get_paginator(self, name):
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDenied",
                        "Message": "not authorized to perform: cloudwatch:DescribeAlarms",
                    }
                },
                "DescribeAlarms",
            )

    services = replace(
        services, client=lambda name: NoAlarms() if name == "cloudwatch" else real_client(name)
    )
    code = verify.main(["--stage", STAGE], services=services)
    steps = rows_of(capsys.readouterr().out)
    assert code == 1
    assert steps["alarms"] == (
        "failed",
        "AWS refused DescribeAlarms (AccessDenied): not authorized to perform: cloudwatch:DescribeAlarms",
    )
    assert steps["q3_questions_answered"][0] == "ok" and steps["cleanup"][0] == "ok"


class FakeApiGateway:
    """get_resources and test_invoke_method of the REST API (moto's API Gateway needs extras)."""

    def __init__(self):
        self.calls = []

    def get_paginator(self, name):
        assert name == "get_resources"

        class Pages:
            def paginate(self, restApiId):
                assert restApiId == "abc123"
                return [
                    {
                        "items": [
                            {"path": "/", "id": "root1"},
                            {"path": "/webhook", "id": "wh1"},
                            {"path": "/outgoing", "id": "og1"},
                        ]
                    }
                ]

        return Pages()

    def test_invoke_method(self, **params):
        self.calls.append(params)
        return {"status": 200, "body": '{"ok": true}', "log": f"Method request headers: {params['headers']}"}


def test_behind_telegram_s_source_ranges_it_posts_through_test_invoke_with_the_secret(session, tmp_path):
    stage = Stage(session, tmp_path)
    apigateway = FakeApiGateway()
    services = stage.services(
        client=lambda name: apigateway if name == "apigateway" else session.client(name)
    )
    deployed = verify.read_stage(FakeCloudFormation(stage.outputs, stage.queue), STAGE)
    post = verify.http_or_test_invoke(deployed, services, SETTINGS, "auto")
    assert post("/outgoing", b'{"message_id": 1}') == (200, '{"ok": true}')
    assert apigateway.calls == [
        {
            "restApiId": "abc123",
            "resourceId": "og1",
            "httpMethod": "POST",
            "pathWithQueryString": "/outgoing",
            "body": '{"message_id": 1}',
            "headers": {"Content-Type": "application/json", SECRET_HEADER: SECRET},
        }
    ]


def test_without_source_ranges_it_posts_over_http_with_the_secret(session, tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(
                (self.path, self.headers[SECRET_HEADER], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(401 if self.path.endswith("/outgoing") else 200)
            self.end_headers()
            self.wfile.write(b'{"ok": false}' if self.path.endswith("/outgoing") else b'{"ok": true}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stage = Stage(session, tmp_path)
        stage.outputs["TelegramDevIngestion"]["WebhookUrl"] = (
            f"http://127.0.0.1:{server.server_port}/dev/webhook"
        )
        deployed = verify.read_stage(FakeCloudFormation(stage.outputs, stage.queue), STAGE)
        post = verify.http_or_test_invoke(
            deployed, stage.services(), replace(SETTINGS, webhook_source_cidrs=()), "auto"
        )
        assert post("/webhook", b'{"update_id": 1}') == (200, '{"ok": true}')
        assert post("/outgoing", b"[]") == (401, '{"ok": false}')
    finally:
        server.shutdown()
    assert seen == [("/dev/webhook", SECRET, b'{"update_id": 1}'), ("/dev/outgoing", SECRET, b"[]")]


def test_firehose_records_not_delivered_in_time_fail_raw_and_those_found_leave_today_s_data(
    session, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path, firehose=True)
    stage.late_click = True
    code, out, _ = run_main(stage, capsys, "--raw-timeout", "0")
    steps = rows_of(out)
    assert code == 1
    assert steps["raw"][0] == "failed"
    assert steps["raw"][1].startswith(
        "1 of 4 updates not in the raw bucket as Firehose records after 0 s (update_ids ["
    )
    assert steps["raw"][1].endswith(
        "records delivered later stay in today's data (chat -1009999999999): remove them "
        "from firehose/ before tonight's ETL"
    )
    assert steps["queries"][0] == "skipped" and stage.invoked == []
    (key,) = stage.keys(RAW)  # the batch object, with the real update only; the /outgoing message removed
    lines = stage.s3.get_object(Bucket=RAW, Key=key)["Body"].read().splitlines()
    assert [json.loads(line)["update_id"] for line in lines] == [5]


def test_ctrl_c_midway_still_cleans_up_and_is_one_line(session, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(verify, "stage_config", lambda stage: SETTINGS)
    stage = Stage(session, tmp_path)

    def interrupted(function, event):
        raise KeyboardInterrupt

    code, out, err = run_main(stage, capsys, invoke=interrupted)
    assert code == 130 and out == ""
    assert err == "make verify: interrupted; what the run wrote was removed\n"
    assert len(stage.posts) == 5  # posted and moved to the day, then removed
    assert stage.keys(RAW) == []
