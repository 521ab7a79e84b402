"""The pipeline on this machine: the unchanged Lambda handlers against a real S3 server (ingest, the ETL,
then the model step on the ETL's success, as in AWS), and DuckDB standing in for Athena over the Parquet
they wrote."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.queries import TABLE_NAME, NamedQuery, named_queries, to_duckdb
from demo_data.conversation import SETTINGS as SAMPLE_SETTINGS
from demo_data.conversation import conversation
from stacks.config import StageConfig
from standins.api_gateway import proxy_event
from standins.firehose import LocalFirehose
from standins.pseudonym_key import local_key
from telegram_etl.app import totals_of
from telegram_etl.schema import ARROW_SCHEMA, PARTITION_KEY
from telegram_ingest.app import SECRET_HEADER
from telegram_model.app import model_settings_json
from telegram_model.tables import MODEL_PREFIX, TABLES

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"

# The deployed functions' timeouts: the ingest function's (stacks/ingestion_stack.py), and the ETL's and
# the model's, Lambda's maximum (stacks/etl_stack.FUNCTION_TIMEOUT; tests/standins checks both).
INGEST_TIMEOUT_MS = 25_000
DAILY_TIMEOUT_MS = 900_000


def _merged(result: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """An ETL result with another invocation's days added, its totals those of all the days (as the ETL
    sums them), its days no longer deferred."""
    days = result["days"] + more["days"]
    done = {day["date"] for day in more["days"]}
    deferred = [day for day in result["deferred"] if day not in done] + more["deferred"]
    return {**result, "days": days, "totals": totals_of(days), "deferred": deferred}


class LambdaContainer:
    """One warm Lambda container: the handler file imported once, as the runtime does, under the
    function's environment; each instance has its own module state (settings, clients, caches)."""

    _loaded = 0

    def __init__(self, handler_file: Path, env: dict[str, str], timeout_ms: int = INGEST_TIMEOUT_MS) -> None:
        self._timeout_ms = timeout_ms
        LambdaContainer._loaded += 1
        name = f"_local_lambda_{handler_file.parent.name}_{LambdaContainer._loaded}"
        spec = importlib.util.spec_from_file_location(name, handler_file)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {handler_file}")
        self.module = importlib.util.module_from_spec(spec)
        self._lock = threading.Lock()  # a container runs one invocation at a time
        with _environment(env):
            # A fresh default session: botocore caches the credentials a session first resolved, so a
            # handler loaded after another process-wide client (a moto test's, another server's) would
            # sign with that one's keys (InvalidAccessKeyId), where a real container reads its own.
            boto3.DEFAULT_SESSION = None
            spec.loader.exec_module(self.module)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self.module.handler(event, FakeContext(self._timeout_ms))


