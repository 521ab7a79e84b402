"""The ETL run: which days, then each day independently, with counts logged and returned."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger

from telegram_etl.days import days_to_process, is_scheduled
from telegram_etl.job import READ_WORKERS, DayResult, late_days, process_day
from telegram_etl.privacy import REDACTION_KINDS, People
from telegram_etl.storage import Storage


@dataclass(frozen=True)
class Settings:
    raw_bucket: str
    processed_bucket: str
    timezone: ZoneInfo
    # The pseudonym key (None: pseudonymize_users is off) and the staff's real Telegram ids.
    pseudonym_key: bytes | None = field(default=None, repr=False)
    staff_user_ids: frozenset[int] = frozenset()
    # The scheduled run also re-runs any of this many days before D-1 whose raw data changed since.
    late_data_days: int = 7

    @classmethod
    def from_env(cls, env: dict[str, str], read_secret: Callable[[str], str] | None = None) -> Settings:
        """PSEUDONYMIZE_USERS (default true) needs the key: PSEUDONYM_KEY (the local pipeline) or the
        secret PSEUDONYM_KEY_SECRET_ARN, read with read_secret (AWS). Without a key the ETL refuses to
        start rather than write people's ids in clear."""
        missing = [name for name in ("RAW_BUCKET", "PROCESSED_BUCKET") if not env.get(name, "").strip()]
        if missing:
            raise RuntimeError(f"missing environment: {', '.join(missing)}")
        return cls(
            raw_bucket=env["RAW_BUCKET"].strip(),
            processed_bucket=env["PROCESSED_BUCKET"].strip(),
            timezone=ZoneInfo(env.get("TIMEZONE", "").strip() or "UTC"),
            pseudonym_key=_pseudonym_key(env, read_secret),
            staff_user_ids=_ids(env.get("STAFF_USER_IDS", "")),
            late_data_days=_late_data_days(env.get("LATE_DATA_DAYS", "")),
        )

    def people(self) -> People:
        return People(self.pseudonym_key, self.staff_user_ids)


def _pseudonym_key(env: dict[str, str], read_secret: Callable[[str], str] | None) -> bytes | None:
    switch = env.get("PSEUDONYMIZE_USERS", "").strip().lower() or "true"
    if switch not in ("true", "false"):
        raise RuntimeError(f"PSEUDONYMIZE_USERS must be true or false, got {switch!r}")
    if switch == "false":
        return None
    if env.get("PSEUDONYM_KEY"):
        return env["PSEUDONYM_KEY"].encode("utf-8")
    arn = env.get("PSEUDONYM_KEY_SECRET_ARN", "").strip()
    if arn and read_secret is not None:
        key = read_secret(arn)
        if key:
            return key.encode("utf-8")
    raise RuntimeError(
        "PSEUDONYMIZE_USERS is on but there is no key (PSEUDONYM_KEY or PSEUDONYM_KEY_SECRET_ARN)"
    )


def _late_data_days(text: str) -> int:
    try:
        days = int(text.strip() or 7)
    except ValueError:
        raise RuntimeError("LATE_DATA_DAYS must be an integer") from None
    if not 0 <= days <= 31:
        raise RuntimeError("LATE_DATA_DAYS must be between 0 and 31")
    return days


def _ids(text: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise RuntimeError("STAFF_USER_IDS must be integers separated by commas") from None


class DaysFailed(RuntimeError):
    """Some days of a run could not be processed (storage failures); the others were."""


# Another day starts only if the invocation has left at least the longest day it ran so far times this,
# plus the reserve (the summary, the manifest of a day): one invocation of many big days (late re-runs
# after an outage, a range) otherwise times out, is retried whole and times out again on every schedule.
NEXT_DAY_FACTOR = 1.5
RESERVE_MS = 60_000


def run(
    event: dict[str, Any], *, settings: Settings, storage: Storage, logger: Logger,
    remaining_ms: Callable[[], int] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Process the event's days, each independently. remaining_ms: the invocation's time left (Lambda's
    context); the days that would not fit are deferred (logged with "outcome": "days_deferred" and
    returned under "deferred"), never started to time out. The first day always runs."""
    days = days_to_process(event, settings.timezone)
    people = settings.people()
    results, failures, reruns = [], {}, []
    why_late: dict[date, str] = {}  # late days of a scheduled run: why each is re-run
    if is_scheduled(event) and settings.late_data_days:
        # Late data (docs/architecture.md): recent days whose raw inputs changed since their run.
        try:
            late = late_days(
                storage, raw_bucket=settings.raw_bucket, processed_bucket=settings.processed_bucket,
                before=days[0], count=settings.late_data_days, timezone=settings.timezone,
            )  # fmt: skip
        except Exception as error:
            logger.exception("late data check failed")
            failures["late_data_check"] = type(error).__name__
            late = []
        why_late = dict(late)
        days = days + list(why_late)
    deferred: list[str] = []
    longest_ms = 0.0
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        for index, day in enumerate(days):
            needed_ms = longest_ms * NEXT_DAY_FACTOR + RESERVE_MS
            if index and remaining_ms is not None and remaining_ms() < needed_ms:
                deferred = [later.isoformat() for later in days[index:]]
                # Scheduled: the next schedule finds late days again (late_data_days); a range: re-run them.
                logger.warning("days deferred", extra={"outcome": "days_deferred", "deferred": deferred,
                                                       "remaining_ms": remaining_ms()})  # fmt: skip
                break
            if day in why_late:  # logged as it starts: a deferred day is not re-run yet
                details = {"outcome": "late_rerun", "context_date": day.isoformat(), "reason": why_late[day]}
                logger.warning("late data re-run", extra=details)
                reruns.append(day.isoformat())
            # CPU: every thread's, the reads' too (as BENCHMARKS.md counts it); wall: for the next day's room.
            started, wall_started = time.process_time(), time.monotonic()
            try:
                result = process_day(
                    storage, raw_bucket=settings.raw_bucket, processed_bucket=settings.processed_bucket,
                    day=day, pool=pool, people=people, timezone=settings.timezone,
                )  # fmt: skip
            except Exception as error:
                logger.exception("day failed", extra={"context_date": day.isoformat()})
                failures[day.isoformat()] = f"{type(error).__name__}: {error}"
                continue
            finally:
                longest_ms = max(longest_ms, (time.monotonic() - wall_started) * 1000)
            cpu = time.process_time() - started
            # A real day's CPU per update, beside BENCHMARKS.md's ("Scale"): how near its limit a run is.
            logger.info("day processed", extra={
                "context_date": result.date, **result.counts(), "files": len(result.files),
                "redactions": result.redactions, "cpu_seconds": round(cpu, 3),
                "cpu_us_per_update": round(cpu / max(result.read, 1) * 1e6, 1),
            })  # fmt: skip
            results.append(result.as_dict())
    summary = {"days": results, "totals": totals_of(results), "late_reruns": reruns, "deferred": deferred}
    if failures:
        # Fail the invocation loudly, so that EventBridge retries and then dead-letters it.
        raise DaysFailed(f"{len(failures)} of {len(days)} days failed: {failures}")
    return summary


def totals_of(days: list[dict[str, Any]]) -> dict[str, Any]:
    """A run's totals: each count and each kind of redaction summed over its days (DayResult.as_dict)."""
    totals: dict[str, Any] = {name: sum(day[name] for day in days) for name in DayResult.COUNTS}
    totals["redactions"] = {kind: sum(day["redactions"][kind] for day in days) for kind in REDACTION_KINDS}
    return totals
