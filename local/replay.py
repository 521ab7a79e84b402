"""Replay a file of Telegram updates through the local pipeline and print every answer.

    python -m local.replay [INPUT.jsonl] [--telegram-export result.json [--export-timezone ZONE]
                                    [--bot-user-id ID]] [--settings FILE.json] [--json OUT.json]
                                    [--parquet-out DIR] [--report OUT.html] [--lang en|pt-BR]

Each line of INPUT is one webhook delivery, {"update": {...an Update...}, "received_ms": <epoch ms>}, or
one message of our bot as its backend posts it to POST /outgoing, {"outgoing": <a Message, a Bot API
sendMessage result, or a list of them>, "received_ms": <epoch ms>}; both are posted in received_ms order.
The updates go through the real ingest Lambda handler into a real S3 server (SeaweedFS, started here on
loopback), the ETL Lambda handler processes every day they arrived on, the model step (after it, as in
AWS) writes the conversation model's tables, and every named query runs in DuckDB over those tables.
--settings holds stage settings, the keys of a stage in cdk.json (timezone, staff_user_ids, bot_username,
topic_rules, feedback values, allowed_chat_ids, ...), over the defaults. This is also how to try settings
on exported updates before deploying them.

--telegram-export adds a Telegram Desktop chat export's history (ops.desktop_export), alone
or with INPUT: its messages are stored in the raw bucket as `make import-export` stores them in AWS, in
the days of their local dates, before the ETL runs; a message also delivered live counts once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

from analyst.answers import ANSWERS, table
from analyst.report import render
from analyst.report_texts import LANGUAGES, translate
from ops.desktop_export import Conversion, NotAnExport
from ops.import_export import add_export_options, convert_file, write_objects
from stacks.config import RAW_LAYOUTS, ConfigError, StageConfig
from standins.cli import ArgumentParser
from standins.runner import LocalPipeline, answer_all, raw_days
from standins.s3_server import SeaweedS3
from standins.workdir import UnwritableWorkdir, writable_workdir
from telegram_etl.days import MAX_BACKFILL_DAYS
from telegram_model.tables import MODEL_PREFIX, TABLES


@dataclass(frozen=True)
class Delivery:
    line: int
    update: dict[str, Any] | list[Any]  # the body posted: an Update, or (outgoing) what the bot sent
    received_ms: int
    route: str = "webhook"  # or "outgoing": POST /outgoing, our bot's own messages


class BadLine(ValueError):
    pass


def parse_line(text: str) -> tuple[str, dict[str, Any] | list[Any], int]:
    """(route, body, received_ms) of one line: webhook for "update", outgoing for "outgoing"."""
    try:
        item = json.loads(text)
    except ValueError as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(item, dict):
        raise BadLine("not a JSON object")
    received = item.get("received_ms")
    if "outgoing" in item and "update" not in item:
        route, body = "outgoing", item["outgoing"]
        # The ingest Lambda checks the message itself (a 400 that says what is wrong).
        if not isinstance(body, dict | list):
            raise BadLine('"outgoing" is not an object or a list')
    else:
        route, body = "webhook", item.get("update")
        if not isinstance(body, dict):
            raise BadLine('"update" (or "outgoing") is missing or not an object')
    if not isinstance(received, int) or isinstance(received, bool) or received <= 0:
        raise BadLine('"received_ms" is missing or not a positive integer (epoch milliseconds)')
    return route, body, received


def read_deliveries(path: Path, errors: list[str]) -> Iterator[Delivery]:
    """The valid lines of INPUT; each invalid one is reported in `errors` with its line number."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:  # a byte-order mark is no error; a line that is not UTF-8 is an invalid line
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                errors.append(f"line {number}: not UTF-8 ({error.reason} at byte {error.start})")
                continue
            if not text.strip():
                continue
            try:
                route, body, received = parse_line(text)
            except BadLine as error:
                errors.append(f"line {number}: {error}")
                continue
            yield Delivery(number, body, received, route)


def nothing_to_replay(path: Path) -> str | None:
    """Why INPUT holds no update to replay (empty, or every line invalid), or None once one line is valid."""
    errors: list[str] = []
    if next(read_deliveries(path, errors), None) is not None:
        return None
    if not errors:
        return "the file holds no line"
    more = len(errors) - 1
    more_text = f" (and {more} more invalid line{'s' if more > 1 else ''})" if more else ""
    return f"every line is invalid: {errors[0]}{more_text}"


