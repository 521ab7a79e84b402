"""`make import-export FILE=result.json STAGE=prod`: a Telegram Desktop export's history into a stage.

    python -m ops.import_export FILE --stage STAGE [--export-timezone ZONE] [--bot-user-id ID]
                                           [--no-etl] [--json]

The export becomes raw objects (ops.desktop_export), written to the stage's raw bucket (the
ingestion stack's RawBucketName output) in the layout the webhook writes; then the ETL Lambda (the ETL
stack's function) is invoked asynchronously for the days that changed, which it reprocesses whole as
every night. Everything is converted before anything is written: a file that is not an export, or is
truncated, writes nothing (exit 2). A re-import writes nothing either: an object already stored with the
same bytes is counted "already present" and left alone, so its day is not reprocessed.

AWS credentials come from the usual chain (AWS_PROFILE, environment, SSO): s3:ListBucket, s3:GetObject
and s3:PutObject on the raw bucket's telegram/ prefix, lambda:InvokeFunction on the ETL function and
cloudformation:DescribeStacks / ListStackResources on the stage's stacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import BotoCoreError, ClientError

from ops.deployed import one_function
from ops.desktop_export import Conversion, NotAnExport, RawObject, convert, load_export
from stacks.config import ConfigError, StageConfig
from stacks.names import stack_name
from standins.cli import ArgumentParser, configured_session, explain
from standins.settings import stage_config
from telegram_etl.days import MAX_BACKFILL_DAYS
from telegram_ingest.webhook import RAW_PREFIX

WRITERS = 8


@dataclass
class ImportReport:
    """What an import did: messages read, imported (written: new or changed), already present (the same
    bytes were stored), skipped (by reason), and the local days whose raw objects changed."""

    read: int = 0
    imported: int = 0
    already_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    days_touched: list[str] = field(default_factory=list)
    local_times: int = 0  # older-format messages, whose dates were read in export_timezone
    export_timezone: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read, "imported": self.imported, "already_present": self.already_present,
            "skipped": sum(self.skipped.values()), "skipped_by_reason": dict(sorted(self.skipped.items())),
            "days_touched": self.days_touched, "local_times": self.local_times,
            "export_timezone": self.export_timezone,
        }  # fmt: skip

    def lines(self) -> list[str]:
        skipped, days = sum(self.skipped.values()), len(self.days_touched)
        counts = (f"export: {self.read} messages read, {self.imported} imported, {self.already_present} "
                  f"already present, {skipped} skipped; {days} days touched")  # fmt: skip
        lines = [counts, *(f"  skipped {count}: {reason}" for reason, count in sorted(self.skipped.items()))]
        if self.local_times:
            lines.append(f"  older export format: {self.local_times} dates without offset, read as local "
                         f"time in {self.export_timezone} (--export-timezone to change it)")  # fmt: skip
        return lines


def convert_file(
    path: Path,
    config: StageConfig,
    *,
    export_timezone: str | None = None,
    bot_user_id: int | None = None,
    migrated_from_chat_id: int | None = None,
) -> Conversion:
    """The export at `path` converted for the stage: its time zone (for the days), allow-list and bot.
    The older format's naive times are read in export_timezone, by default the stage's time zone; a
    supergroup's pre-upgrade history goes to migrated_from_chat_id (the old group) or a stand-in."""
    try:
        zone = ZoneInfo(export_timezone or config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise NotAnExport(f"--export-timezone {export_timezone!r} is not an IANA time zone name") from None
    return convert(
        load_export(path), timezone=ZoneInfo(config.timezone), export_timezone=zone,
        allowed_chat_ids=frozenset(config.allowed_chat_ids) or None,
        bot_user_id=bot_user_id if bot_user_id is not None else config.bot_user_id,
        bot_username=config.bot_username, migrated_from_chat_id=migrated_from_chat_id,
    )  # fmt: skip


def write_objects(s3: Any, bucket: str, conversion: Conversion) -> ImportReport:
    """Store the conversion's objects in `bucket`, leaving alone any already stored with the same bytes."""
    report = ImportReport(
        read=conversion.read, skipped=Counter(conversion.skipped), local_times=conversion.local_times,
        export_timezone=conversion.export_timezone,
    )  # fmt: skip
    days = sorted({obj.day for obj in conversion.objects})
    stored = set().union(
        *(_keys(s3, bucket, f"{RAW_PREFIX}/context_date={day.isoformat()}/") for day in days)
    )

    def store(obj: RawObject) -> bool:
        if obj.key in stored and s3.get_object(Bucket=bucket, Key=obj.key)["Body"].read() == obj.body:
            return False
        s3.put_object(Bucket=bucket, Key=obj.key, Body=obj.body, ContentType="application/json")
        return True

    # A few requests in flight (boto3's clients are thread-safe, with 10 pooled connections): a large
    # export is thousands of small objects, each a round trip.
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        written = list(pool.map(store, conversion.objects))
    report.imported = sum(written)
    report.already_present = len(written) - report.imported
    report.days_touched = sorted(
        {obj.day.isoformat() for obj, w in zip(conversion.objects, written, strict=True) if w}
    )
    return report


def _keys(s3: Any, bucket: str, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def day_runs(days: list[str]) -> Iterator[dict[str, str]]:
    """ETL payloads for `days`: one per run of consecutive days, each within the ETL's backfill limit, so
    that no day without a change is reprocessed."""
    runs: list[list[date]] = []
    for day in sorted({date.fromisoformat(day) for day in days}):
        if runs and day == runs[-1][1] + timedelta(days=1) and (day - runs[-1][0]).days < MAX_BACKFILL_DAYS:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    for first, last in runs:
        yield {"start_date": first.isoformat(), "end_date": last.isoformat()}


@dataclass(frozen=True)
class StageResources:
    raw_bucket: str
    etl_function: str


def stage_resources(cloudformation: Any, stage: str) -> StageResources:
    """The stage's raw bucket (the ingestion stack's output) and ETL function (the ETL stack's Lambda
    whose logical id starts with EtlFunction), found the way `make set-webhook` finds its stack."""
    ingestion = stack_name(stage, "Ingestion")
    (stack,) = cloudformation.describe_stacks(StackName=ingestion)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "RawBucketName" not in outputs:
        raise RuntimeError(f"stack {ingestion} has no output RawBucketName (deploy it again)")
    etl = one_function(cloudformation, stack_name(stage, "Etl"), "EtlFunction")
    return StageResources(outputs["RawBucketName"], etl)


def run_etl(lambda_client: Any, function: str, days: list[str]) -> list[dict[str, str]]:
    """Invoke the ETL asynchronously (it may run minutes) for the changed days; the payloads sent."""
    payloads = list(day_runs(days))
    for payload in payloads:
        lambda_client.invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
    return payloads


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m ops.import_export", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="the export's result.json (Telegram Desktop, format JSON)")
    parser.add_argument(
        "--stage", required=True, help="the stage in cdk.json (its time zone, allow-list, bot)"
    )
    add_export_options(parser)
    parser.add_argument(
        "--no-etl", action="store_true", help="write the raw objects only; print the ETL payloads"
    )
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    return parser.parse_args(argv)


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """The options an export import takes, the same here and in local.replay."""
    parser.add_argument(
        "--export-timezone",
        help="time zone of the machine that made an older-format export (its dates have no offset); "
        "default: the stage's time zone. Current exports carry Unix times and ignore it",
    )
    parser.add_argument(
        "--bot-user-id", type=int,
        help="your bot's user id (the number before ':' in its token): exports do not say who is a bot, "
        "so its messages are marked as our bot's (with the stage's bot_username) only with it; "
        "default: the stage's bot_user_id setting",
    )  # fmt: skip
    parser.add_argument(
        "--migrated-from-chat-id", type=int, metavar="CHAT_ID",
        help="for a supergroup's export holding its pre-upgrade history: the old basic group's id as the "
        "bot saw it (negative; the migrate_from_chat_id of the supergroup's first message). Give it when "
        "the bot was in the old group, so that its live copies and the imported ones count once; without "
        "it that history goes to a stand-in chat id (docs/deployment-modes.md)",
    )  # fmt: skip


def main(argv: list[str] | None = None, *, session: Any = None) -> int:
    args = parse_args(argv)
    try:
        config = stage_config(args.stage)
        conversion = convert_file(
            args.file, config, export_timezone=args.export_timezone, bot_user_id=args.bot_user_id,
            migrated_from_chat_id=args.migrated_from_chat_id,
        )  # fmt: skip
    except (ConfigError, NotAnExport) as error:
        print(f"import-export: {error}", file=sys.stderr)
        return 2
    try:
        session = session or configured_session()  # region and credentials, before anything is written
    except BotoCoreError as error:
        print(f"import-export: {explain(error, args.stage)}", file=sys.stderr)
        return 2
    try:
        resources = stage_resources(session.client("cloudformation"), args.stage)
        report = write_objects(session.client("s3"), resources.raw_bucket, conversion)
        if args.no_etl:
            payloads = list(day_runs(report.days_touched))
            etl = [f"aws lambda invoke --function-name {resources.etl_function} --invocation-type Event "
                   f"--cli-binary-format raw-in-base64-out --payload '{json.dumps(p)}' /dev/null"
                   for p in payloads]  # fmt: skip
        else:
            payloads = run_etl(session.client("lambda"), resources.etl_function, report.days_touched)
            etl = [f"ETL invoked for {p['start_date']} to {p['end_date']}" for p in payloads]
    except (BotoCoreError, ClientError, RuntimeError) as error:
        # What was written stays (each object is whole and a re-run finds it present): say so.
        print(f"import-export failed: {explain(error, args.stage) or error} (run it again: stored objects "
              "are kept, not repeated)", file=sys.stderr)  # fmt: skip
        return 1
    if args.json:
        print(json.dumps({**report.as_dict(), "raw_bucket": resources.raw_bucket, "etl_payloads": payloads}))
    else:
        print("\n".join([*report.lines(), f"raw bucket: {resources.raw_bucket}", *etl]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
