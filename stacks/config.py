"""A deployment stage's settings: one frozen dataclass, read from cdk.json context and validated once."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# Athena (Java) and DuckDB (RE2) regular expressions share this much; lookarounds and backreferences
# are not portable.
_NOT_PORTABLE = re.compile(r"\(\?<?[=!]|\\[1-9]")
# aws_logs.RetentionDays' names, written out so that the local tools read settings without the CDK
# (a test keeps them equal).
LOG_RETENTION_NAMES = (
    "ONE_DAY", "THREE_DAYS", "FIVE_DAYS", "ONE_WEEK", "TWO_WEEKS", "ONE_MONTH", "TWO_MONTHS", "THREE_MONTHS",
    "FOUR_MONTHS", "FIVE_MONTHS", "SIX_MONTHS", "ONE_YEAR", "THIRTEEN_MONTHS", "EIGHTEEN_MONTHS", "TWO_YEARS",
    "THREE_YEARS", "FIVE_YEARS", "SIX_YEARS", "SEVEN_YEARS", "EIGHT_YEARS", "NINE_YEARS", "TEN_YEARS",
    "INFINITE",
)  # fmt: skip
TELEGRAM_MAX_CONNECTIONS = 100  # setWebhook accepts 1-100
# Raw days must outlive the dead-letter queue's 14 days, in which a failed ETL run is re-run.
RAW_RETENTION_MIN_DAYS = 14
RAW_LAYOUTS = ("object", "firehose")
# A model run reads each day it writes with the 7 days on either side (telegram_model.job.CONTEXT_DAYS):
# the daily run for day R reads R-14..R, the incremental one the state of R-14..R-1 beside R. A processed
# day must outlive that (its model state is rewritten up to 7 days after it, and expires after it).
PROCESSED_RETENTION_MIN_DAYS = 15
# The daily run may start no earlier: by then every update of the day before is in the raw bucket (the
# firehose layout's objects of the day before, delivered within its buffer after midnight, included:
# telegram_etl.firehose.LATE_WINDOW). Anything later still is a late arrival, re-run (late_data_days).
ETL_EARLIEST = "00:30"
# Late data (docs/architecture.md, "Late data"): each daily run also re-runs any of this many days
# before whose raw data changed since it was processed; bounded by what one run can re-read.
LATE_DATA_DAYS_MAX = 31


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


def _zone_name(name: object) -> bool:
    try:
        return _is_zone(name)
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        return False


def _int_between(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_cidr(value: object) -> bool:
    ipaddress.ip_network(value)  # type: ignore[arg-type]
    return True


def _is_date(value: object) -> bool:
    date.fromisoformat(value)  # type: ignore[arg-type]
    return True


# Our bot calling people in (Portuguese, English, Spanish), over the normalized text: specific phrases, so
# that an FAQ answer that merely mentions the team is not taken for a hand-over.
DEFAULT_BOT_HANDOVER_PATTERNS = (
    r"\b(vou|vamos|ja|irei) (te )?(chamar|chamei|transferir|transferi|encaminhar|encaminhei|acionar|acionei)"
    r" (a |o |um |uma |nossa |nosso )?(equipe|atendente|atendimento|humano|pessoa|suporte|time)\b",
    r"\b(um|uma|nosso|nossa) (atendente|pessoa da equipe|pessoa do time|humano) (ja )?(vai|ira|deve) te"
    r" (responder|atender|ajudar)\b",
    r"\b(transferring|connecting|passing|handing) you (over )?to (a|an|our|the)"
    r" (human|agent|team|person|operator)\b",
    r"\b(a|an|our) (human|agent|team member|operator) will (reply|respond|answer|be with you|get back)\b",
    r"\b(te )?(paso|transfiero|comunico) con (un|una|el|la|nuestro|nuestra)"
    r" (agente|asesor|asesora|humano|persona|equipo)\b",
    r"\b(un|una|nuestro|nuestra) (agente|asesor|asesora|humano|persona del equipo) (ya )?te"
    r" (respondera|atendera|ayudara)\b",
)


def topic_pattern_problem(pattern: object) -> str | None:
    """What is wrong with a topic rule's pattern, or None."""
    if not isinstance(pattern, str) or not pattern:
        return "is not a non-empty string"
    if _NOT_PORTABLE.search(pattern):
        return "uses a lookaround or backreference (not portable between Athena and DuckDB)"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"is not a regular expression: {error}"
    return None


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    stage: str
    # IANA timezone in which days (partitions) and hours (analytics) are counted.
    timezone: str = "America/Sao_Paulo"
    # Chats whose updates are stored; empty stores every chat.
    allowed_chat_ids: tuple[int, ...] = ()
    # The conversation model (docs/conversation-model.md): read at query time, so a change applies to
    # past days too, except staff_user_ids, which the ETL reads (user_is_staff: re-run the days after a
    # change). Staff answer customers; our bot is known by its @username (without the @).
    staff_user_ids: tuple[int, ...] = ()
    bot_username: str | None = None
    # Our bot's user id (the number before ':' in its token): POST /outgoing accepts only messages whose
    # `from` is this id (without it, those from a bot with bot_username; without either, none).
    bot_user_id: int | None = None
    # Topic -> regular expressions over the normalized text; the first topic that matches wins.
    topic_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # callback_data of the "did this solve it?" buttons, and the reactions that rate an answer.
    feedback_resolved_values: tuple[str, ...] = ("feedback:resolved",)
    feedback_unresolved_values: tuple[str, ...] = ("feedback:unresolved",)
    satisfied_reactions: tuple[str, ...] = ("\N{THUMBS UP SIGN}",)
    unsatisfied_reactions: tuple[str, ...] = ("\N{THUMBS DOWN SIGN}",)
    # Regular expressions over the normalized text (lower case, no accents or punctuation): a message of
    # our bot matching one hands the case over to staff (an escalation, never an answer or containment).
    bot_handover_patterns: tuple[str, ...] = DEFAULT_BOT_HANDOVER_PATTERNS
    api_rate_limit: float = 10.0
    api_burst_limit: int = 20
    # Only these source ranges may call the webhook (Telegram's published webhook ranges); empty turns
    # the API's resource policy off.
    webhook_source_cidrs: tuple[str, ...] = ("149.154.160.0/20", "91.108.4.0/22")
    # Bounds what abuse of the public endpoint can cost; setWebhook's max_connections is derived from it
    # (webhook_max_connections), so that Telegram never opens more connections than may run at once.
    ingest_reserved_concurrency: int = 20
    # Raw objects move to S3 Standard-IA after this many days (S3's minimum is 30); null keeps them
    # in Standard. Must come before raw_retention_days, else objects expire first.
    raw_infrequent_access_after_days: int | None = None
    # Local wall-clock time of the daily ETL run (processes D-1).
    etl_local_time: str = "03:00"
    etl_memory_mb: int = 1024
    # The model step (after the ETL): its layers in DuckDB, which holds a share of this
    # (telegram_model.build.DUCKDB_MEMORY_SHARE) and spills the rest to /tmp (Benchmarks: what each holds).
    model_memory_mb: int = 3008
    # The model function's /tmp (ephemeral storage): the processed days and stored tables it downloads, and
    # DuckDB's spill past its memory limit.
    model_ephemeral_mb: int = 10240
    # The daily model run reads its new day only, and the 14 days before from the model's stored tables and
    # per-day state (telegram_model.incremental): the same rows, about half the memory on long histories.
    # false: every daily run re-reads the 15 days (a stage that wants the simplest path).
    model_incremental: bool = True
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
    # Relay mode: every update is stored, then forwarded to the existing bot backend's webhook, and the
    # backend's answer goes to Telegram. Its URL (which may carry the bot's token) and secret_token are
    # in the stack's RelaySecret, never in cdk.json, the template or the environment.
    relay: bool = False
    # Retention (issue 14, docs/privacy.md): raw updates hold everything unredacted and are needed
    # only to (re)process a day, so they expire; the ETL's quarantine and refused updates (raw copies)
    # too. Processed days may be kept (null) or expire; Athena results hold query answers.
    raw_retention_days: int = 30
    # Each daily run also re-runs any of the days before (up to this many) whose raw data changed after
    # their run: webhook and Firehose late deliveries, /outgoing posts and edits, imports.
    late_data_days: int = 7
    processed_retention_days: int | None = None
    athena_results_retention_days: int = 7
    # --- privacy (issue 14, docs/privacy.md) ---
    # People are keyed pseudonyms in the processed table, without names or usernames; staff is then set
    # by the ETL (user_is_staff), so a change of staff_user_ids needs the affected days re-run.
    pseudonymize_users: bool = True
    # --- The raw layout (docs/architecture.md, "Raw layouts"): "object" stores one S3 object per update;
    # "firehose" sends each accepted update to a Kinesis Data Firehose stream, which writes batched
    # objects under firehose/ in the raw bucket. The ETL reads both, so a stage may switch at any time.
    raw_layout: str = "object"
    # Firehose writes an object when it holds this many MiB or this many seconds after its first record,
    # whichever comes first (S3 destination: 1-128 MiB, 0-900 s).
    firehose_buffer_mib: int = 64
    firehose_buffer_seconds: int = 300

    def __post_init__(self) -> None:
        # Every check runs, and one ConfigError lists every failure: fix cdk.json once, not once a key.
        problems = _problems(
            [
                (lambda: bool(_STAGE.match(self.stage)),
                 f"stage {self.stage!r}: lower-case letters, digits and '-', at most 20"),
                (lambda: _is_zone(self.timezone), f"timezone {self.timezone!r} is not an IANA timezone name"),
                (lambda: bool(_LOCAL_TIME.match(self.etl_local_time)),
                 f"etl_local_time {self.etl_local_time!r} is not HH:MM"),
                (lambda: not _LOCAL_TIME.match(self.etl_local_time) or self.etl_local_time >= ETL_EARLIEST,
                 f"etl_local_time {self.etl_local_time} is less than {ETL_EARLIEST} after midnight: the "
                 "day's last updates (Firehose buffers up to 900 s) would not be stored yet when it runs"),
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
                (lambda: 128 <= self.model_memory_mb <= 10240,
                 "model_memory_mb must be between 128 and 10240"),
                (lambda: 512 <= self.model_ephemeral_mb <= 10240,
                 "model_ephemeral_mb must be between 512 and 10240 (Lambda's ephemeral storage)"),
                (lambda: self.alert_email is None
                 or bool(re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.alert_email)),
                 f"alert_email {self.alert_email!r} is not an e-mail address"),
                (lambda: self.log_retention in LOG_RETENTION_NAMES,
                 f"log_retention {self.log_retention!r} is not an aws_logs.RetentionDays name"),
                (lambda: _is_date(self.projection_start_date),
                 f"projection_start_date {self.projection_start_date!r} is not YYYY-MM-DD"),
                (lambda: not _LOCAL_TIME.match(self.etl_local_time) or not _zone_name(self.timezone)
                 or clock_change_day(self.etl_local_time, self.timezone) is None,
                 f"etl_local_time {self.etl_local_time} is skipped or repeated by a clock change in "
                 f"{self.timezone}: choose a time outside the changes"),
                (lambda: bool(re.match(r"^\d+\.\d+\.\d+$", self.powertools_version)),
                 f"powertools_version {self.powertools_version!r} is not a release like 3.37.0"),
                (lambda: isinstance(self.relay, bool), "relay must be true or false"),
                (lambda: self.bot_user_id is None or _int_between(self.bot_user_id, 1, 2**53),
                 f"bot_user_id {self.bot_user_id!r}: the number before ':' in the bot's token"),
                (lambda: self.bot_username is None or bool(_BOT_USERNAME.match(self.bot_username)),
                 f"bot_username {self.bot_username!r}: a bot's username, without @"),
                *((lambda pattern=pattern: topic_pattern_problem(pattern) is None,
                   f"topic_rules[{topic!r}]: {pattern!r} {topic_pattern_problem(pattern)}")
                  for topic, patterns in self.topic_rules.items() for pattern in patterns),
                *((lambda pattern=pattern: topic_pattern_problem(pattern) is None,
                   f"bot_handover_patterns: {pattern!r} {topic_pattern_problem(pattern)}")
                  for pattern in self.bot_handover_patterns),
                (lambda: not set(self.feedback_resolved_values) & set(self.feedback_unresolved_values),
                 "feedback_resolved_values and feedback_unresolved_values overlap"),
                # The ETL writes 6+ digits in a row in button data as a pseudonym (an id): never these.
                *((lambda value=value: not re.search(r"\d{6}", value),
                   f"feedback value {value!r}: 6+ digits in a row are read as a user id (pseudonymised)")
                  for value in (*self.feedback_resolved_values, *self.feedback_unresolved_values)
                  if isinstance(value, str)),
                *self._retention_checks(),
                (lambda: isinstance(self.model_incremental, bool), "model_incremental must be true or false"),
                (lambda: isinstance(self.pseudonymize_users, bool),
                 "pseudonymize_users must be true or false"),
            ]
        )  # fmt: skip
        problems += _problems(
            [
                (lambda: self.raw_layout in RAW_LAYOUTS,
                 f"raw_layout {self.raw_layout!r} must be one of {', '.join(RAW_LAYOUTS)}"),
                (lambda: _int_between(self.firehose_buffer_mib, 1, 128),
                 "firehose_buffer_mib must be an integer between 1 and 128 (Firehose's S3 limits)"),
                (lambda: _int_between(self.firehose_buffer_seconds, 0, 900),
                 "firehose_buffer_seconds must be an integer between 0 and 900 (Firehose's S3 limits)"),
                # Firehose's CustomTimeZone takes UTC or an IANA name that is not 3 letters (not EST, MST...).
                (lambda: self.raw_layout != "firehose" or self.timezone == "UTC" or len(self.timezone) != 3,
                 f"timezone {self.timezone!r}: raw_layout firehose needs UTC or an Area/City name"),
            ]
        )  # fmt: skip
        if problems:
            raise ConfigError.listing(self.stage, problems)

    def _retention_checks(self) -> list[tuple[Callable[[], bool], str]]:
        def days(value: object) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and value >= 1

        return [
            # The ETL reads day D and lists D-1 (redeliveries after midnight): a day must outlive its run.
            (lambda: days(self.raw_retention_days) and self.raw_retention_days >= RAW_RETENTION_MIN_DAYS,
             f"raw_retention_days must be an integer of at least {RAW_RETENTION_MIN_DAYS} (the ETL reads "
             "D-1 and lists D-2; failed runs are retried from the dead-letter queue for 14 days)"),
            (lambda: _int_between(self.late_data_days, 1, LATE_DATA_DAYS_MAX)
             and self.late_data_days < self.raw_retention_days,
             f"late_data_days must be an integer between 1 and {LATE_DATA_DAYS_MAX}, below "
             "raw_retention_days"),
            (lambda: self.processed_retention_days is None
             or (days(self.processed_retention_days)
                 and self.processed_retention_days >= PROCESSED_RETENTION_MIN_DAYS),
             f"processed_retention_days must be an integer of at least {PROCESSED_RETENTION_MIN_DAYS} (the "
             "model step reads each day again for 14 days after it, from its state with model_incremental) "
             "or null (keep)"),
            (lambda: days(self.athena_results_retention_days),
             "athena_results_retention_days must be a positive integer"),
            (lambda: self.raw_infrequent_access_after_days is None
             or self.raw_infrequent_access_after_days < self.raw_retention_days,
             "raw_infrequent_access_after_days must be below raw_retention_days (objects would expire "
             "first), or null"),
        ]  # fmt: skip

    @classmethod
    def from_context(cls, stage: str, values: dict[str, Any]) -> StageConfig:
        problems = []
        known = {f.name for f in fields(cls)} - {"stage"}
        if "relay_url" in values:  # its URL may carry the bot's token: never in cdk.json or the template
            problems.append(
                'relay_url is no longer a setting: set "relay": true, deploy, then put '
                '{"url": ..., "secret_token": ...} in the stack\'s RelaySecret (docs/deployment-modes.md)'
            )
            values = {name: value for name, value in values.items() if name != "relay_url"}
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
        for name, check in (("staff_user_ids", _ints), ("feedback_resolved_values", _strings),
                            ("feedback_unresolved_values", _strings), ("satisfied_reactions", _strings),
                            ("unsatisfied_reactions", _strings),
                            ("bot_handover_patterns", _strings)):  # fmt: skip
            if name in values:
                try:
                    values[name] = tuple(check(name, values[name]))
                except ConfigError as error:
                    problems.append(str(error))
                    values.pop(name)
        if "topic_rules" in values:
            try:
                values["topic_rules"] = _topic_rules(values["topic_rules"])
            except ConfigError as error:
                problems.append(str(error))
                values.pop("topic_rules")
        try:
            config = cls(stage=stage, **values)
        except ConfigError as error:
            problems += error.problems
        if problems:
            raise ConfigError.listing(stage, problems)
        return config

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


def _topic_rules(rules: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(rules, dict):
        raise ConfigError("topic_rules must be an object: topic -> list of patterns")
    return {
        str(topic): tuple(_strings(f"topic_rules[{topic!r}]", patterns)) for topic, patterns in rules.items()
    }
