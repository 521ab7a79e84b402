"""A deployment stage's settings: one frozen dataclass, read from cdk.json context and validated once."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_cdk.aws_logs import RetentionDays

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# Athena (Java) and DuckDB (RE2) regular expressions share this much; lookarounds and backreferences
# are not portable.
_NOT_PORTABLE = re.compile(r"\(\?<?[=!]|\\[1-9]")
TELEGRAM_MAX_CONNECTIONS = 100  # setWebhook accepts 1-100


class ConfigError(ValueError):
    """A stage setting in cdk.json that cannot be deployed."""


def check_topic_pattern(topic: str, pattern: str) -> None:
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"topic_rules[{topic!r}]: patterns must be non-empty strings")
    if _NOT_PORTABLE.search(pattern):
        raise ConfigError(f"topic_rules[{topic!r}]: {pattern!r} uses a lookaround or backreference")
    try:
        re.compile(pattern)
    except re.error as error:
        raise ConfigError(
            f"topic_rules[{topic!r}]: {pattern!r} is not a regular expression: {error}"
        ) from None


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    stage: str
    # IANA timezone in which days (partitions) and hours (analytics) are counted.
    timezone: str = "America/Sao_Paulo"
    # Chats whose updates are stored; empty stores every chat.
    allowed_chat_ids: tuple[int, ...] = ()
    # The conversation model (docs/conversation-model.md): read at query time, so a change applies to
    # past days too. Staff answer customers; our bot is known by its @username (without the @).
    staff_user_ids: tuple[int, ...] = ()
    bot_username: str | None = None
    # Topic -> regular expressions over the normalized text; the first topic that matches wins.
    topic_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # callback_data of the "did this solve it?" buttons, and the reactions that rate an answer.
    feedback_resolved_values: tuple[str, ...] = ("feedback:resolved",)
    feedback_unresolved_values: tuple[str, ...] = ("feedback:unresolved",)
    satisfied_reactions: tuple[str, ...] = ("\N{THUMBS UP SIGN}",)
    unsatisfied_reactions: tuple[str, ...] = ("\N{THUMBS DOWN SIGN}",)
    api_rate_limit: float = 10.0
    api_burst_limit: int = 20
    # Only these source ranges may call the webhook (Telegram's published webhook ranges); empty turns
    # the API's resource policy off.
    webhook_source_cidrs: tuple[str, ...] = ("149.154.160.0/20", "91.108.4.0/22")
    # Bounds what abuse of the public endpoint can cost; setWebhook's max_connections is derived from it
    # (webhook_max_connections), so that Telegram never opens more connections than may run at once.
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
    # Powertools for AWS Lambda layer version, resolved through its public SSM parameter (not `latest`:
    # a deploy is reproducible); keep it equal to aws-lambda-powertools in requirements-dev.txt.
    powertools_version: str = "3.37.0"

    def __post_init__(self) -> None:
        if not _STAGE.match(self.stage):
            raise ConfigError(f"stage {self.stage!r}: lower-case letters, digits and '-', at most 20")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"timezone {self.timezone!r} is not an IANA timezone name") from None
        if not _LOCAL_TIME.match(self.etl_local_time):
            raise ConfigError(f"etl_local_time {self.etl_local_time!r} is not HH:MM")
        changed_on = clock_change_day(self.etl_local_time, self.timezone)
        if changed_on is not None:
            raise ConfigError(
                f"etl_local_time {self.etl_local_time} is skipped or repeated by a clock change in "
                f"{self.timezone} (e.g. on {changed_on}): choose a time outside the changes"
            )
        if self.api_rate_limit <= 0 or self.api_burst_limit <= 0:
            raise ConfigError("api_rate_limit and api_burst_limit must be positive")
        for cidr in self.webhook_source_cidrs:
            try:
                ipaddress.ip_network(cidr)
            except ValueError:
                raise ConfigError(f"webhook_source_cidrs: {cidr!r} is not a CIDR range") from None
        if not 1 <= self.ingest_reserved_concurrency <= 1000:
            raise ConfigError("ingest_reserved_concurrency must be between 1 and 1000")
        if self.raw_infrequent_access_after_days is not None and self.raw_infrequent_access_after_days < 30:
            raise ConfigError("raw_infrequent_access_after_days must be at least 30 (S3's minimum) or null")
        if self.athena_bytes_scanned_cutoff < 10 * 1024**2:
            raise ConfigError("athena_bytes_scanned_cutoff must be at least 10 MiB (Athena's minimum)")
        if not 128 <= self.etl_memory_mb <= 10240:
            raise ConfigError("etl_memory_mb must be between 128 and 10240")
        if self.alert_email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.alert_email):
            raise ConfigError(f"alert_email {self.alert_email!r} is not an e-mail address")
        if self.bot_username is not None and not _BOT_USERNAME.match(self.bot_username):
            raise ConfigError(f"bot_username {self.bot_username!r}: a bot's username, without @")
        for topic, patterns in self.topic_rules.items():
            for pattern in patterns:
                check_topic_pattern(topic, pattern)
        if set(self.feedback_resolved_values) & set(self.feedback_unresolved_values):
            raise ConfigError("feedback_resolved_values and feedback_unresolved_values overlap")
        if self.log_retention not in RetentionDays.__members__:
            raise ConfigError(f"log_retention {self.log_retention!r} is not an aws_logs.RetentionDays name")
        if not re.match(r"^\d+\.\d+\.\d+$", self.powertools_version):
            raise ConfigError(f"powertools_version {self.powertools_version!r} is not a release like 3.37.0")
        try:
            date.fromisoformat(self.projection_start_date)
        except ValueError:
            raise ConfigError(
                f"projection_start_date {self.projection_start_date!r} is not YYYY-MM-DD"
            ) from None

    @classmethod
    def from_context(cls, stage: str, values: dict[str, Any]) -> StageConfig:
        known = {f.name for f in fields(cls)} - {"stage"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown settings for stage {stage!r}: {', '.join(unknown)}")
        values = dict(values)
        if "allowed_chat_ids" in values:
            values["allowed_chat_ids"] = tuple(int(v) for v in values["allowed_chat_ids"])
        if "webhook_source_cidrs" in values:
            values["webhook_source_cidrs"] = tuple(str(v) for v in values["webhook_source_cidrs"])
        if "staff_user_ids" in values:
            values["staff_user_ids"] = tuple(_ints("staff_user_ids", values["staff_user_ids"]))
        for name in ("feedback_resolved_values", "feedback_unresolved_values", "satisfied_reactions",
                     "unsatisfied_reactions"):  # fmt: skip
            if name in values:
                values[name] = tuple(_strings(name, values[name]))
        if "topic_rules" in values:
            rules = values["topic_rules"]
            if not isinstance(rules, dict):
                raise ConfigError("topic_rules must be an object: topic -> list of patterns")
            values["topic_rules"] = {
                str(topic): tuple(_strings(f"topic_rules[{topic!r}]", patterns))
                for topic, patterns in rules.items()
            }
        return cls(stage=stage, **values)

    def __hash__(self) -> int:  # topic_rules and tags are dicts
        return hash((self.stage, self.timezone))

    def webhook_max_connections(self) -> int:
        """setWebhook's max_connections: one per ingest Lambda that may run at once, within Telegram's 1-100.

        Telegram sends one update at a time per connection, so more connections than reserved concurrency
        would only be throttled (429s, retried, delayed)."""
        return min(self.ingest_reserved_concurrency, TELEGRAM_MAX_CONNECTIONS)


# Years whose clock changes an etl_local_time is checked against (tzdata's rules as installed).
_DST_CHECK_YEARS = range(2024, 2051)


def clock_change_day(local_time: str, timezone: str) -> date | None:
    """A day on which `local_time` does not exist or happens twice in `timezone` (a DST change), or None.

    EventBridge Scheduler skips a run whose local time does not exist (spring forward): a day would have
    no partition. A repeated time runs once, but which of the two is not ours to guess."""
    hour, minute = (int(part) for part in local_time.split(":"))
    zone = ZoneInfo(timezone)
    day = date(_DST_CHECK_YEARS.start, 1, 1)
    while day.year < _DST_CHECK_YEARS.stop:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if moment.utcoffset() != moment.replace(fold=1).utcoffset():
            return day
        day += timedelta(days=1)
    return None


def _ints(name: str, values: Any) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise ConfigError(f"{name} must be a list of integers")
    return values


def _strings(name: str, values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{name} must be a list of strings")
    return values
