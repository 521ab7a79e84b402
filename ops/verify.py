"""`make verify STAGE=dev|prod`: proves a deployed stage works end to end, Athena included, for a few cents.

    python -m ops.verify --stage STAGE [--day YYYY-MM-DD] [--via auto|http|test-invoke]
                         [--raw-timeout SECONDS] [--price-per-tb 5]

Steps (each one a row of the final table, ok / warn / failed / skipped with the exact error):
  stack       the outputs of Telegram<Stage>Ingestion, ...Etl and ...Analytics
  webhook     getWebhookInfo (with TELEGRAM_BOT_TOKEN): URL = WebhookUrl, max_connections =
              WebhookMaxConnections, every Update kind allowed, no delivery error in the last 15 minutes
  alarms      the stage's CloudWatch alarms in ALARM (warn), and the ETL dead-letter queue's depth (warn)
  day         the verification day (below) holds no data but a previous run's leftovers (removed)
  ingest      the synthetic conversation (ops/verify_conversation.py) posted to /webhook (and /outgoing when
              the stage names its bot), through API Gateway with the stage's secret: every answer 200
  raw         the updates found in the raw bucket (object or Firehose layout), then moved to the
              verification day (taken out of today's data, so that the nightly ETL never reads them)
  etl         the ETL Lambda ({"start_date": D, "end_date": D}): a row per update written
  model       the model Lambda (the ETL stack's ModelFunction resource), same event: the day's rows of
              messages, requests, cases and ratings it wrote are the conversation's (a synchronous
              invocation: the ETL's on-success destination does not fire, so the run invokes it itself)
  q*/setup_*  every named query of the workgroup (the deployed console_queries: each table read through a
              WITH clause over its context_date window), narrowed to D (ops/verify_sql.py), through
              awswrangler: it finishes, and q1_messages_by_hour, q3_questions_answered,
              q3_feedback_resolution_rate return the rows the conversation implies; bytes scanned and cost
              each. Skipped when the model step failed: the queries read its tables
  cleanup     what the run wrote: raw objects, every processed prefix's context_date=D/ (ETL and model
              tables), and its queries' Athena results

The verification day D is the stage's projection_start_date (cdk.json): the first day the Glue tables
project, so Athena reads it. It must be at least 60 days old (outside the last 30 days the queries show by
default; --day picks another) and hold no data: anything there that is not a previous run's is a refusal,
and nothing is written. Webhook updates are stored in the day they arrive (today), so the run moves them to
D right away; our bot's message is stored in the day of its date (D). Update ids are near 2^63 and the
chat is a reserved id (the allow-list's first chat, with one), so no key of the run can be a real update's.
The model step writes D's partitions only (it reads the processed days within 7 days of D as context).

Exit codes: 0 every step ok (warn included), 1 a step failed, 2 no credentials, an unknown stage or a stage
that is not deployed (one line), 130 interrupted (after the clean-up). The run costs well under $0.05
(estimate printed): ~20 Athena queries at the 10 MB minimum ($0.001), 6 API requests, 2-3 Lambda
invocations and ~50 S3 requests.

Longer than 500 lines: make verify's steps in order (stage, webhook, post, ETL, model, queries, clean-up);
to split by step next.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from analyst.athena import MINIMUM_BYTES, PRICE_PER_TB, database_name, plain, workgroup_name
from ops.deployed import physical_ids, stack_resources
from ops.verify_conversation import (
    MESSAGE_ID_BASE,
    UPDATE_ID_BASE,
    VERIFY_CHAT_ID,
    Conversation,
    build,
    expected_model_rows,
    expected_rows,
)
from ops.verify_conversation import row_mismatch as rows_differ
from ops.verify_sql import NoWindow, for_day
from stacks.config import StageConfig
from stacks.names import stack_name
from standins.cli import ArgumentParser
from standins.cli import explain as aws_explain
from standins.settings import stage_config

OK, WARN, FAILED, SKIPPED = "ok", "warn", "failed", "skipped"
EXIT_OK, EXIT_FAILED, EXIT_SETUP, EXIT_INTERRUPTED = 0, 1, 2, 130
# telegram_ingest.app.SECRET_HEADER, which imports Powertools (not in .venv-aws).
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
RECENT_ERROR_SECONDS = 15 * 60
MIN_DAY_AGE = 60  # days before today: outside every default window (the last 30 days) with a margin
Rows = list[dict[str, Any]]


class SetupError(Exception):
    """Nothing can be verified (credentials, stage, stacks): one line, exit 2."""


class StepFailed(Exception):
    """A step's exact error, for its row of the table."""


@dataclass
class Step:
    name: str
    status: str
    detail: str = ""


@dataclass
class QueryResult:
    rows: Rows
    scanned_bytes: int
    execution_id: str | None = None


