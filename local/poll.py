"""Your real bot, without AWS: long-poll Telegram (getUpdates) into the local pipeline.

    make poll      # TELEGRAM_BOT_TOKEN=... ; Ctrl-C to stop; run it again to carry on
    make report    # ETL of every stored day, the named queries and the HTML report

Each update goes through the same ingest Lambda handler as in AWS (as a webhook call with the local
secret) into a SeaweedFS server whose data stays in .local/bot. The offset of the next update is
saved after every stored update, so that a restart neither loses nor repeats one: an update stored
just before a crash is fetched again, and its key (its update_id) is overwritten with the same bytes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from analyst.report import render
from analyst.report_texts import LANGUAGES, translate
from ops.botapi import BotApi, BotApiError, token_from_environment
from standins.cli import ArgumentParser
from standins.runner import LocalPipeline, answer_all, raw_days
from standins.s3_server import SeaweedS3
from standins.settings import stage_config
from standins.workdir import UnwritableWorkdir, writable_workdir
from telegram_etl.flatten import UPDATE_KINDS

WORKDIR = Path(".local/bot")


class OffsetStore:
    """The next update_id to ask for, in a small JSON file replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> int | None:
        try:
            return int(json.loads(self.path.read_text())["offset"])
        except FileNotFoundError:
            return None

    def save(self, offset: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"offset": offset}))
        os.replace(partial, self.path)


class Poller:
    def __init__(self, api: BotApi, pipeline: LocalPipeline, offsets: OffsetStore, *,
                 rejected_dir: Path, long_poll_seconds: int = 30) -> None:  # fmt: skip
        self.api, self.pipeline, self.offsets = api, pipeline, offsets
        self.rejected_dir, self.long_poll_seconds = rejected_dir, long_poll_seconds
        self.stored = self.rejected = 0

    def poll_once(self) -> int:
        """One getUpdates call; every update it returns stored (or set aside) before the offset moves."""
        updates = self.api.get_updates(self.offsets.load(), self.long_poll_seconds, list(UPDATE_KINDS))
        for update in updates:
            body = json.dumps(update, ensure_ascii=False).encode()
            response = self.pipeline.post_webhook(body, request_time_ms=int(time.time() * 1000))
            status = response["statusCode"]
            if status >= 500:  # storage is down: stop here, this update is fetched again next time
                raise RuntimeError(
                    f"update {update.get('update_id')} not stored: HTTP {status} {response['body']}"
                )
            if status != 200:  # not an Update the webhook accepts: keep it aside rather than lose it
                self.rejected_dir.mkdir(parents=True, exist_ok=True)
                (self.rejected_dir / f"{update.get('update_id')}.json").write_bytes(body)
                self.rejected += 1
            else:
                self.stored += 1
            self.offsets.save(int(update["update_id"]) + 1)
        return len(updates)

    def run(self, *, should_stop: Callable[[], bool], on_batch: Callable[[int], None]) -> None:
        """Poll until should_stop(); network errors are retried with a growing pause (at most 60 s)."""
        pause = 1.0
        while not should_stop():
            try:
                on_batch(self.poll_once())
                pause = 1.0
            except BotApiError as error:
                if error.error_code in (401, 404):
                    raise SystemExit(f"Telegram refused the token: {error}") from None
                if error.error_code == 409:
                    raise SystemExit(
                        f"{error}. This bot has a webhook: run `make webhook-info`, and delete the webhook "
                        "(deleteWebhook) to poll it locally, or use another bot."
                    ) from None
                print(f"   {error}; retrying in {pause:.0f} s", file=sys.stderr)
                time.sleep(pause)
                pause = min(pause * 2, 60.0)


def bot_pipeline(server: SeaweedS3) -> LocalPipeline:
    """The stage's settings from cdk.json (STAGE, default dev): time zone, staff, bot, topic rules."""
    pipeline = LocalPipeline(server.client_env(), raw_bucket="bot-raw", processed_bucket="bot-processed",
                             settings=stage_config(), log_level="ERROR",
                             data_dir=server.data_dir.parent)  # fmt: skip
    pipeline.create_buckets()
    return pipeline


def report(workdir: Path, lang: str = "en") -> Path:
    """ETL of every day stored so far (each a full, idempotent rewrite), then the report."""
    if not (workdir / "seaweedfs").is_dir():  # never start a server (and create its data) for nothing
        raise SystemExit("nothing stored yet: run `make poll` first")
    with SeaweedS3(workdir / "seaweedfs") as server:
        pipeline = bot_pipeline(server)
        days = raw_days(pipeline)
        if not days:
            raise SystemExit("nothing stored yet: run `make poll` first")
        result = pipeline.run_etl({"start_date": days[0], "end_date": days[-1]})
        print(f"ETL of {days[0]} to {days[-1]}: {result['totals']}")
        answers = answer_all(pipeline, workdir / "parquet")
    path = workdir / "report.html"
    subtitle = translate(lang, "bot_subtitle", first=days[0], last=days[-1], timezone=pipeline.timezone)
    path.write_text(render(answers, title=translate(lang, "bot_title"), subtitle=subtitle, lang=lang,
                           timezone=pipeline.timezone, staff_known=bool(pipeline.settings.staff_user_ids)),
                    encoding="utf-8")  # fmt: skip
    return path.resolve()


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m local.poll", description="Long-poll a real bot into the local pipeline."
    )
    parser.add_argument("action", choices=["poll", "report"])
    parser.add_argument("--workdir", default=str(WORKDIR))
    parser.add_argument("--long-poll-seconds", type=int, default=30)
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language (default en)")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    try:
        writable_workdir(workdir)
    except UnwritableWorkdir as error:
        print(f"make {args.action}: --workdir: {error}", file=sys.stderr)
        return 2
    if args.action == "report":
        print(f"Report: {report(workdir, args.lang)}")
        return 0

    api = BotApi(token_from_environment())
    stop = {"requested": False}

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop["requested"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    with SeaweedS3(workdir / "seaweedfs") as server:
        offsets = OffsetStore(workdir / "offset.json")
        poller = Poller(api, bot_pipeline(server), offsets, rejected_dir=workdir / "rejected",
                        long_poll_seconds=args.long_poll_seconds)  # fmt: skip
        print(f"Polling (offset {poller.offsets.load()}); Ctrl-C to stop, then `make report`.")
        try:
            poller.run(
                should_stop=lambda: stop["requested"],
                on_batch=lambda n: n and print(f"   stored {poller.stored}, set aside {poller.rejected}"),
            )
        except KeyboardInterrupt:
            pass
    print(f"Stopped: {poller.stored} updates stored, next offset {poller.offsets.load()}; data in {workdir}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
