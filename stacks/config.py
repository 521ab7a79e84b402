"""A deployment stage's settings: one frozen dataclass, read from cdk.json context and validated once."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_cdk.aws_logs import RetentionDays

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


class ConfigError(ValueError):
    """Stage settings in cdk.json that cannot be deployed: every problem found, not only the first."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]

    @classmethod
    def listing(cls, stage: str, problems: list[str]) -> ConfigError:
        count = f"{len(problems)} invalid setting{'s' if len(problems) > 1 else ''}"
        return cls(f"stage {stage!r} in cdk.json: {count}: " + "; ".join(problems), problems)


def _problems(checks: list[tuple[Callable[[], bool], str]]) -> list[str]:
    """The message of every check that fails; a value of the wrong type (TypeError, ValueError while
    checking) fails its check instead of raising."""
    found = []
    for passes, message in checks:
        try:
            ok = passes()
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            ok = False
        if not ok:
            found.append(message)
    return found


def _is_zone(name: object) -> bool:
    ZoneInfo(name)  # type: ignore[arg-type] - a wrong type fails the check
    return True


def _is_cidr(value: object) -> bool:
    ipaddress.ip_network(value)  # type: ignore[arg-type]
    return True


def _is_date(value: object) -> bool:
    date.fromisoformat(value)  # type: ignore[arg-type]
    return True


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    stage: str
    # IANA timezone in which days (partitions) and hours (analytics) are counted.
    timezone: str = "UTC"
    # Chats whose updates are stored; empty stores every chat.
    allowed_chat_ids: tuple[int, ...] = ()
    api_rate_limit: float = 10.0
    api_burst_limit: int = 20
    # Only these source ranges may call the webhook (Telegram's published webhook ranges); empty turns
    # the API's resource policy off.
    webhook_source_cidrs: tuple[str, ...] = ("149.154.160.0/20", "91.108.4.0/22")
    # Bounds what abuse of the public endpoint can cost; Telegram opens at most max_connections (40).
    ingest_reserved_concurrency: int = 20
    # Raw objects move to S3 Standard-IA after this many days (S3's minimum is 30); null keeps them
    # in Standard.
    raw_infrequent_access_after_days: int | None = 90
    # Local wall-clock time of the daily ETL run (processes D-1).
    etl_local_time: str = "03:00"
    etl_memory_mb: int = 1024
    # Athena: per-query bytes-scanned cutoff and first day of the partition projection.
    athena_bytes_scanned_cutoff: int = 1024**3
    projection_start_date: str = "2024-01-01"
    # AWS SDK for pandas layer: its public SSM parameter by version, or an explicit ARN.
    sdk_pandas_version: str = "3.16.1"
    sdk_pandas_layer_arn: str | None = None
    powertools_layer_arn: str | None = None
    # CloudWatch Logs retention, an aws_logs.RetentionDays name.
    log_retention: str = "ONE_MONTH"
    # Keep buckets (and their data) when a stack is deleted.
    retain_data: bool = True
    # Where alarms are e-mailed (an SNS subscription to confirm); alarms go to the topic regardless.
    alert_email: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every check runs, and one ConfigError lists every failure: fix cdk.json once, not once a key.
        problems = _problems(
            [
                (lambda: bool(_STAGE.match(self.stage)),
                 f"stage {self.stage!r}: lower-case letters, digits and '-', at most 20"),
                (lambda: _is_zone(self.timezone), f"timezone {self.timezone!r} is not an IANA timezone name"),
                (lambda: bool(_LOCAL_TIME.match(self.etl_local_time)),
                 f"etl_local_time {self.etl_local_time!r} is not HH:MM"),
                (lambda: self.api_rate_limit > 0 and self.api_burst_limit > 0,
                 "api_rate_limit and api_burst_limit must be positive"),
                *((lambda cidr=cidr: _is_cidr(cidr), f"webhook_source_cidrs: {cidr!r} is not a CIDR range")
                  for cidr in self.webhook_source_cidrs),
                (lambda: 1 <= self.ingest_reserved_concurrency <= 1000,
                 "ingest_reserved_concurrency must be between 1 and 1000"),
                (lambda: self.raw_infrequent_access_after_days is None
                 or self.raw_infrequent_access_after_days >= 30,
                 "raw_infrequent_access_after_days must be at least 30 (S3's minimum) or null"),
                (lambda: self.athena_bytes_scanned_cutoff >= 10 * 1024**2,
                 "athena_bytes_scanned_cutoff must be at least 10 MiB (Athena's minimum)"),
                (lambda: 128 <= self.etl_memory_mb <= 10240, "etl_memory_mb must be between 128 and 10240"),
                (lambda: self.alert_email is None
                 or bool(re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.alert_email)),
                 f"alert_email {self.alert_email!r} is not an e-mail address"),
                (lambda: self.log_retention in RetentionDays.__members__,
                 f"log_retention {self.log_retention!r} is not an aws_logs.RetentionDays name"),
                (lambda: _is_date(self.projection_start_date),
                 f"projection_start_date {self.projection_start_date!r} is not YYYY-MM-DD"),
            ]
        )  # fmt: skip
        if problems:
            raise ConfigError.listing(self.stage, problems)

    @classmethod
    def from_context(cls, stage: str, values: dict[str, Any]) -> StageConfig:
        problems = []
        known = {f.name for f in fields(cls)} - {"stage"}
        unknown = sorted(set(values) - known)
        if unknown:
            problems.append(f"unknown settings: {', '.join(unknown)}")
        values = {name: value for name, value in values.items() if name in known}
        for name, convert in (("allowed_chat_ids", int), ("webhook_source_cidrs", str)):
            if name in values:
                try:
                    values[name] = tuple(convert(v) for v in values[name])
                except (TypeError, ValueError):
                    problems.append(f"{name} must be a list of {convert.__name__}s, got {values.pop(name)!r}")
        try:
            config = cls(stage=stage, **values)
        except ConfigError as error:
            problems += error.problems
        if problems:
            raise ConfigError.listing(stage, problems)
        return config

    def etl_cron_utc(self) -> tuple[int, int]:
        """(hour, minute) in UTC at which the ETL starts at etl_local_time or, under DST, an hour later.

        EventBridge rules run in UTC. Using the zone's smaller UTC offset of the year means the run
        never starts before etl_local_time, so it always starts after local midnight and D-1 is right.
        """
        hour, minute = (int(part) for part in self.etl_local_time.split(":"))
        zone = ZoneInfo(self.timezone)
        offset = min(datetime(2025, month, 15, tzinfo=zone).utcoffset() or timedelta(0) for month in (1, 7))
        start = datetime(2025, 1, 15, hour, minute) - offset
        return start.hour, start.minute