class QueryError(Exception):
    def __init__(self, message: str, execution_id: str | None = None) -> None:
        super().__init__(message)
        self.execution_id = execution_id


# post(route, body) -> (HTTP status, body): API Gateway's answer to POST <route> with the stage's secret.
Post = Callable[[str, bytes], tuple[int, str]]
# invoke(function name, event) -> the function's result; StepFailed with its error.
Invoke = Callable[[str, dict[str, Any]], Any]
# query(sql, database, workgroup) -> its rows and bytes scanned; QueryError with Athena's reason.
Query = Callable[[str, str, str], QueryResult]


@dataclass
class Services:
    """What the run talks to; every part is replaceable (tests: moto, the Lambda code in process)."""

    client: Callable[[str], Any]  # boto3 client factory
    invoke: Invoke
    query: Query
    post: Post | None = None  # None: built from the stack's outputs and secret (http or test-invoke)
    webhook_info: Callable[[], dict[str, Any]] | None = None  # getWebhookInfo; None without a token
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)
    costs: dict[str, tuple[int, float]] = field(default_factory=dict)  # query -> (bytes, USD)
    executions: list[str] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str = "") -> Step:
        step = Step(name, status, " ".join(detail.split()))  # one line per row
        self.steps.append(step)
        return step

    @property
    def failed(self) -> bool:
        return any(step.status == FAILED for step in self.steps)

    def table(self) -> str:
        width = max(len(step.name) for step in self.steps)
        lines = [f"{'step':<{width}}  {'result':<7}  detail", f"{'-' * width}  -------  ------"]
        lines += [f"{s.name:<{width}}  {s.status:<7}  {s.detail}".rstrip() for s in self.steps]
        return "\n".join(lines)


# --- the stage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    name: str
    ingestion: dict[str, str]
    etl: dict[str, str]
    analytics: dict[str, str]
    dead_letter_queue: str | None
    # The model step's function: the ETL stack has no output naming it (ops.remodel finds it the same way).
    model_function: str | None = None