# With keys of its own, a container must not also sign with a token or profile the shell (or a moto test)
# left in the process's environment: a real function's environment holds only its own.
_NOT_WITH_OWN_KEYS = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE")


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    cleared = [n for n in _NOT_WITH_OWN_KEYS if "AWS_ACCESS_KEY_ID" in env and n not in env]
    saved = {name: os.environ.get(name) for name in [*env, *cleared]}
    for name in cleared:
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class FakeContext:
    """What Powertools reads from a Lambda context object, and the invocation's time left: its function's
    timeout counted from the context's creation (one per invocation)."""

    function_name = "local"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local"
    aws_request_id = "local-request"

    def __init__(self, timeout_ms: int = INGEST_TIMEOUT_MS) -> None:
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalPipeline:
    s3_env: dict[str, str]  # endpoint and credentials of the S3 server (SeaweedS3.client_env())
    raw_bucket: str = "telegram-raw"
    processed_bucket: str = "telegram-processed"
    # The stage settings: time zone of days and hours, allowed chats, and the conversation model's.
    settings: StageConfig = field(default_factory=lambda: StageConfig(stage="local"))
    webhook_secret: str = "local-webhook-secret"  # noqa: S105 - a local-only value, never deployed
    log_level: str = "WARNING"  # the Lambdas' JSON logs; INFO shows one line per update and per day
    # Where the pseudonym key is kept (standins.pseudonym_key.KEY_FILE); None: a new key for this pipeline.
    data_dir: Path | None = None
    # A fixed key instead (the sample conversation's documented answers), as its text.
    pseudonym_key_text: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.s3 = boto3.client(
            "s3", endpoint_url=self.s3_env["AWS_ENDPOINT_URL_S3"],
            aws_access_key_id=self.s3_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.s3_env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
        )  # fmt: skip

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    def create_buckets(self) -> None:
        existing = {bucket["Name"] for bucket in self.s3.list_buckets().get("Buckets", [])}
        for bucket in (self.raw_bucket, self.processed_bucket):
            if bucket not in existing:
                self.s3.create_bucket(Bucket=bucket)

    @cached_property
    def pseudonym_key(self) -> bytes:
        """The key the ETL pseudonymizes people with (when settings.pseudonymize_users is on)."""
        if self.pseudonym_key_text is not None:
            return self.pseudonym_key_text.encode("utf-8")
        if self.data_dir is not None:
            return local_key(self.data_dir)
        return secrets.token_hex(32).encode("utf-8")

    def _lambda_env(self) -> dict[str, str]:
        env = {**self.s3_env, "RAW_BUCKET": self.raw_bucket, "PROCESSED_BUCKET": self.processed_bucket,
               "WEBHOOK_SECRET": self.webhook_secret, "TIMEZONE": self.timezone,
               "POWERTOOLS_LOG_LEVEL": self.log_level}  # fmt: skip
        if self.settings.allowed_chat_ids:
            env["ALLOWED_CHAT_IDS"] = ",".join(str(chat) for chat in self.settings.allowed_chat_ids)
        # As the stacks set them: /outgoing takes our bot's messages only; the ETL's late-data re-runs.
        if self.settings.bot_user_id is not None:
            env["BOT_USER_ID"] = str(self.settings.bot_user_id)
        if self.settings.bot_username:
            env["BOT_USERNAME"] = self.settings.bot_username
        env["LATE_DATA_DAYS"] = str(self.settings.late_data_days)
        if self.firehose is not None:  # raw_layout "firehose": the ingest Lambda's boto3 reaches the stand-in
            env["FIREHOSE_STREAM"] = self.firehose.stream
            env["AWS_ENDPOINT_URL_FIREHOSE"] = self.firehose.endpoint_url
        return env

    def _etl_env(self) -> dict[str, str]:
        env = {**self._lambda_env(), "STAFF_USER_IDS": ",".join(map(str, self.settings.staff_user_ids)),
               "PSEUDONYMIZE_USERS": "true" if self.settings.pseudonymize_users else "false"}  # fmt: skip
        if self.settings.pseudonymize_users:
            env["PSEUDONYM_KEY"] = self.pseudonym_key.decode("utf-8")
        return env

    @cached_property
    def firehose(self) -> LocalFirehose | None:
        """raw_layout "firehose": the local Firehose stream, started on first use (a daemon thread)."""
        if self.settings.raw_layout != "firehose":
            return None
        stream = LocalFirehose(
            lambda bucket, key, body: self.s3.put_object(Bucket=bucket, Key=key, Body=body),
            self.raw_bucket, self.timezone, buffer_bytes=self.settings.firehose_buffer_mib * 2**20,
            buffer_seconds=self.settings.firehose_buffer_seconds,
        )  # fmt: skip
        return stream.__enter__()

    def invoke_ingest(self, event: dict[str, Any]) -> dict[str, Any]:
        """The ingest Lambda; with the firehose layout, the stand-in's clock is the request's arrival."""
        if self.firehose is None:
            return self.ingest.invoke(event)
        with self._ingest_lock:
            self.firehose.clock_ms = (event.get("requestContext") or {}).get("requestTimeEpoch")
            return self.ingest.invoke(event)

    @cached_property
    def _ingest_lock(self) -> threading.Lock:
        return threading.Lock()

    @cached_property
    def ingest(self) -> LambdaContainer:
        return LambdaContainer(LAMBDAS_DIR / "ingest" / "handler.py", self._lambda_env())

    @cached_property
    def etl(self) -> LambdaContainer:
        return LambdaContainer(LAMBDAS_DIR / "etl" / "handler.py", self._etl_env(), DAILY_TIMEOUT_MS)

    @cached_property
    def model(self) -> LambdaContainer:
        env = {**self.s3_env, "PROCESSED_BUCKET": self.processed_bucket, "MODEL_SETTINGS": "{}"}
        env["POWERTOOLS_LOG_LEVEL"] = self.log_level
        env["MODEL_SETTINGS"] = model_settings_json(self.settings)
        env["MODEL_INCREMENTAL"] = "true" if self.settings.model_incremental else "false"
        return LambdaContainer(LAMBDAS_DIR / "model" / "handler.py", env, DAILY_TIMEOUT_MS)

    def post_webhook(self, body: bytes, *, request_time_ms: int, secret: str | None = None) -> dict[str, Any]:
        """POST /webhook as API Gateway would hand it to the ingest Lambda."""
        headers = {"Content-Type": "application/json",
                   SECRET_HEADER: self.webhook_secret if secret is None else secret}  # fmt: skip
        return self.invoke_ingest(
            proxy_event("POST", "/webhook", headers, body, request_time_ms=request_time_ms)
        )

    def post_outgoing(self, body: bytes, *, request_time_ms: int) -> dict[str, Any]:
        """POST /outgoing: a message our bot sent, as its backend posts it."""
        headers = {"Content-Type": "application/json", SECRET_HEADER: self.webhook_secret}
        return self.invoke_ingest(
            proxy_event("POST", "/outgoing", headers, body, request_time_ms=request_time_ms)
        )

    def run_etl(self, event: dict[str, Any], *, then_model: bool = True) -> dict[str, Any]:
        """The ETL, then (on its success, as the function's on-success destination does in AWS) the model
        step over the days it wrote and the 7 days before them (then_model=False: the ETL alone, for its
        benchmarks)."""
        if self.firehose is not None:
            self.firehose.flush()  # the buffering interval has passed by the time the ETL runs
        result = self.etl.invoke(event)
        # Days the invocation had no time for (its 15 minutes: telegram_etl.app): run here one invocation
        # each, as the runbook does in AWS, so that a local report never misses part of its range.
        for day in result.get("deferred", []):
            result = _merged(result, self.etl.invoke({"date": day}))
        if then_model:
            self.run_model({"requestPayload": event, "responsePayload": result})
        return result

    def run_model(self, event: dict[str, Any]) -> dict[str, Any]:
        """The model step: the ETL's destination record, {"date": D} or {"start_date", "end_date"}."""
        return self.model.invoke(event)

    def download_processed(self, destination: Path) -> Path:
        """Mirror the processed table's and the model's Parquet files (DuckDB here cannot read S3 itself):
        destination/telegram/context_date=.../ and destination/model/<table>/context_date=.../."""
        root = destination / "telegram"
        root.mkdir(parents=True, exist_ok=True)
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.processed_bucket):
            for item in page.get("Contents", []):
                if not item["Key"].startswith(("telegram/", f"{MODEL_PREFIX}/")):
                    continue
                target = destination / item["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(
                    self.s3.get_object(Bucket=self.processed_bucket, Key=item["Key"])["Body"].read()
                )
        return root


