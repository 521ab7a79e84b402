"""The pipeline on this machine: the unchanged Lambda handlers against a real S3 server, and DuckDB
standing in for Athena over the Parquet the ETL wrote."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import duckdb
import pyarrow as pa

from analytics.queries import TABLE_NAME, NamedQuery, named_queries, to_duckdb
from local_pipeline.conversation import conversation
from telegram_etl.schema import ARROW_SCHEMA, PARTITION_KEY
from telegram_ingest.app import SECRET_HEADER


class FakeContext:
    """What Powertools reads from a Lambda context object."""

    function_name = "local"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local"
    aws_request_id = "local-request"


@dataclass
class LocalPipeline:
    s3_env: dict[str, str]  # endpoint and credentials of the S3 server (SeaweedS3.client_env())
    raw_bucket: str = "telegram-raw"
    processed_bucket: str = "telegram-processed"
    timezone: str = "America/Sao_Paulo"
    webhook_secret: str = "local-webhook-secret"  # noqa: S105 - a local-only value, never deployed
    log_level: str = "WARNING"  # the Lambdas' JSON logs; INFO shows one line per update and per day

    def __post_init__(self) -> None:
        self.s3 = boto3.client(
            "s3", endpoint_url=self.s3_env["AWS_ENDPOINT_URL_S3"],
            aws_access_key_id=self.s3_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.s3_env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
        )  # fmt: skip

    def create_buckets(self) -> None:
        existing = {bucket["Name"] for bucket in self.s3.list_buckets().get("Buckets", [])}
        for bucket in (self.raw_bucket, self.processed_bucket):
            if bucket not in existing:
                self.s3.create_bucket(Bucket=bucket)

    @contextmanager
    def _lambda(self, module: str, env: dict[str, str]) -> Iterator[ModuleType]:
        """Import a handler as the Lambda runtime would, under its environment (restored after)."""
        saved = {name: os.environ.get(name) for name in {**self.s3_env, **env}}
        os.environ.update({**self.s3_env, **env})
        try:
            yield importlib.reload(importlib.import_module(module))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def post_webhook(self, body: bytes, *, request_time_ms: int, secret: str | None = None) -> dict[str, Any]:
        """POST /webhook as API Gateway would hand it to the ingest Lambda."""
        event = {
            "resource": "/webhook", "path": "/webhook", "httpMethod": "POST",
            "headers": {"Content-Type": "application/json",
                        SECRET_HEADER: self.webhook_secret if secret is None else secret},
            "requestContext": {"requestTimeEpoch": request_time_ms, "httpMethod": "POST"},
            "body": body.decode("utf-8"), "isBase64Encoded": False,
        }  # fmt: skip
        env = {
            "RAW_BUCKET": self.raw_bucket,
            "WEBHOOK_SECRET": self.webhook_secret,
            "TIMEZONE": self.timezone,
            "POWERTOOLS_LOG_LEVEL": self.log_level,
        }
        with self._lambda("lambdas.ingest.handler", env) as ingest:
            return ingest.handler(event, FakeContext())

    def run_etl(self, event: dict[str, Any]) -> dict[str, Any]:
        env = {"RAW_BUCKET": self.raw_bucket, "PROCESSED_BUCKET": self.processed_bucket,
               "TIMEZONE": self.timezone, "POWERTOOLS_LOG_LEVEL": self.log_level}  # fmt: skip
        with self._lambda("lambdas.etl.handler", env) as etl:
            return etl.handler(event, FakeContext())

    def download_processed(self, destination: Path) -> Path:
        """Mirror the processed table's Parquet files (DuckDB here cannot read S3 itself)."""
        root = destination / "telegram"
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.processed_bucket, Prefix="telegram/"
        ):
            for item in page.get("Contents", []):
                target = destination / item["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(
                    self.s3.get_object(Bucket=self.processed_bucket, Key=item["Key"])["Body"].read()
                )
        return root


def duckdb_over(table_root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database with a view named like the Glue table over the hive-partitioned Parquet."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")  # like Athena's session: local hours come from the SQL
    files = sorted(table_root.glob(f"{PARTITION_KEY.name}=*/*.parquet"))
    if files:
        pattern = str(table_root / f"{PARTITION_KEY.name}=*" / "*.parquet")
        # Glue's partition key is a string: keep it one here too (DuckDB would infer a DATE).
        literal = pattern.replace("'", "''")
        connection.execute(
            f"CREATE VIEW {TABLE_NAME} AS SELECT * FROM read_parquet('{literal}', "  # noqa: S608 - constants
            f"hive_partitioning = true, hive_types = {{'{PARTITION_KEY.name}': VARCHAR}})"
        )
    else:  # no day processed yet: an empty table of the same schema
        empty = pa.table({field.name: pa.array([], field.type) for field in ARROW_SCHEMA}).append_column(
            PARTITION_KEY.name, pa.array([], pa.string())
        )
        connection.register(TABLE_NAME, empty)
    return connection


def run_query(connection: duckdb.DuckDBPyConnection, query: NamedQuery) -> list[dict[str, Any]]:
    cursor = connection.execute(to_duckdb(query.sql))
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def answer_sample_conversation(s3_env: dict[str, str], workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Ingest the sample conversation, run the ETL over its two days and every named query on the result."""
    pipeline = LocalPipeline(s3_env, raw_bucket="sample-raw", processed_bucket="sample-processed")
    pipeline.create_buckets()
    for delivery in conversation():
        response = pipeline.post_webhook(
            json.dumps(delivery.update).encode(), request_time_ms=delivery.request_time_ms
        )
        if response["statusCode"] != 200:
            raise RuntimeError(f"webhook refused update {delivery.update['update_id']}: {response}")
    pipeline.run_etl({"start_date": "2025-03-10", "end_date": "2025-03-11"})
    connection = duckdb_over(pipeline.download_processed(workdir))
    return {query.name: run_query(connection, query) for query in named_queries(pipeline.timezone)}