def read_stage(cloudformation: Any, stage: str) -> Stage:
    """The three stacks' outputs (and the ETL's dead-letter queue); SetupError when one is missing."""
    outputs = {}
    for box in ("Ingestion", "Etl", "Analytics"):
        name = stack_name(stage, box)
        try:
            (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except Exception as error:
            if "does not exist" in str(error):
                raise SetupError(f"stage {stage} is not deployed: stack {name} does not exist in this "
                                 f"account and region (make deploy STAGE={stage}, or check "
                                 "AWS_DEFAULT_REGION)"
                                 ) from None  # fmt: skip
            raise
        outputs[box] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    needed = {"Ingestion": ("WebhookUrl", "WebhookSecretArn", "RawBucketName", "WebhookMaxConnections"),
              "Etl": ("ProcessedBucketName", "EtlFunctionName")}  # fmt: skip
    for box, keys in needed.items():
        missing = [key for key in keys if key not in outputs[box]]
        if missing:
            raise SetupError(f"stack {stack_name(stage, box)} has no output {', '.join(missing)} "
                             f"(deploy it again: make deploy STAGE={stage})")  # fmt: skip
    resources = stack_resources(cloudformation, stack_name(stage, "Etl"))
    queues = physical_ids(resources, "AWS::SQS::Queue", "EtlDeadLetterQueue")
    models = physical_ids(resources, "AWS::Lambda::Function", "ModelFunction")
    model = outputs["Etl"].get("ModelFunctionName") or (models[0] if len(models) == 1 else None)
    return Stage(stage, outputs["Ingestion"], outputs["Etl"], outputs["Analytics"], next(iter(queues), None),
                 model)  # fmt: skip


# --- webhook, alarms --------------------------------------------------------------------------------


def webhook_problems(info: dict[str, Any], stage: Stage, now: datetime, kinds: Iterable[str]) -> list[str]:
    """What getWebhookInfo says is wrong with the stage's webhook (empty: nothing)."""
    problems = []
    if info.get("url") != stage.ingestion["WebhookUrl"]:
        problems.append(f"url is {info.get('url') or '(none)'}, not {stage.ingestion['WebhookUrl']} "
                        f"(make set-webhook STAGE={stage.name})")  # fmt: skip
    if str(info.get("max_connections")) != stage.ingestion["WebhookMaxConnections"]:
        problems.append(f"max_connections {info.get('max_connections')} != WebhookMaxConnections "
                        f"{stage.ingestion['WebhookMaxConnections']}")  # fmt: skip
    allowed = info.get("allowed_updates") or []  # Telegram's default leaves reactions and members out
    missing = [kind for kind in kinds if kind not in allowed]
    if missing:
        problems.append(f"allowed_updates lacks {', '.join(missing)}")
    error_at = info.get("last_error_date")
    if error_at and now.timestamp() - error_at < RECENT_ERROR_SECONDS:
        problems.append(
            f"last error {int(now.timestamp() - error_at)} s ago: {info.get('last_error_message')}"
        )
    return problems


def update_kinds() -> tuple[str, ...]:
    """telegram_etl.flatten.UPDATE_KINDS (what `make set-webhook` asks for), read from its source: importing
    flatten needs the ETL's own dependencies (phonenumbers), which .venv-aws does not install."""
    import telegram_etl

    source = (Path(telegram_etl.__file__).parent / "flatten.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "UPDATE_KINDS" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("telegram_etl/flatten.py defines no UPDATE_KINDS")


def check_webhook(run: Run, stage: Stage, services: Services) -> None:
    if services.webhook_info is None:
        run.add("webhook", SKIPPED, "TELEGRAM_BOT_TOKEN is not set: getWebhookInfo not checked")
        return
    try:
        info = services.webhook_info()
    except Exception as error:  # the Bot API client's errors name the method, never the token
        run.add("webhook", FAILED, str(error))
        return
    problems = webhook_problems(info, stage, services.now(), update_kinds())
    last = info.get("last_error_message") or "none"
    summary = f"pending {info.get('pending_update_count', 0)}, last error: {last}"
    run.add("webhook", FAILED if problems else OK, "; ".join([*problems, summary]))


def check_alarms(run: Run, stage: Stage, services: Services) -> None:
    cloudwatch = services.client("cloudwatch")
    firing = []
    for box in ("Ingestion", "Etl", "Analytics"):
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=f"{stack_name(stage.name, box)}-", StateValue="ALARM"
        )
        firing += [alarm["AlarmName"] for page in pages for alarm in page.get("MetricAlarms", [])]
    run.add("alarms", WARN if firing else OK,
            f"in ALARM: {', '.join(firing)}" if firing else "no alarm in ALARM")  # fmt: skip
    if stage.dead_letter_queue is None:
        run.add("dlq", WARN, "no EtlDeadLetterQueue in the ETL stack")
        return
    attributes = services.client("sqs").get_queue_attributes(
        QueueUrl=stage.dead_letter_queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    depth = int(attributes.get("ApproximateNumberOfMessages", 0))
    run.add("dlq", WARN if depth else OK, f"{depth} failed ETL runs waiting (re-run their days)" if depth
            else "empty")  # fmt: skip


# --- S3 helpers -------------------------------------------------------------------------------------


def keys_under(s3: Any, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def sub_prefixes(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
    return [item["Prefix"] for page in pages for item in page.get("CommonPrefixes", [])]


def delete_keys(s3: Any, bucket: str, keys: Iterable[str]) -> int:
    keys = sorted(set(keys))
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            error = answer["Errors"][0]
            raise StepFailed(
                f"s3 DeleteObjects {bucket}/{error['Key']}: {error.get('Code')} {error.get('Message')}"
            )
    return len(keys)


def processed_day_keys(s3: Any, bucket: str, day: date) -> list[str]:
    """Every object of the day under any table prefix of the processed bucket (`*/context_date=D/`, one to
    three levels deep: the ETL's telegram/ and quarantine/, the model's tables and its per-day state,
    model/_state/<kind>/)."""
    partition = f"context_date={day.isoformat()}/"
    keys: list[str] = []
    prefixes = sub_prefixes(s3, bucket)
    for _depth in range(3):
        nested = []
        for prefix in prefixes:
            keys += keys_under(s3, bucket, prefix + partition)
            nested += [p for p in sub_prefixes(s3, bucket, prefix)
                       if not p.removeprefix(prefix).startswith("context_date=")]  # fmt: skip
        prefixes = nested
    return keys


def raw_day_keys(s3: Any, bucket: str, day: date) -> list[str]:
    return [key for layout in ("telegram", "firehose")
            for key in keys_under(s3, bucket, f"{layout}/context_date={day.isoformat()}/")]  # fmt: skip


def is_ours(key: str) -> bool:
    """A raw object of a verification run's webhook updates: its update id is in the run's range. (Our
    bot's /outgoing ids are hashes of chat and message: check_day reads their chat instead.)"""
    match = re.search(r"/(-?\d+)\.json$", key)
    return bool(match) and int(match.group(1)) >= UPDATE_ID_BASE


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Written:
    """What this run wrote, for the clean-up."""

    raw_keys: set[str] = field(default_factory=set)
    day: date | None = None


def choose_day(settings: StageConfig, today: date, requested: date | None) -> date:
    day = requested or date.fromisoformat(settings.projection_start_date)
    if day < date.fromisoformat(settings.projection_start_date):
        raise SetupError(f"--day {day} is before projection_start_date {settings.projection_start_date}: "
                         "Athena would read no partition of it")  # fmt: skip
    if day > today - timedelta(days=MIN_DAY_AGE):
        raise SetupError(f"verification day {day} is within {MIN_DAY_AGE} days of today: the named queries' "
                         "default window would show it; set an earlier projection_start_date or --day"
                         )  # fmt: skip
    return day


def check_day(
    run: Run, stage: Stage, services: Services, conversation: Conversation, written: Written
) -> bool:
    """The day holds nothing but a previous run's raw objects (removed, with the day's processed objects)."""
    s3, day = services.client("s3"), conversation.day
    raw_bucket, processed_bucket = stage.ingestion["RawBucketName"], stage.etl["ProcessedBucketName"]
    raw = raw_day_keys(s3, raw_bucket, day)
    outgoing_prefix = f"telegram/context_date={day.isoformat()}/-"
    foreign = [key for key in raw if not is_ours(key) and not (
        key.startswith(outgoing_prefix)
        and _outgoing_in_chat(s3, raw_bucket, key, conversation.chat_id))]  # fmt: skip
    processed = processed_day_keys(s3, processed_bucket, day)
    if foreign or (processed and not raw):
        example = (foreign or processed)[0]
        run.add("day", FAILED, f"{day} holds data that is not a verification run's ({len(foreign)} raw, "
                f"{len(processed)} processed objects, e.g. {example}): nothing written; pass --day "
                "with an empty day at or after projection_start_date")  # fmt: skip
        return False
    if raw:
        removed = delete_keys(s3, raw_bucket, raw) + delete_keys(s3, processed_bucket, processed)
        run.add("day", OK, f"{day}: removed {removed} objects of an earlier, interrupted run")
    else:
        run.add("day", OK, f"{day} holds no data")
    written.day = day
    return True


def _outgoing_in_chat(s3: Any, bucket: str, key: str, chat_id: int) -> bool:
    try:
        update = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        message = update["message"]
        return message["chat"]["id"] == chat_id and message["message_id"] >= MESSAGE_ID_BASE
    except (ValueError, KeyError, TypeError):
        return False


def ingest(run: Run, post: Post, conversation: Conversation) -> bool:
    answers = []
    for route, body in conversation.bodies():
        try:
            status, text = post(route, body)
        except Exception as error:
            run.add("ingest", FAILED, f"POST {route}: {error}")
            return False
        if status != 200:
            run.add("ingest", FAILED, f"POST {route} answered {status}: {text[:300]}")
            return False
        answers.append(route)
    counts = {route: answers.count(route) for route in dict.fromkeys(answers)}
    run.add("ingest", OK, ", ".join(f"{route}: {n} x 200" for route, n in counts.items()))
    return True


def arrival_days(started: datetime, finished: datetime, timezone: ZoneInfo) -> list[date]:
    return sorted({started.astimezone(timezone).date(), finished.astimezone(timezone).date()})


def move_raw(
    run: Run, stage: Stage, services: Services, conversation: Conversation, written: Written, *,
    timezone: ZoneInfo, started: datetime, timeout: float,
) -> bool:  # fmt: skip
    """Wait for the posted updates in raw, then move them to the verification day."""
    s3, bucket, day = services.client("s3"), stage.ingestion["RawBucketName"], conversation.day
    firehose = "RawStreamName" in stage.ingestion
    wanted = {update["update_id"]: update for update in conversation.webhook}
    # Written now or later, under the arrival day or D: the clean-up removes them all.
    for arrived in arrival_days(started, started + timedelta(seconds=timeout + 60), timezone):
        written.raw_keys |= {f"telegram/context_date={arrived.isoformat()}/{uid}.json" for uid in wanted}
    written.raw_keys |= {f"telegram/context_date={day.isoformat()}/{uid}.json" for uid in wanted}
    deadline, scanned = time.monotonic() + timeout, {}
    while True:
        days = arrival_days(started, services.now(), timezone)
        found = (_find_records if firehose else _find_objects)(
            s3, bucket, days, set(wanted), started, scanned
        )
        if len(found) == len(wanted) or time.monotonic() >= deadline:
            break
        services.sleep(5 if firehose else 1)
    missing = sorted(set(wanted) - set(found))
    layout = "Firehose records" if firehose else "objects"
    if missing:
        late = ""
        if firehose:  # out of today's data, those found; the object layout's keys go in the clean-up
            _remove_records(s3, bucket, {source for source, _ in found.values()}, set(wanted))
            late = (f"; records delivered later stay in today's data (chat {conversation.chat_id}): "
                    "remove them from firehose/ before tonight's ETL")  # fmt: skip
        run.add("raw", FAILED, f"{len(missing)} of {len(wanted)} updates not in the raw bucket as {layout} "
                f"after {timeout:.0f} s (update_ids {missing}): check the ingest Lambda's logs"
                + late)  # fmt: skip
        return False
    for uid, (source, body) in found.items():
        s3.put_object(Bucket=bucket, Key=f"telegram/context_date={day.isoformat()}/{uid}.json", Body=body,
                      ContentType="application/json")  # fmt: skip
        if not firehose:
            s3.delete_object(Bucket=bucket, Key=source)
    if firehose:
        _remove_records(s3, bucket, {source for source, _ in found.values()}, set(wanted))
    outgoing = keys_under(s3, bucket, f"telegram/context_date={day.isoformat()}/-")
    if conversation.outgoing and not outgoing:
        run.add("raw", FAILED, f"the /outgoing message is not under telegram/context_date={day}/")
        return False
    written.raw_keys |= set(outgoing)
    run.add("raw", OK, f"{len(found)} updates found as {layout} in {', '.join(map(str, days))}, moved to "
            f"{day}; {len(outgoing)} /outgoing message in {day}")  # fmt: skip
    return True


def _find_objects(
    s3: Any, bucket: str, days: list[date], ids: set[int], _: datetime, scanned: dict[str, Any]
) -> dict[int, tuple[str, bytes]]:
    """Our objects, by their exact keys (a day's listing would be thousands of keys in a busy stage)."""
    found = {}
    for arrived in days:
        for uid in ids:
            key = f"telegram/context_date={arrived.isoformat()}/{uid}.json"
            try:
                found[uid] = (key, s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            except s3.exceptions.NoSuchKey:
                continue
    return found


def _find_records(
    s3: Any, bucket: str, days: list[date], ids: set[int], started: datetime, scanned: dict[str, Any]
) -> dict[int, tuple[str, bytes]]:
    """Our records in the Firehose objects delivered since the run started (each with its object); an
    object read once is not read again (`scanned`: key -> our records in it)."""
    from telegram_etl.firehose import BadRecord, decode_record, lines

    for arrived in days:
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"firehose/context_date={arrived}/"
        )
        for item in (item for page in pages for item in page.get("Contents", [])):
            if item["Key"] in scanned or item["LastModified"] < started - timedelta(minutes=1):
                continue
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            scanned[item["Key"]] = {}
            for _, line in lines(body):
                try:
                    record = decode_record(line)
                except BadRecord:
                    continue
                if record.update_id in ids:
                    scanned[item["Key"]][record.update_id] = (item["Key"], record.body)
    return {uid: found for records in scanned.values() for uid, found in records.items()}


def _remove_records(s3: Any, bucket: str, keys: set[str], ids: set[int]) -> None:
    """Rewrite each Firehose object without our records (deleted when nothing else is left in it)."""
    from telegram_etl.firehose import BadRecord, decode_record, lines

    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        kept = []
        for _, line in lines(body):
            try:
                if decode_record(line).update_id in ids:
                    continue
            except BadRecord:
                pass
            kept.append(line + b"\n")
        if kept:
            s3.put_object(Bucket=bucket, Key=key, Body=b"".join(kept))
        else:
            s3.delete_object(Bucket=bucket, Key=key)


def run_lambda(run: Run, name: str, services: Services, function: str | None, day: date, missing: str) -> Any:
    """The function's result for the day's event, or None (its step failed)."""
    if not function:
        run.add(name, FAILED, missing)
        return None
    event = {"start_date": day.isoformat(), "end_date": day.isoformat()}
    started = time.monotonic()
    try:
        result = services.invoke(function, event)
    except Exception as error:  # the function's error, or Lambda's refusal (throttled, not authorized)
        run.add(name, FAILED, f"{function}: {explain(error) or error}")
        return None
    # The ETL's result has its "totals"; the model step's, each table's "rows" of the day.
    totals = (result.get("totals") or result.get("rows") or {}) if isinstance(result, dict) else {}
    detail = ", ".join(f"{key} {value}" for key, value in totals.items() if isinstance(value, int))
    run.add(name, OK, f"{function} in {time.monotonic() - started:.1f} s" + (f": {detail}" if detail else ""))
    return result if result is not None else {}


def check_etl_output(
    run: Run, stage: Stage, services: Services, conversation: Conversation, result: Any
) -> bool:
    """The ETL wrote the day's partition, a row per update of the conversation."""
    keys = keys_under(services.client("s3"), stage.etl["ProcessedBucketName"],
                      f"telegram/context_date={conversation.day.isoformat()}/")  # fmt: skip
    posted = len(conversation.webhook) + len(conversation.outgoing)
    written = result.get("totals", {}).get("written") if isinstance(result, dict) else None
    problem = (f"no Parquet under telegram/context_date={conversation.day}/" if not keys
               else f"{written} rows written, {posted} updates posted" if written not in (None, posted)
               else None)  # fmt: skip
    if problem:
        run.steps[-1].status = FAILED
        run.steps[-1].detail += f"; {problem}"
        return False
    return True


def check_model_output(run: Run, conversation: Conversation, result: Any) -> bool:
    """The model step wrote the day's rows the conversation implies, per table (its result's "rows": the
    day is the run's only one, and held nothing else)."""
    counts = result.get("rows") if isinstance(result, dict) else None
    if not isinstance(counts, dict):
        problem = f"no row counts in its result ({str(result)[:200]})"
    else:
        wrong = [
            f"{table} {counts.get(table)} (expected {count})"
            for table, count in expected_model_rows(conversation).items()
            if counts.get(table) != count
        ]
        problem = f"rows of {conversation.day}: {', '.join(wrong)}" if wrong else None
    if problem:
        run.steps[-1].status = FAILED
        run.steps[-1].detail += f"; {problem}"
        return False
    return True


def named_queries(athena: Any, workgroup: str) -> list[tuple[str, str, str]]:
    """(name, database, SQL) of every named query of the workgroup, by name."""
    ids = [i for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup)
           for i in page.get("NamedQueryIds", [])]  # fmt: skip
    named = (athena.get_named_query(NamedQueryId=named_id)["NamedQuery"] for named_id in ids)
    return sorted((q["Name"], q.get("Database", ""), q["QueryString"]) for q in named)


def run_queries(run: Run, stage: Stage, services: Services, conversation: Conversation, price: float) -> None:
    workgroup = workgroup_name(stage.name)
    try:
        queries = named_queries(services.client("athena"), workgroup)
    except Exception as error:
        run.add("queries", FAILED, f"listing the named queries of {workgroup}: {error}")
        return
    if not queries:
        run.add("queries", FAILED, f"workgroup {workgroup} has no named query")
        return
    expected = expected_rows(conversation)
    for name, database, sql in queries:
        try:
            narrowed = for_day(sql, conversation.day, database or database_name(stage.name))
        except NoWindow as error:
            run.add(name, FAILED, str(error))
            continue
        try:
            result = services.query(narrowed, database or database_name(stage.name), workgroup)
        except QueryError as error:
            if error.execution_id:
                run.executions.append(error.execution_id)
            run.add(name, FAILED, str(error))
            continue
        except Exception as error:  # refused before it ran (InvalidRequestException, AccessDenied)
            run.add(name, FAILED, explain(error) or f"{type(error).__name__}: {error}")
            continue
        if result.execution_id:
            run.executions.append(result.execution_id)
        cost = max(result.scanned_bytes, MINIMUM_BYTES) / 1e12 * price
        run.costs[name] = (result.scanned_bytes, cost)
        scanned = f"{result.scanned_bytes / 1e6:.2f} MB scanned, ${cost:.6f}"
        problem = rows_differ(result.rows, expected[name]) if name in expected else None
        if problem:
            run.add(name, FAILED, f"wrong rows: {problem}; {scanned}")
        else:
            count = f"{len(result.rows)} row{'' if len(result.rows) == 1 else 's'}"
            checked = f"{count} as expected" if name in expected else count
            run.add(name, OK, f"{checked}; {scanned}")
    unchecked = sorted(set(expected) - {name for name, _, _ in queries})
    if unchecked:
        run.add("queries", FAILED, f"not deployed: {', '.join(unchecked)}")


def clean_up(run: Run, stage: Stage, services: Services, written: Written) -> None:
    s3 = services.client("s3")
    done = []
    try:
        if written.day is not None:
            raw_bucket = stage.ingestion["RawBucketName"]
            # The day's raw objects are all ours (check_day), and so are the keys this run wrote elsewhere.
            day_keys = set(raw_day_keys(s3, raw_bucket, written.day))
            raw = day_keys | {key for key in written.raw_keys - day_keys if _exists(s3, raw_bucket, key)}
            done.append(f"{delete_keys(s3, raw_bucket, raw)} raw")
            processed = processed_day_keys(s3, stage.etl["ProcessedBucketName"], written.day)
            done.append(f"{delete_keys(s3, stage.etl['ProcessedBucketName'], processed)} processed")
        results = _athena_result_keys(services.client("athena"), run.executions)
        for bucket, keys in results.items():
            delete_keys(s3, bucket, keys)
        done.append(f"{sum(len(k) for k in results.values())} Athena result objects")
    except Exception as error:
        run.add("cleanup", FAILED, f"{error} (removed so far: {', '.join(done) or 'nothing'}); run verify "
                "again: it removes an earlier run's leftovers")  # fmt: skip
        return
    run.add("cleanup", OK, "removed " + ", ".join(done))


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except Exception as error:
        if getattr(error, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _athena_result_keys(athena: Any, executions: list[str]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for execution_id in executions:
        execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        location = execution.get("ResultConfiguration", {}).get("OutputLocation")
        if location and location.startswith("s3://"):
            bucket, _, key = location.removeprefix("s3://").partition("/")
            keys.setdefault(bucket, []).extend([key, f"{key}.metadata"])
    return keys


def verify(
    stage_name: str, settings: StageConfig, services: Services, *, day: date | None = None,
    raw_timeout: float | None = None, price: float = PRICE_PER_TB, via: str = "auto",
) -> Run:  # fmt: skip
    """Every step, in order; the clean-up always runs once anything was written."""
    run = Run()
    stage = read_stage(services.client("cloudformation"), stage_name)
    run.add("stack", OK, f"{stack_name(stage_name, 'Ingestion')}, ...Etl, ...Analytics: outputs read")
    timezone = ZoneInfo(settings.timezone)
    chosen = choose_day(settings, services.now().astimezone(timezone).date(), day)
    check_webhook(run, stage, services)
    try:
        check_alarms(run, stage, services)
    except Exception as error:  # e.g. no cloudwatch:DescribeAlarms: the rest can still be verified
        run.add("alarms", FAILED, explain(error) or f"{type(error).__name__}: {error}")
    chat = settings.allowed_chat_ids[0] if settings.allowed_chat_ids else VERIFY_CHAT_ID
    started = services.now()
    resolved = settings.feedback_resolved_values[0] if settings.feedback_resolved_values else None
    conversation = build(chosen, run_id=int(started.timestamp()), timezone=timezone, chat_id=chat,
                         bot_username=settings.bot_username, bot_user_id=settings.bot_user_id,
                         resolved_value=resolved)  # fmt: skip
    written = Written()
    if not check_day(run, stage, services, conversation, written):
        return run
    try:
        post = services.post or http_or_test_invoke(stage, services, settings, via)
        timeout = raw_timeout if raw_timeout is not None else (
            settings.firehose_buffer_seconds + 120 if "RawStreamName" in stage.ingestion else 60)  # fmt: skip
        ok = ingest(run, post, conversation) and move_raw(
            run, stage, services, conversation, written, timezone=timezone, started=started, timeout=timeout
        )
        result = run_lambda(run, "etl", services, stage.etl["EtlFunctionName"], chosen, "") if ok else None
        if result is not None and check_etl_output(run, stage, services, conversation, result):
            # The named queries read the model's tables: without the step's rows they have nothing to read.
            # (Wrong counts are its failed row; the queries still run and show what the tables hold.)
            model = run_lambda(run, "model", services, stage.model_function, chosen,
                               "the model step is not deployed (no ModelFunction in stack "
                               f"{stack_name(stage.name, 'Etl')})")  # fmt: skip
            if model is not None:
                check_model_output(run, conversation, model)
                run_queries(run, stage, services, conversation, price)
            else:
                run.add("queries", SKIPPED, "nothing to query: the model step failed (the named queries "
                        "read its tables)")  # fmt: skip
        else:
            run.add("queries", SKIPPED, "nothing to query: an earlier step failed")
    except Exception as error:
        # A refusal of AWS or a bug midway: its row, then the clean-up; never a traceback.
        run.add("error", FAILED, explain(error) or f"{type(error).__name__}: {error}")
    finally:
        clean_up(run, stage, services, written)
    return run


# --- the real services ------------------------------------------------------------------------------


def http_or_test_invoke(stage: Stage, services: Services, settings: StageConfig, via: str) -> Post:
    """POST with the stage's secret: over HTTPS, or (the API admits only Telegram's source ranges) through
    API Gateway's TestInvokeMethod, which runs the same method, validation and Lambda integration."""
    secret = services.client("secretsmanager").get_secret_value(SecretId=stage.ingestion["WebhookSecretArn"])
    token = secret["SecretString"]  # sent as the header only, never printed
    url = stage.ingestion["WebhookUrl"]
    base = url.removesuffix("/webhook")
    if via == "http" or (via == "auto" and not settings.webhook_source_cidrs):

        def post_http(route: str, body: bytes) -> tuple[int, str]:
            request = urllib.request.Request(  # noqa: S310 - the stack's https URL
                base + route, data=body, method="POST",
                headers={"Content-Type": "application/json", SECRET_HEADER: token},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return response.status, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode("utf-8", "replace")

        return post_http
    match = re.match(r"https://([a-z0-9]+)\.execute-api\.", url)
    if not match:
        raise StepFailed(f"WebhookUrl {url} is not an API Gateway URL")
    apigateway, api_id = services.client("apigateway"), match.group(1)
    resources = {item["path"]: item["id"] for page in apigateway.get_paginator("get_resources").paginate(
        restApiId=api_id) for item in page["items"]}  # fmt: skip

    def post_test_invoke(route: str, body: bytes) -> tuple[int, str]:
        if route not in resources:
            return 404, f"the API has no resource {route}"
        answer = apigateway.test_invoke_method(
            restApiId=api_id, resourceId=resources[route], httpMethod="POST", pathWithQueryString=route,
            body=body.decode("utf-8"), headers={"Content-Type": "application/json", SECRET_HEADER: token},
        )  # fmt: skip
        # answer["log"] echoes the request headers (the secret): never printed.
        return int(answer["status"]), answer.get("body", "")

    return post_test_invoke


def lambda_invoker(session: Any) -> Invoke:
    from botocore.config import Config

    # One attempt, and long enough for the ETL's 15 minutes: a retried timeout would run it twice.
    client = session.client("lambda", config=Config(read_timeout=910, retries={"max_attempts": 1}))

    def invoke(function: str, event: dict[str, Any]) -> Any:
        answer = client.invoke(FunctionName=function, InvocationType="RequestResponse",
                               Payload=json.dumps(event).encode())  # fmt: skip
        payload = answer["Payload"].read()
        result = json.loads(payload) if payload else None
        if answer.get("FunctionError"):
            if isinstance(result, dict):
                raise StepFailed(f"{result.get('errorType', 'Error')}: {result.get('errorMessage', '')}")
            raise StepFailed(f"{answer['FunctionError']} error")
        return result

    return invoke


def wrangler_query(session: Any) -> Query:
    """A query through awswrangler in the workgroup: its rows, bytes scanned and execution id."""
    import awswrangler as wr  # requirements-aws.txt (.venv-aws): `make verify` runs there

    def query(sql: str, database: str, workgroup: str) -> QueryResult:
        execution_id = wr.athena.start_query_execution(sql, database=database, workgroup=workgroup,
                                                       boto3_session=session)  # fmt: skip
        try:
            execution = wr.athena.wait_query(execution_id, boto3_session=session)
        except wr.exceptions.QueryFailed as error:
            raise QueryError(str(error), execution_id) from None
        frame = wr.athena.get_query_results(execution_id, boto3_session=session)
        rows = [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]
        scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
        return QueryResult(rows, scanned, execution_id)

    return query


def bot_webhook_info() -> Callable[[], dict[str, Any]] | None:
    from ops.botapi import TOKEN_VARIABLE, BotApi

    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        return None
    api = BotApi(token)
    return lambda: api.call("getWebhookInfo")


def explain(error: Exception) -> str | None:
    """One line for the errors of setup (credentials, region, network, AWS's refusals: standins.cli's
    words); None for anything else."""
    if isinstance(error, SetupError):
        return str(error)
    return aws_explain(error)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m ops.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True, help="the deployed stage (cdk.json), e.g. dev or prod")
    parser.add_argument("--day", type=date.fromisoformat,
                        help="verification day (default: the stage's projection_start_date); must hold "
                        "no data")  # fmt: skip
    parser.add_argument("--via", choices=["auto", "http", "test-invoke"], default="auto",
                        help="how to reach API Gateway (auto: TestInvokeMethod when webhook_source_cidrs "
                        "admits only Telegram)")  # fmt: skip
    parser.add_argument("--raw-timeout", type=float, help="seconds to wait for the raw bucket (default 60; "
                        "firehose_buffer_seconds + 120 in the Firehose layout)")  # fmt: skip
    parser.add_argument("--price-per-tb", type=float, default=PRICE_PER_TB, help="USD per TB (default 5)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, services: Services | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = stage_config(args.stage)
        if services is None:
            import boto3

            session = boto3.session.Session()
            services = Services(client=session.client, invoke=lambda_invoker(session),
                                query=wrangler_query(session), webhook_info=bot_webhook_info())  # fmt: skip
        run = verify(args.stage, settings, services, day=args.day, raw_timeout=args.raw_timeout,
                     price=args.price_per_tb, via=args.via)  # fmt: skip
    except KeyboardInterrupt:  # the clean-up ran on the way out (verify's finally)
        print("make verify: interrupted; what the run wrote was removed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        line = explain(error)
        if line is None:
            raise
        print(f"make verify: {line}", file=sys.stderr)
        return EXIT_SETUP
    print(run.table())
    athena = sum(cost for _, cost in run.costs.values())
    scanned = sum(count for count, _ in run.costs.values())
    # API Gateway, Lambda, S3 requests: a fraction of a cent for six posts, two or three invocations and
    # ~50 S3 requests; Athena as scanned (10 MB minimum per query).
    print(f"\ncost: Athena {len(run.costs)} queries, {scanned / 1e6:.1f} MB scanned, ${athena:.4f}; "
          f"everything else < $0.005; total < ${athena + 0.005:.3f}")  # fmt: skip
    failed = [step.name for step in run.steps if step.status == FAILED]
    print(f"verify {args.stage}: " + (f"FAILED ({', '.join(failed)})" if failed else "ok"))
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