def duckdb_over(table_root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database with a view named like each Glue table over the hive-partitioned Parquet:
    telegram_updates over table_root, and the model's tables over table_root/../model/<table>."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")  # like Athena's session: local hours come from the SQL
    _view(connection, TABLE_NAME, table_root, ARROW_SCHEMA)
    for table in TABLES:
        _view(connection, table.name, table_root.parent / MODEL_PREFIX / table.name, table.arrow_schema)
    return connection


def _view(connection: duckdb.DuckDBPyConnection, name: str, root: Path, schema: pa.Schema) -> None:
    # The schema's columns, always: days written before a column was added lack it, and Athena reads
    # them by name with nulls there (the Glue table has every column): so does this view.
    empty = pa.table({field.name: pa.array([], field.type) for field in schema}).append_column(
        PARTITION_KEY.name, pa.array([], pa.string())
    )
    connection.register(f"_{name}_schema", empty)
    files = sorted(root.glob(f"{PARTITION_KEY.name}=*/*.parquet"))
    if files:
        pattern = str(root / f"{PARTITION_KEY.name}=*" / "*.parquet")
        # Glue's partition key is a string: keep it one here too (DuckDB would infer a DATE).
        literal = pattern.replace("'", "''")
        key = PARTITION_KEY.name
        source = f"read_parquet('{literal}', hive_partitioning = true, hive_types = {{'{key}': VARCHAR}}"
        if all(pq.read_schema(path).names == schema.names for path in files):
            # Every file has the schema's columns (the usual case): read as is, about twice as fast.
            connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {source})")  # noqa: S608
            return
        connection.execute(
            f"CREATE VIEW {name} AS SELECT * FROM _{name}_schema UNION ALL BY NAME "  # noqa: S608
            f"SELECT * FROM {source}, union_by_name = true)"
        )
    else:  # no day written yet: an empty table of the same schema
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_schema")  # noqa: S608


