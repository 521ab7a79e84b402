"""The model run: which days (from the ETL's result, or a range), the stage's settings, counts returned."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from telegram_etl.storage import Storage
from telegram_model.job import CONTEXT_DAYS, run_model
from telegram_model.layers import ModelSettings

MAX_RUN_DAYS = 31  # one run holds its days and their context in DuckDB: `make remodel` splits longer ranges


class BadRequest(ValueError):
    """An invocation payload the model step cannot act on."""


@dataclass(frozen=True)
class Settings:
    """The stage settings the model applies (telegram_model.layers.ModelSettings), from MODEL_SETTINGS."""

    timezone: str = "UTC"
    staff_user_ids: Sequence[int] = ()
    bot_username: str | None = None
    topic_rules: Mapping[str, Sequence[str]] = field(default_factory=dict)
    feedback_resolved_values: Sequence[str] = ()
    feedback_unresolved_values: Sequence[str] = ()
    satisfied_reactions: Sequence[str] = ()
    unsatisfied_reactions: Sequence[str] = ()
    bot_handover_patterns: Sequence[str] = ()

    @classmethod
    def of(cls, settings: ModelSettings) -> Settings:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, ensure_ascii=False,
                          sort_keys=True, default=list)  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Settings:
        values = json.loads(text)
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise RuntimeError(f"MODEL_SETTINGS: unknown settings {sorted(unknown)}")
        # Lists as tuples, as the stage config holds them: Settings.from_json(s.to_json()) == s.
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        if "topic_rules" in values:
            values["topic_rules"] = {topic: tuple(p) for topic, p in values["topic_rules"].items()}
        return cls(**values)


def model_settings_json(settings: ModelSettings) -> str:
    """MODEL_SETTINGS of the model function: the stage's model settings (the stack and the local runner)."""
    return Settings.of(settings).to_json()


def window(event: dict[str, Any]) -> tuple[date, date] | None:
    """The days to write: {"start_date", "end_date"}; {"date": D} (a day's run: D-7..D); or the ETL's
    on-success destination record (the days it wrote, and the 7 days before the first, whose cases they
    can change). None: nothing to do."""
    if "responsePayload" in event:
        written = sorted(day["date"] for day in (event["responsePayload"] or {}).get("days", []))
        if not written:
            return None
        return _day(written[0], "date") - timedelta(days=CONTEXT_DAYS), _day(written[-1], "date")
    if "date" in event:
        day = _day(event["date"], "date")
        return day - timedelta(days=CONTEXT_DAYS), day
    if "start_date" in event or "end_date" in event:
        first, last = _day(event.get("start_date"), "start_date"), _day(event.get("end_date"), "end_date")
        if last < first:
            raise BadRequest(f"end_date {last} is before start_date {first}")
        if (last - first).days + 1 > MAX_RUN_DAYS:
            raise BadRequest(f"at most {MAX_RUN_DAYS} days per run: split the range (make remodel does)")
        return first, last
    raise BadRequest('expected the ETL\'s result, {"date": ...} or {"start_date": ..., "end_date": ...}')


def etl_days(event: dict[str, Any]) -> list[date]:
    """The days the ETL wrote (its on-success record), which the model reads from processed data; the
    other days of its window come from the model's state when it has them (telegram_model.incremental)."""
    if "responsePayload" not in event:
        return []
    return sorted(_day(day["date"], "date") for day in (event["responsePayload"] or {}).get("days", []))


def _day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be YYYY-MM-DD, got {value!r}") from None


def run(
    event: dict[str, Any],
    *,
    settings: Settings,
    storage: Storage,
    bucket: str,
    logger: Logger,
    incremental: bool = True,
) -> dict[str, Any]:
    """Model the event's days. `incremental` (the stage's model_incremental, on by default): the daily run
    may read its new day only and the earlier days' stored state (telegram_model.incremental), with the
    same rows; off, every run reads all."""
    days = window(event)
    if days is None:
        logger.info("no day written by the ETL: nothing to model")
        return {"days": 0}
    result = run_model(storage, bucket=bucket, settings=settings, first=days[0], last=days[1],
                       new_days=etl_days(event) if incremental else ())  # fmt: skip
    logger.info("model written", extra=result.as_dict())
    return result.as_dict()