def load_settings(path: Path | None) -> StageConfig:
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path}: {error}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a JSON object of stage settings")
    # A setting this version does not know changes nothing here: say so, and replay with the others
    # (cdk synth, which deploys them, refuses it).
    known = {f.name for f in fields(StageConfig)} - {"stage"}
    unknown = sorted(set(values) - known)
    if unknown:
        print(f"replay: ignoring settings this version does not know: {', '.join(unknown)}", file=sys.stderr)
    return StageConfig.from_context("replay", {k: v for k, v in values.items() if k in known})


def day_ranges(days: list[str]) -> Iterator[dict[str, str]]:
    """ETL payloads covering `days`, each within the ETL's backfill limit."""
    if not days:
        return
    start, end = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    while start <= end:
        last = min(end, start + timedelta(days=MAX_BACKFILL_DAYS - 1))
        yield {"start_date": start.isoformat(), "end_date": last.isoformat()}
        start = last + timedelta(days=1)


def plain(value: Any) -> Any:
    """A query value as JSON: numbers stay numbers, days and instants become ISO 8601 text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def replay_into(
    pipeline: LocalPipeline,
    deliveries: Iterable[Delivery],
    errors: list[str],
    workdir: Path,
    export: Conversion | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Post every delivery (to /webhook or /outgoing) in received_ms order, store the export's messages,
    run the ETL over every day that got one, answer every query."""
    statuses: dict[str, dict[int, int]] = {}
    # As API Gateway sees them: both routes interleaved by arrival (stable: a file in order stays so).
    for delivery in sorted(deliveries, key=lambda d: d.received_ms):
        body = json.dumps(delivery.update).encode()
        post = pipeline.post_outgoing if delivery.route == "outgoing" else pipeline.post_webhook
        response = post(body, request_time_ms=delivery.received_ms)
        status = response["statusCode"]
        counts = statuses.setdefault(delivery.route, {})
        counts[status] = counts.get(status, 0) + 1
        if status != 200:
            errors.append(
                f"line {delivery.line}: /{delivery.route} answered HTTP {status} {response['body']}"
            )
    stored = sum(counts.get(200, 0) for counts in statuses.values())
    if statuses and not stored and export is None:  # no answer to give: a failure, said once
        refused = sum(sum(counts.values()) for counts in statuses.values())
        raise RuntimeError(f"nothing was stored: the webhook refused every update ({refused}); {errors[0]}")
    for route, counts in statuses.items():
        print(f"replayed /{route}: HTTP {dict(sorted(counts.items()))}", file=sys.stderr)
    if export is not None:
        report = write_objects(pipeline.s3, pipeline.raw_bucket, export)
        print("\n".join(report.lines()), file=sys.stderr)
    for payload in day_ranges(raw_days(pipeline)):
        for result in pipeline.run_etl(payload)["days"]:
            if result["read"]:
                names = ("read", "written", "duplicates", "quarantined")
                counts = ", ".join(f"{name} {result[name]}" for name in names if result[name])
                print(f"ETL {result['date']}: {counts}", file=sys.stderr)
    answers = answer_all(pipeline, workdir)
    return {name: [{key: plain(value) for key, value in row.items()} for row in rows]
            for name, rows in answers.items()}  # fmt: skip


