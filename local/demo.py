"""`make demo`: the whole architecture on this machine, with the very same Lambda code.

1. starts SeaweedFS (a real S3 server) on loopback, with the raw and processed buckets;
2. starts a local API Gateway: real HTTP in, the REST proxy event to the ingest Lambda's handler;
3. replays a seeded, several-day Portuguese support conversation as HTTP POSTs with the secret
   header, plus a redelivery, a wrong secret and payloads that are not Updates; and, interleaved in time
   as a bot backend would, our bot's own messages (its answers and feedback prompts: Telegram never
   sends a bot its own messages) posted to POST /outgoing, some twice;
4. runs the ETL Lambda's handler once per day as the daily schedule would (D-1), re-runs a day to
   show it changes nothing, then runs the Athena named queries in DuckDB over the Parquet;
5. prints the three answers and writes an HTML report with charts (its path on a `Report:` line).

Every process it starts is stopped on the way out, also on Ctrl-C, SIGTERM or failure, and it says so
only after checking that none is left. One demo at a time per work folder (a lock file in it).
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import json
import shutil
import signal
import sys
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from analyst.answers import ANSWERS, table
from analyst.report import render
from analyst.report_texts import LANGUAGES, translate
from demo_data.generator import GeneratedConversation, generate
from stacks.config import RAW_LAYOUTS
from standins.api_gateway import REPLAY_TIME_HEADER, LocalApiGateway, PortInUse
from standins.cli import ArgumentParser
from standins.runner import LocalPipeline, answer_all
from standins.s3_server import SeaweedS3
from standins.workdir import DemoRunning, UnwritableWorkdir, lock_workdir
from telegram_etl.job import DayResult
from telegram_ingest.app import SECRET_HEADER

ROOT = Path(__file__).resolve().parent.parent
DESKTOP_EXPORT = ROOT / "tests/fixtures/telegram/39_desktop_export_new_format.json"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # what the Lambdas' logger accepts


# A terminal's line holding an unfinished progress bar (no newline yet): whatever is printed next must
# first take it away, or it is appended to the bar.
_bar_open = False
ERASE_LINE = "\r\x1b[K"


def progress(label: str, done: int, total: int) -> None:
    """One line redrawn in place on a terminal; a line per quarter otherwise (CI logs)."""
    global _bar_open
    filled = int(30 * done / max(total, 1))
    line = f"   {label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
    if sys.stderr.isatty():
        print(f"\r{line}", end="\n" if done == total else "", file=sys.stderr, flush=True)
        _bar_open = done != total
    elif done == total or done % max(total // 4, 1) == 0:
        print(line, file=sys.stderr, flush=True)


def clear_progress() -> None:
    """Takes an unfinished bar off its line, so that the next line starts at its beginning (the next
    progress() draws the bar again below it)."""
    global _bar_open
    if _bar_open:
        print(ERASE_LINE, end="", file=sys.stderr, flush=True)
        _bar_open = False


def post(url: str, body: bytes, secret: str, arrived_ms: int | None = None) -> tuple[int, str]:
    """POST like Telegram does; `arrived_ms` replays the time the request reached the API."""
    headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
    if arrived_ms is not None:
        headers[REPLAY_TIME_HEADER] = str(arrived_ms)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our loopback gateway
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def replay(
    conversation: GeneratedConversation, api_url: str, secret: str, *, show_progress: bool = False
) -> dict[str, Counter[int]]:
    """Telegram's deliveries to /webhook and our bot's backend's posts to /outgoing, merged in the order
    they reach API Gateway, each with the secret header; the HTTP statuses per route. A refusal raises."""
    webhook = ((d.request_time_ms, "webhook", json.dumps(d.update).encode()) for d in conversation.deliveries)
    outgoing = ((o.request_time_ms, "outgoing", json.dumps(o.body).encode()) for o in conversation.outgoing)
    posts = list(heapq.merge(webhook, outgoing, key=lambda post: post[0]))
    statuses: dict[str, Counter[int]] = {"webhook": Counter(), "outgoing": Counter()}
    for n, (arrived_ms, route, body) in enumerate(posts, start=1):
        status, answer = post(f"{api_url}/{route}", body, secret, arrived_ms)
        statuses[route][status] += 1
        if status != 200:
            raise RuntimeError(f"POST /{route} refused: HTTP {status} {answer} for {body[:200]!r}")
        if show_progress:
            progress("posting", n, len(posts))
    return statuses


def scheduled_event(day: date) -> dict[str, Any]:
    """What EventBridge sends at 03:00 São Paulo (06:00 UTC) of the next day, which processes `day`."""
    at = datetime.combine(day + timedelta(days=1), time(6, 0), tzinfo=UTC)
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def run(args: argparse.Namespace, server: SeaweedS3) -> Path:
    workdir = Path(args.workdir)
    shutil.rmtree(server.data_dir, ignore_errors=True)  # each demo starts from empty buckets
    print("1. S3: starting SeaweedFS on 127.0.0.1 ...")
    with server:
        conversation = generate(seed=args.seed, updates=args.updates, days=args.days)
        # The group's settings: its staff, our bot, and topic rules for all but a couple of its topics.
        settings = dataclasses.replace(conversation.settings(), raw_layout=args.raw_layout)
        # Written down for `make sql`, whose views of the model need the same settings.
        (workdir / "settings.json").write_text(json.dumps({
            "timezone": settings.timezone, "staff_user_ids": list(settings.staff_user_ids),
            "bot_username": settings.bot_username, "topic_rules": dict(settings.topic_rules),
            "bot_handover_patterns": list(settings.bot_handover_patterns),
        }, ensure_ascii=False, indent=2), encoding="utf-8")  # fmt: skip
        # The Lambdas' JSON logs at ERROR keep the terminal readable; set --log-level INFO to see them.
        pipeline = LocalPipeline(
            server.client_env(), settings=settings, log_level=args.log_level, data_dir=workdir
        )  # its pseudonym key: workdir/pseudonym-key
        pipeline.create_buckets()
        print(f"   {server.endpoint_url}  buckets: {pipeline.raw_bucket}, {pipeline.processed_bucket}")

        with LocalApiGateway(pipeline.invoke_ingest, port=args.api_port) as api:
            webhook = f"{api.url}/webhook"
            where = "raw bucket" if pipeline.firehose is None else "Firehose (local) -> raw bucket, batched"
            print(
                f"\n2. API Gateway (local): POST {webhook} and {api.url}/outgoing -> ingest Lambda -> {where}"
            )
            first, last = conversation.days[0], conversation.days[-1]
            ledger, posts = conversation.ledger, conversation.outgoing
            distinct = len(conversation.deliveries) - ledger.redeliveries
            print(f"\n3. Telegram: replaying {distinct} updates as {len(conversation.deliveries)} deliveries "
                  f"(seed {args.seed}), {first} to {last}, {pipeline.timezone}; our bot's backend: "
                  f"{len(posts)} posts of the messages it sent to /outgoing")  # fmt: skip
            statuses = replay(conversation, api.url, pipeline.webhook_secret, show_progress=True)
            print(f"   /webhook HTTP {dict(statuses['webhook'])}; {ledger.redeliveries} of them redeliveries "
                  "(same key)")  # fmt: skip
            sent = sum(ledger.outgoing_by_day.values())
            print(f"   /outgoing HTTP {dict(statuses['outgoing'])}: the bot's {sent} messages (answers, "
                  f"hand-overs, prompts), {ledger.outgoing_reposts} posted twice (same key)")  # fmt: skip
            for what, body, secret in [
                ("wrong secret token", b'{"update_id": 1}', "guess"),
                ("a Telegram Desktop export", DESKTOP_EXPORT.read_bytes(), pipeline.webhook_secret),
                ("a body that is not JSON", b"hello", pipeline.webhook_secret),
            ]:
                status, answer = post(webhook, body, secret)
                print(f"   {what}: HTTP {status} {answer}")

        print("\n4. EventBridge (daily, D-1) -> ETL Lambda -> processed bucket (Parquet)")
        for n, day in enumerate(conversation.days, start=1):
            result = pipeline.run_etl(scheduled_event(day))["days"][0]
            counts = " ".join(f"{name}={result[name]}" for name in DayResult.COUNTS if result[name])
            redacted = " ".join(f"{kind}={n}" for kind, n in result["redactions"].items() if n)
            counts += f" redacted: {redacted}" if redacted else ""
            clear_progress()
            print(f"   {result['date']}: {counts} -> {', '.join(result['files'])}", flush=True)
            progress("days", n, len(conversation.days))
        again = pipeline.run_etl({"date": first.isoformat()})["days"][0]
        print(f"   re-run of {first}: {again['written']} rows, same files {again['files']} (no duplicates)")

        print(f"\n5. Athena named queries, run by DuckDB over the Parquet ({pipeline.timezone})")
        answers = answer_all(pipeline, workdir / "parquet")
    for name, heading in ANSWERS:
        print(f"\n{heading}  [{name}]")
        print(table(answers[name]))

    report = workdir / "report.html"
    subtitle = translate(args.lang, "demo_subtitle", deliveries=len(conversation.deliveries),
                         bot=sum(conversation.ledger.outgoing_by_day.values()), first=first, last=last,
                         timezone=pipeline.timezone, seed=args.seed)  # fmt: skip
    page = render(answers, subtitle=subtitle, timezone=pipeline.timezone,
                  staff_known=bool(settings.staff_user_ids), lang=args.lang)  # fmt: skip
    report.write_text(page, encoding="utf-8")
    return report.resolve()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="make demo", description="Run the whole pipeline locally.")
    parser.add_argument(
        "--updates", type=int, default=300,
        help="distinct updates to replay, at least (whole scenes are kept; default 300)",
    )  # fmt: skip
    parser.add_argument("--days", type=int, default=7, help="days the conversation spans (default 7)")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same conversation (default 7)")
    parser.add_argument("--s3-port", type=int, default=None, help="SeaweedFS S3 port (default: a free one)")
    parser.add_argument(
        "--api-port", type=int, default=0, help="local API Gateway port (default: a free one)"
    )
    parser.add_argument(
        "--log-level", default="ERROR", type=str.upper,
        help=f"the Lambdas' log level: {', '.join(LOG_LEVELS)} (default ERROR)",
    )  # fmt: skip
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="the report's language: en or pt-BR (default en)"
    )
    parser.add_argument(
        "--workdir", default=".local/demo", help="data, Parquet and report (default .local/demo)"
    )
    parser.add_argument(
        "--raw-layout", choices=RAW_LAYOUTS, default="object",
        help="object (one S3 object per update) or firehose (a local Firehose stand-in; default object)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.updates < 1 or args.days < 1:
        parser.error("--updates and --days must be at least 1")
    if args.log_level not in LOG_LEVELS:
        # One line, not argparse's usage block: the fix is in the message.
        parser.exit(2, f"make demo: --log-level {args.log_level.lower()} is not a level: use one of "
                       f"{', '.join(LOG_LEVELS)}\n")  # fmt: skip
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds the `with` blocks, which stop the servers


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stopped(server: SeaweedS3) -> str:
    """What to tell about the processes the demo started, checked rather than assumed."""
    if server.leftover:
        pids = " ".join(map(str, server.leftover))
        return f"could not stop every process the demo started: `kill -9 {pids}`"
    return "every process the demo started was stopped"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    workdir = Path(args.workdir)
    try:
        lock = lock_workdir(workdir)
    except DemoRunning as error:
        print(f"demo refused: {error}", file=sys.stderr)
        return 1
    except UnwritableWorkdir as error:
        print(f"make demo: --workdir: {error}", file=sys.stderr)
        return 2
    server = SeaweedS3(workdir / "seaweedfs", s3_port=args.s3_port, progress=say)
    try:
        report = run(args, server)
    except KeyboardInterrupt:
        print(f"\nInterrupted: {stopped(server)}.", file=sys.stderr)
        return 130
    except (PortInUse, RuntimeError) as error:
        print(f"\ndemo failed: {error}\n{stopped(server)}.", file=sys.stderr)
        return 1
    finally:
        lock.close()
    if server.leftover:
        print(f"\n{stopped(server)}.", file=sys.stderr)
        return 1
    print(f"\nThe S3 server and the API were stopped; data and Parquet are under {args.workdir}.")
    print(f"Report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
