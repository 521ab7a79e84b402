"""The ETL run: which days, then each day independently, with counts logged and returned."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger

from telegram_etl.days import days_to_process
from telegram_etl.job import READ_WORKERS, DayResult, process_day
from telegram_etl.storage import Storage


@dataclass(frozen=True)
class Settings:
    raw_bucket: str
    processed_bucket: str
    timezone: ZoneInfo

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        missing = [name for name in ("RAW_BUCKET", "PROCESSED_BUCKET") if not env.get(name, "").strip()]
        if missing:
            raise RuntimeError(f"missing environment: {', '.join(missing)}")
        return cls(
            raw_bucket=env["RAW_BUCKET"].strip(),
            processed_bucket=env["PROCESSED_BUCKET"].strip(),
            timezone=ZoneInfo(env.get("TIMEZONE", "").strip() or "UTC"),
        )


class DaysFailed(RuntimeError):
    """Some days of a run could not be processed (storage failures); the others were."""


def run(event: dict[str, Any], *, settings: Settings, storage: Storage, logger: Logger) -> dict[str, Any]:
    days = days_to_process(event, settings.timezone)
    results, failures = [], {}
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        for day in days:
            try:
                result = process_day(
                    storage, raw_bucket=settings.raw_bucket, processed_bucket=settings.processed_bucket,
                    day=day, pool=pool, timezone=settings.timezone,
                )  # fmt: skip
            except Exception as error:
                logger.exception("day failed", extra={"context_date": day.isoformat()})
                failures[day.isoformat()] = f"{type(error).__name__}: {error}"
                continue
            logger.info("day processed", extra={"context_date": result.date, **result.counts(),
                                                "files": len(result.files)})  # fmt: skip
            results.append(result.as_dict())
    totals = {name: sum(r[name] for r in results) for name in DayResult.COUNTS}
    summary = {"days": results, "totals": totals}
    if failures:
        # Fail the invocation loudly, so that EventBridge retries and then dead-letters it.
        raise DaysFailed(f"{len(failures)} of {len(days)} days failed: {failures}")
    return summary