def run_query(connection: duckdb.DuckDBPyConnection, query: NamedQuery) -> list[dict[str, Any]]:
    cursor = connection.execute(to_duckdb(query.sql))
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def answer_all(pipeline: LocalPipeline, workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every named query's rows over the processed table as it is now in the S3 server."""
    shutil.rmtree(workdir, ignore_errors=True)  # a mirror of the bucket: nothing stale from last time
    connection = duckdb_over(pipeline.download_processed(workdir))
    return {query.name: run_query(connection, query) for query in named_queries()}


def raw_days(pipeline: LocalPipeline) -> list[str]:
    """The days (YYYY-MM-DD) that have raw updates, from the raw bucket's partition prefixes (both
    layouts; a firehose object's records may belong to the next day too)."""
    if pipeline.firehose is not None:
        pipeline.firehose.flush()
    days = set()
    for layout in ("telegram", "firehose"):
        pages = pipeline.s3.get_paginator("list_objects_v2").paginate(
            Bucket=pipeline.raw_bucket, Prefix=f"{layout}/", Delimiter="/"
        )
        prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
        found = {date.fromisoformat(p.removeprefix(f"{layout}/context_date=").rstrip("/")) for p in prefixes}
        days |= found | ({day + timedelta(days=1) for day in found} if layout == "firehose" else set())
    return sorted(day.isoformat() for day in days)


# The sample conversation's people are fictional; a fixed key keeps its documented answers (make docs)
# the same on every run. Never a stage's key.
SAMPLE_PSEUDONYM_KEY = "sample-conversation-key"


def answer_sample_conversation(s3_env: dict[str, str], workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Ingest the sample conversation, run the ETL over its two days and every named query on the result."""
    pipeline = LocalPipeline(
        s3_env, raw_bucket="sample-raw", processed_bucket="sample-processed", settings=SAMPLE_SETTINGS,
        pseudonym_key_text=SAMPLE_PSEUDONYM_KEY,
    )  # fmt: skip
    pipeline.create_buckets()
    for delivery in conversation():
        response = pipeline.post_webhook(
            json.dumps(delivery.update).encode(), request_time_ms=delivery.request_time_ms
        )
        if response["statusCode"] != 200:
            raise RuntimeError(f"webhook refused update {delivery.update['update_id']}: {response}")
    pipeline.run_etl({"start_date": "2025-03-10", "end_date": "2025-03-11"})
    return answer_all(pipeline, workdir)


class FolderStorage:
    """telegram_etl.storage.Storage over a local folder (one bucket): the model step over a mirror of the
    processed bucket (`make sql`, tests), as it runs over S3."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def list_objects(self, bucket: str, prefix: str) -> Iterator[Any]:
        from telegram_etl.storage import StoredObject

        for path in sorted(self.root.glob(f"{prefix}**/*")):
            if path.is_file():
                key = path.relative_to(self.root).as_posix()
                yield StoredObject(
                    key, datetime.fromtimestamp(path.stat().st_mtime, UTC), path.stat().st_size
                )

    def get(self, bucket: str, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".tmp")
        staged.write_bytes(body)
        staged.replace(target)  # one rename: readers see the old file or the new one

    def delete(self, bucket: str, keys: Iterable[str]) -> None:
        for key in keys:
            (self.root / key).unlink(missing_ok=True)


def remodel_folder(table_root: Path, settings: StageConfig) -> None:
    """The model's tables beside a mirror of the processed table (table_root/../model/), recomputed with
    `settings` over every day of it (`make remodel`, locally)."""
    from telegram_model.app import Settings
    from telegram_model.job import run_model

    found = sorted(
        p.name.removeprefix(f"{PARTITION_KEY.name}=") for p in table_root.glob(f"{PARTITION_KEY.name}=*")
    )
    if not found:
        return
    run_model(FolderStorage(table_root.parent), bucket="local", settings=Settings.of(settings),
              first=date.fromisoformat(found[0]), last=date.fromisoformat(found[-1]))  # fmt: skip