def replay(
    args: argparse.Namespace, settings: StageConfig, workdir: Path, export: Conversion | None = None
) -> dict[str, list[dict[str, Any]]]:
    errors: list[str] = []
    with SeaweedS3(workdir / "seaweedfs", s3_port=args.s3_port) as server:
        pipeline = LocalPipeline(
            server.client_env(), settings=settings, log_level=args.log_level, data_dir=workdir
        )  # a fresh folder, a fresh pseudonym key
        pipeline.create_buckets()
        deliveries = read_deliveries(Path(args.input), errors) if args.input else iter(())
        answers = replay_into(pipeline, deliveries, errors, workdir / "parquet", export)
    for error in errors:
        print(error, file=sys.stderr)
    if args.parquet_out:
        target = Path(args.parquet_out)
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(workdir / "parquet" / "telegram", target)
            # The model's tables beside the processed table's days: DIR/<table>/context_date=.../
            for model_table in TABLES:
                source = workdir / "parquet" / MODEL_PREFIX / model_table.name
                if source.is_dir():
                    shutil.copytree(source, target / model_table.name)
        except OSError as error:
            raise RuntimeError(f"cannot write --parquet-out {target}: {error.strerror or error}") from None
    return answers


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m local.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "input", nargs="?", help='JSON lines: {"update": {...}, "received_ms": <epoch ms>} or {"outgoing": '
        '<what our bot sent>, "received_ms": ...} (optional with --telegram-export)',
    )  # fmt: skip
    parser.add_argument(
        "--telegram-export", type=Path, metavar="RESULT.JSON",
        help="a Telegram Desktop chat export (JSON) whose history is imported too",
    )  # fmt: skip
    add_export_options(parser)
    parser.add_argument("--settings", type=Path, help="stage settings (JSON object), over the defaults")
    parser.add_argument("--json", dest="json_out", type=Path, help="write every named query's rows here")
    parser.add_argument("--report", type=Path, help="write the HTML report of the answers here")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language (default en)")
    parser.add_argument(
        "--parquet-out",
        help="copy the processed table (hive layout) to this folder, and "
        "the model's tables to its <table>/ folders (messages, requests, cases, ratings)",
    )
    parser.add_argument("--workdir", help="S3 data and Parquet (default: a temporary folder, removed)")
    parser.add_argument("--s3-port", type=int, default=None, help="SeaweedFS S3 port (default: a free one)")
    parser.add_argument("--log-level", default="ERROR", help="the Lambdas' log level (default ERROR)")
    parser.add_argument(
        "--raw-layout",
        choices=RAW_LAYOUTS,
        help="object or firehose (a local Firehose stand-in); default: the settings' raw_layout",
    )
    return parser.parse_args(argv)


def write(path: Path, text: str) -> bool:
    """Writes the file (its folder made), or says in one line why it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"replay: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return False
    return True


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds the `with` blocks, which stop the S3 server


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    if args.input is None and args.telegram_export is None:
        print("replay: give INPUT.jsonl, --telegram-export result.json, or both", file=sys.stderr)
        return 2
    for path in (args.input, args.telegram_export):
        if path is not None and not Path(path).is_file():
            print(f"replay: {path}: no such file", file=sys.stderr)
            return 2
    if args.input and args.telegram_export is None and (empty := nothing_to_replay(Path(args.input))):
        print(f"replay: nothing to replay in {args.input}: {empty}", file=sys.stderr)
        return 2
    if args.workdir:
        try:
            writable_workdir(Path(args.workdir))
        except UnwritableWorkdir as error:
            print(f"replay: --workdir: {error}", file=sys.stderr)
            return 2
    try:
        settings = load_settings(args.settings)
        if args.raw_layout:
            settings = dataclasses.replace(settings, raw_layout=args.raw_layout)
    except ConfigError as error:
        print(f"replay: invalid settings: {error}", file=sys.stderr)
        return 2
    export = None
    if args.telegram_export is not None:
        try:  # converted whole before the pipeline starts: a bad export stores nothing
            export = convert_file(args.telegram_export, settings, export_timezone=args.export_timezone,
                                  bot_user_id=args.bot_user_id,
                                  migrated_from_chat_id=args.migrated_from_chat_id)  # fmt: skip
        except NotAnExport as error:
            print(f"replay: {error}", file=sys.stderr)
            return 2
    try:
        if args.workdir:
            answers = replay(args, settings, Path(args.workdir), export)
        else:
            with tempfile.TemporaryDirectory(prefix="replay-") as workdir:
                answers = replay(args, settings, Path(workdir), export)
    except KeyboardInterrupt:
        print("\nInterrupted: the S3 server was stopped.", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"replay failed: {error}", file=sys.stderr)
        return 1
    for name, heading in ANSWERS:
        print(f"\n{heading}  [{name}]")
        print(table(answers[name]))
    if args.report:
        days = [row["day"] for row in answers["q1_volume_by_day"]] or ["-"]
        source = Path(args.input or args.telegram_export).name
        subtitle = translate(args.lang, "replay_subtitle", input=source, first=days[0],
                             last=days[-1], timezone=settings.timezone)  # fmt: skip
        page = render(answers, subtitle=subtitle, timezone=settings.timezone, lang=args.lang,
                      staff_known=bool(settings.staff_user_ids))  # fmt: skip
        if not write(args.report, page):
            return 1
        print(f"\nReport: {args.report.resolve()}")
    if args.json_out:
        if not write(args.json_out, json.dumps(answers, ensure_ascii=False, indent=2)):
            return 1
        print(f"\nJSON: {args.json_out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
