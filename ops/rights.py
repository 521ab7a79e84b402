"""`make forget` and `make subject-export`: one person's data, erased or handed over (issue 14, LGPD).

    python -m ops.rights forget|export --user-id ID [--stage STAGE | --workdir DIR] [--out FILE]

With --stage: the deployed stage, through boto3 with the usual credentials (its buckets and pseudonym key
from the stacks' outputs). Without: the local pipeline's data (default .local/demo, what `make demo` leaves;
.local/bot is `make poll`'s), on a SeaweedFS server started for the run.

forget walks every object of the raw bucket (telegram/, refused/, allowed-chats/: days, the bot's own
messages, imported exports; firehose/ and firehose-errors/ of the firehose layout) and the ETL's quarantine,
deletes what the person authored and rewrites the rest without them (ops.subject says exactly
what; an object of Firehose records, record by record, the other lines byte for byte), then rewrites
every processed day that held them, directly on the Parquet (raw may have expired), as the ETL writes a
day: one object, replaced at once. Old versions of every object it deleted or rewrote are deleted too.
It prints what it touched per prefix; a second run touches nothing. export writes everything held about
the person to one JSON file. Neither prints the id: the person is named by their pseudonym (or a hash
without a key).

Longer than 500 lines: forget and subject-export over both raw layouts, processed days and the model's
tables; to split by store (raw, processed, model) next.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import itertools
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError

from ops.subject import (
    BadUserId,
    authored_by,
    conform,
    contains_number,
    forget_rows,
    fragments,
    mention_pattern,
    parse_json,
    parse_user_id,
    rows_of,
    scrub,
    usernames_of,
)
from stacks.config import ConfigError, StageConfig
from stacks.names import stack_name
from standins.cli import ArgumentParser, explain
from standins.pseudonym_key import existing_key
from telegram_etl.firehose import BadRecord, decode_record
from telegram_etl.job import (
    PART_BYTES,
    PROCESSED_PREFIX,
    QUARANTINE_PREFIX,
    ROW_GROUP_BYTES,
    ROW_GROUP_ROWS,
    _PartitionWriter,
    partition_prefix,
)
from telegram_etl.privacy import pseudonym
from telegram_etl.storage import S3Storage
from telegram_ingest.firehose import encode_record

LOCAL_WORKDIR = Path(".local/demo")
READ_WORKERS = 32
LIST_BATCH = 1_000  # keys read concurrently at a time
DAY_PREFIX = f"{PROCESSED_PREFIX}/context_date="


class RightsError(RuntimeError):
    """A request that cannot be carried out as asked (no such stage, no key, no data)."""


@dataclass
class Target:
    """Where a stage's data is: the raw and processed buckets, and its pseudonym key (None: no pseudonyms)."""

    s3: Any
    raw_bucket: str
    processed_bucket: str
    key: bytes | None
    where: str
    # The stage settings the model step applies: after a forget, the model's days that read the person's
    # days are recomputed from what is left (telegram_model), so the person leaves those tables too.
    model_settings: Any = None
    # A deployed stage's model runs (first, last): its model function, invoked and waited for (one run at a
    # time, never beside the daily one). None: run here (the local pipeline's, or a test's, buckets).
    run_model: Callable[[date, date], object] | None = None


@dataclass
class Person:
    user_id: int
    key: bytes | None

    @property
    def ids(self) -> set[int]:
        """How the processed table may name them: their id, and their pseudonym when there is a key (a
        table written before pseudonyms, or with them off, holds the id)."""
        return {self.user_id} | ({pseudonym(self.user_id, self.key)} if self.key else set())

    @property
    def label(self) -> str:
        """How logs and file names call them: never the id."""
        if self.key:
            return f"pseudonym-{pseudonym(self.user_id, self.key)}"
        return "sha256-" + hashlib.sha256(f"telegram-user:{self.user_id}".encode()).hexdigest()[:16]


@dataclass
class Report:
    """Counts per bucket and prefix (a day, refused/, quarantine/...)."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, where: str, what: str, n: int = 1) -> None:
        if n:
            bucket = self.counts.setdefault(where, {})
            bucket[what] = bucket.get(what, 0) + n

    @property
    def touched(self) -> int:
        return sum(sum(counts.values()) for counts in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"   {where}: " + ", ".join(f"{what} {n}" for what, n in sorted(counts.items()))
            for where, counts in sorted(self.counts.items())
        ]


def to_json(value: Any, **options: Any) -> bytes:
    """UTF-8 JSON; a lone surrogate (Telegram sends them: "\\ud83d") stays the JSON escape it was, not an
    encoding error (backslashreplace writes exactly that escape)."""
    return json.dumps(value, ensure_ascii=False, **options).encode("utf-8", "backslashreplace")


def _prefix_of(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/" if "/" in key else ""


# -- what an object holds: one Update, or records of the firehose layout -----------------------------


@dataclass
class _Unit:
    """One Update's bytes in an object: the whole object (object layout), or one line's record (a
    firehose object, a record the ETL quarantined alone, a failed delivery's rawData)."""

    body: bytes  # the Update's bytes (a record's body, decoded)
    line: bytes  # as stored: the whole object, or the line with its newline
    number: int | None = None  # the line's number from 1 (None: the whole object)
    rebuild: Callable[[bytes], bytes] | None = None  # new Update bytes -> the new stored line

    @property
    def update(self) -> Any:
        return parse_json(self.body) if self.rebuild is not None or self.number is None else None


def _line_unit(number: int, line: bytes) -> _Unit:
    """A line of a record object: our record, Firehose's error record around one (rawData, base64 of
    our record), or anything else (kept as it is, deleted when it holds the person)."""
    text = line.rstrip(b"\n")
    try:
        record = decode_record(text)
    except BadRecord:
        outer = parse_json(text)
        raw = outer.get("rawData") if isinstance(outer, dict) else None
        try:
            inner = _line_unit(number, base64.b64decode(raw, validate=True)) if isinstance(raw, str) else None
        except (binascii.Error, ValueError):
            inner = None
        if inner is None or inner.rebuild is None:
            return _Unit(body=text, line=line, number=number)
        rebuild = inner.rebuild

        def wrapped(new: bytes) -> bytes:
            fields = {**outer, "rawData": base64.b64encode(rebuild(new)).decode("ascii")}
            return to_json(fields, separators=(",", ":")) + line[len(text) :]

        return _Unit(body=inner.body, line=line, number=number, rebuild=wrapped)

    def again(new: bytes) -> bytes:  # the same envelope around the new body (ingest's encoder)
        return encode_record(new, record.received_ms, record.update_id)[:-1] + line[len(text) :]

    return _Unit(body=record.body, line=line, number=number, rebuild=again)


def units_of(body: bytes) -> list[_Unit] | None:
    """The records of a record object, line by line (every line, blank ones too, so that the object
    can be rebuilt byte for byte), or None for an object that is not one (an Update, a marker...)."""
    parts = body.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    units = [_line_unit(number, line) if line.strip() else _Unit(b"", line, number)
             for number, line in enumerate(lines, 1)]  # fmt: skip
    return units if any(unit.rebuild is not None for unit in units) else None


def _searchable(body: bytes) -> bytes:
    """What a search looks into: the object, and the bodies its records hold in base64."""
    if b'"body_b64"' not in body and b'"rawData"' not in body:
        return body  # a record's body is in clear in its line: ids and @usernames as they were
    units = units_of(body) or []
    return b"\n".join([body, *(unit.body for unit in units if unit.rebuild is not None)])


def _holds_bytes(body: bytes, user_id: int, mentions: Any) -> bool:
    return contains_number(body, user_id) or bool(
        mentions is not None and mentions.search(body.decode("utf-8", "replace"))
    )


# -- storage -----------------------------------------------------------------------------------------


def _keys(s3: Any, bucket: str, prefix: str = "") -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]


def _get(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _versioned(s3: Any, bucket: str) -> bool:
    try:
        return s3.get_bucket_versioning(Bucket=bucket).get("Status") in ("Enabled", "Suspended")
    except Exception:  # a server without versioning (SeaweedFS may answer NotImplemented)
        return False


def _purge_old_versions(s3: Any, bucket: str, key: str, *, keep_latest: bool) -> int:
    """Delete the older versions (and delete markers) of one key: a forgotten object must not live on
    as a noncurrent version for the bucket's 7 or 30 days. Needs s3:DeleteObjectVersion (an admin)."""
    doomed = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            if item["Key"] == key and not (keep_latest and item.get("IsLatest")):
                doomed.append({"Key": key, "VersionId": item["VersionId"]})
    for start in range(0, len(doomed), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True})
    return len(doomed)


class _Buckets:
    """The raw objects that may hold the person: the whole raw bucket and the ETL's quarantine."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def objects(self) -> Iterator[tuple[str, str, str]]:
        """(role, bucket, key) of every object to look into."""
        for key in _keys(self.target.s3, self.target.raw_bucket):
            yield "raw", self.target.raw_bucket, key
        for key in _keys(self.target.s3, self.target.processed_bucket, f"{QUARANTINE_PREFIX}/"):
            yield "processed", self.target.processed_bucket, key

    def matching(
        self, pool: ThreadPoolExecutor, wanted: Callable[[bytes], bool], skip: set[tuple[str, str]]
    ) -> dict[tuple[str, str, str], bytes]:
        """The bodies for which wanted(body): every object is read (concurrently, a batch of keys at a
        time, so that a stage's millions of keys are never listed into memory), only those are kept."""
        objects = (obj for obj in self.objects() if (obj[1], obj[2]) not in skip)
        found = {}
        while batch := list(itertools.islice(objects, LIST_BATCH)):
            bodies = pool.map(lambda obj: _get(self.target.s3, obj[1], obj[2]), batch)
            for obj, body in zip(batch, bodies, strict=True):
                if wanted(_searchable(body)):
                    found[obj] = body
        return found


def _days(target: Target) -> dict[date, list[str]]:
    """The processed days and their objects (one part-00000.parquet, or more from an older layout)."""
    days: dict[date, list[str]] = {}
    for key in _keys(target.s3, target.processed_bucket, DAY_PREFIX):
        if key.endswith(".parquet"):
            day = date.fromisoformat(key.removeprefix(DAY_PREFIX).split("/", 1)[0])
            days.setdefault(day, []).append(key)
    return days


def _read_day(target: Target, keys: list[str], columns: list[str] | None = None) -> pa.Table:
    tables = []
    for key in sorted(keys):
        parquet = pq.ParquetFile(io.BytesIO(_get(target.s3, target.processed_bucket, key)))
        names = [c for c in columns if c in parquet.schema_arrow.names] if columns else None
        tables.append(parquet.read(columns=names))
    if columns:
        return pa.concat_tables(tables, promote_options="default")
    return pa.concat_tables([conform(table) for table in tables])


# -- the two requests --------------------------------------------------------------------------------


@dataclass
class _Found:
    raw: dict[tuple[str, str, str], bytes]
    usernames: set[str]
    days: dict[date, list[str]]


def _find(target: Target, person: Person, pool: ThreadPoolExecutor) -> _Found:
    buckets = _Buckets(target)
    raw = buckets.matching(pool, lambda body: contains_number(body, person.user_id), set())
    usernames: set[str] = set()
    for body in raw.values():
        for unit in units_of(body) or [_Unit(body, body)]:
            usernames |= usernames_of(unit.update, person.user_id)
    days = _days(target)
    ids = pa.array(sorted(person.ids), pa.int64())
    for keys in days.values():  # usernames of their own rows: raw may have expired
        table = _read_day(target, keys, ["user_id", "user_username"])
        if "user_username" in table.column_names:
            mine = table.filter(pc.fill_null(pc.is_in(table["user_id"], value_set=ids), False))
            usernames |= {name.lower() for name in mine["user_username"].to_pylist() if name}
    if usernames:  # objects that name them only by @username
        needles = [f"@{name}".encode() for name in usernames]
        seen = {(bucket, key) for _, bucket, key in raw}
        raw |= buckets.matching(pool, lambda body: any(n in body.lower() for n in needles), seen)
    return _Found(raw, usernames, days)


def _find_with(target: Target, person: Person, pool: ThreadPoolExecutor | None) -> _Found:
    if pool is not None:
        return _find(target, person, pool)
    with ThreadPoolExecutor(READ_WORKERS) as own:
        return _find(target, person, own)


def _delete(target: Target, bucket: str, key: str, versioned: bool) -> None:
    target.s3.delete_object(Bucket=bucket, Key=key)
    if versioned:
        _purge_old_versions(target.s3, bucket, key, keep_latest=False)


def _replace(target: Target, bucket: str, key: str, body: bytes, content_type: str, versioned: bool) -> None:
    target.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    if versioned:
        _purge_old_versions(target.s3, bucket, key, keep_latest=True)


def _forget_records(
    target: Target, place: tuple[str, str, str], units: list[_Unit], user_id: int, mentions: Any,
    report: Report, versioned: bool,
) -> None:  # fmt: skip
    """A record object: the person's records become blank lines (the ETL skips them, and the other
    records keep their line numbers, which name their quarantine copies), the records that hold them
    are re-encoded without them, every other line stays byte for byte; no record left, no object."""
    where, bucket, key = place
    lines, deleted, rewritten = [], 0, 0
    for unit in units:
        if not unit.line.strip() or not _holds_bytes(unit.body, user_id, mentions):
            lines.append(unit.line)
            continue
        update = unit.update
        if update is None or authored_by(update, user_id):
            lines.append(b"\n" if unit.line.endswith(b"\n") else b"")
            deleted += 1
            continue
        cleaned, removed = scrub(update, user_id, mentions)
        if removed.changed and unit.rebuild is not None:
            lines.append(unit.rebuild(to_json(cleaned, separators=(",", ":"))))
            rewritten += 1
        else:
            lines.append(unit.line)
    if not deleted and not rewritten:
        return
    report.count(where, "records_deleted", deleted)
    report.count(where, "records_rewritten", rewritten)
    body = b"".join(lines)
    if body.strip():
        _replace(target, bucket, key, body, "application/octet-stream", versioned)
        report.count(where, "rewritten")
    else:
        _delete(target, bucket, key, versioned)
        report.count(where, "deleted")


def forget(target: Target, user_id: int, *, pool: ThreadPoolExecutor | None = None) -> Report:
    """Erase the person: raw objects first (deleted or rewritten), then the processed days. Safe to
    re-run, and re-run after a failure: what is already done is found no more."""
    person = Person(user_id, target.key)
    report = Report()
    found = _find_with(target, person, pool)
    mentions = mention_pattern(found.usernames)
    versioned = {b: _versioned(target.s3, b) for b in (target.raw_bucket, target.processed_bucket)}
    for (role, bucket, key), body in sorted(found.raw.items()):
        where = f"{role}:{_prefix_of(key)}"
        units = units_of(body)
        if units is not None:
            _forget_records(target, (where, bucket, key), units, user_id, mentions, report, versioned[bucket])
            continue
        update = parse_json(body)
        if update is None or authored_by(update, user_id):
            # Theirs, or not JSON (a quarantined body that names them): nothing in it to keep.
            _delete(target, bucket, key, versioned[bucket])
            report.count(where, "deleted")
            continue
        cleaned, removed = scrub(update, user_id, mentions)
        if not removed.changed:
            continue  # the number or name was something else (a price, another word)
        body = to_json(cleaned, separators=(",", ":"))
        _replace(target, bucket, key, body, "application/json", versioned[bucket])
        report.count(where, "rewritten")

    storage = S3Storage(target.s3)
    changed: list[date] = []
    for day, keys in sorted(found.days.items()):
        table, changes = forget_rows(_read_day(target, keys), person.ids, mentions, person.user_id)
        if not changes.changed:
            continue
        where = f"processed:{partition_prefix(PROCESSED_PREFIX, day)}"
        report.count(where, "rows_removed", changes.rows_removed)
        report.count(where, "references_cleared", changes.references_cleared)
        report.count(where, "mentions_replaced", changes.mentions_replaced)
        # As the ETL writes a day: its one object, replaced whole at once (telegram_etl.job).
        written: list[str] = []
        if table.num_rows:
            writer = _PartitionWriter(
                storage, target.processed_bucket, day, row_group_rows=ROW_GROUP_ROWS,
                row_group_bytes=ROW_GROUP_BYTES, part_bytes=PART_BYTES,
            )  # fmt: skip
            try:
                writer.write(table)
                writer.close()
            except BaseException:
                writer.abort()
                raise
            written = writer.keys
        stale = sorted(set(keys) - set(written))
        if stale:
            storage.delete(target.processed_bucket, stale)
        if versioned[target.processed_bucket]:
            for key in sorted(set(keys) | set(written)):
                _purge_old_versions(target.s3, target.processed_bucket, key, keep_latest=key in written)
        changed.append(day)
    if changed:
        _remodel(target, changed, report, versioned[target.processed_bucket])
    return report


def _windows(days: list[date], context: timedelta) -> list[tuple[date, date]]:
    """The days within `context` of any of `days`, as runs of consecutive days (first, last)."""
    windows: list[tuple[date, date]] = []
    for day in sorted(days):
        first, last = day - context, day + context
        if windows and first <= windows[-1][1] + timedelta(days=1):
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return windows


def _remodel(target: Target, changed: list[date], report: Report, versioned: bool) -> None:
    """The model's tables of every day that read a changed processed day (7 days on either side),
    recomputed from the processed table as it is now, their earlier versions purged. Changed days far
    apart (years, in an imported history) are each recomputed with their own days, not every day between."""
    from ops.remodel import runs
    from telegram_model.app import Settings
    from telegram_model.job import CONTEXT_DAYS, run_model
    from telegram_model.tables import MODEL_PREFIX

    if target.model_settings is None:
        raise RightsError("no model settings for this target: its model tables would keep the person")
    windows = _windows(changed, timedelta(days=CONTEXT_DAYS))
    before = set(_keys(target.s3, target.processed_bucket, f"{MODEL_PREFIX}/"))
    settings, storage = Settings.of(target.model_settings), S3Storage(target.s3)
    for first, last in windows:
        if target.run_model is not None:
            target.run_model(first, last)
            continue
        for run in runs(first, last):  # as make remodel runs a range: RUN_DAYS days a run
            start, end = date.fromisoformat(run["start_date"]), date.fromisoformat(run["end_date"])
            run_model(storage, bucket=target.processed_bucket, settings=settings, first=start, last=end)
    after = set(_keys(target.s3, target.processed_bucket, f"{MODEL_PREFIX}/"))
    recomputed = sum((last - first).days + 1 for first, last in windows)
    report.count(f"processed:{MODEL_PREFIX}/", "model_days_recomputed", recomputed)
    if versioned:
        for key in sorted(before | after):
            _purge_old_versions(target.s3, target.processed_bucket, key, keep_latest=key in after)


def subject_export(target: Target, user_id: int, *, pool: ThreadPoolExecutor | None = None) -> dict[str, Any]:
    """Everything held about the person: the raw Updates they authored (whole), what other Updates hold
    of them (their parts only), their processed rows, and the rows that reply to them."""
    person = Person(user_id, target.key)
    found = _find_with(target, person, pool)
    authored, mentioned, unreadable = [], [], []
    mentions = mention_pattern(found.usernames)
    for (role, _bucket, key), body in sorted(found.raw.items()):
        units = units_of(body)
        for unit in units if units is not None else [_Unit(body, body)]:
            if units is not None and not (unit.line.strip() and _holds_bytes(unit.body, user_id, mentions)):
                continue  # a record of someone else in the same object
            update = unit.update
            entry = {"bucket": role, "key": key, **({"line": unit.number} if unit.number else {})}
            if update is None:
                unreadable.append({**entry, "body": unit.body.decode("utf-8", "replace")})
            elif authored_by(update, user_id):
                authored.append({**entry, "update": update})
            elif scrub(update, user_id, mentions)[1].changed:
                mentioned.append({**entry, "update_id": update.get("update_id"),
                                  "about_you": fragments(update, user_id)})  # fmt: skip
    rows, references = [], []
    for day, keys in sorted(found.days.items()):
        own, replies = rows_of(_read_day(target, keys), person.ids)
        rows += [{"context_date": day.isoformat(), **row} for row in own]
        references += [{"context_date": day.isoformat(), **row} for row in replies]
    return {
        "subject": person.label,
        "user_id": user_id,  # the file is for the person (or their request): it names them
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": target.where,
        "raw_updates_authored": authored,
        "raw_updates_mentioning": mentioned,
        "raw_unreadable_objects": unreadable,
        "processed_rows": rows,
        "processed_replies_to_you": references,
        "usernames": sorted(found.usernames),
    }


def export_counts(export: dict[str, Any]) -> dict[str, int]:
    names = ("raw_updates_authored", "raw_updates_mentioning", "raw_unreadable_objects", "processed_rows",
             "processed_replies_to_you")  # fmt: skip
    return {name: len(export[name]) for name in names}


# -- where the data is -------------------------------------------------------------------------------


def stack_outputs(cloudformation: Any, name: str) -> dict[str, str]:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise RightsError(
            f"stack {name} not found ({error.response['Error']['Code']}): is STAGE right, deployed in "
            "this account and region (AWS_PROFILE, AWS_REGION)?"
        ) from None
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def aws_target(stage: str, session: Any = None) -> Target:
    """The stage's buckets (its stacks' outputs) and, with pseudonymize_users, its key (Secrets Manager)."""
    from standins.settings import stage_config

    config = stage_config(stage)
    session = session or boto3.session.Session()
    cloudformation = session.client("cloudformation")
    ingestion = stack_outputs(cloudformation, stack_name(stage, "Ingestion"))
    etl = stack_outputs(cloudformation, stack_name(stage, "Etl"))
    missing = [name for name, outputs in (("RawBucketName", ingestion), ("ProcessedBucketName", etl))
               if name not in outputs]  # fmt: skip
    key = None
    if getattr(config, "pseudonymize_users", True):
        if "PseudonymKeySecretArn" not in etl:
            missing.append("PseudonymKeySecretArn")
        else:
            secret = session.client("secretsmanager").get_secret_value(SecretId=etl["PseudonymKeySecretArn"])
            key = secret["SecretString"].encode("utf-8")
    if missing:
        raise RightsError(
            f"stage {stage}: the stacks have no output {', '.join(missing)} (deploy them again)"
        )
    return Target(session.client("s3"), ingestion["RawBucketName"], etl["ProcessedBucketName"], key,
                  where=f"stage {stage}", model_settings=config,
                  run_model=lambda first, last: deployed_model_runs(session, stage, first, last))  # fmt: skip


def deployed_model_runs(session: Any, stage: str, first: date, last: date) -> list[dict[str, str]]:
    """first..last recomputed by the stage's model function (ops.remodel.run_and_wait): the deployed code
    and settings, inside its reserved concurrency of 1."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from ops.remodel import model_function, run_and_wait

    # A run takes up to the function's 15 minutes; no retry of an invocation that may have run.
    client = session.client("lambda", config=Config(read_timeout=960, retries={"total_max_attempts": 1}))
    try:
        return run_and_wait(client, model_function(session.client("cloudformation"), stage), first, last)
    except (RuntimeError, BotoCoreError, ClientError) as error:  # not found, a run failed, AWS refused or
        # timed out: what is erased stays erased, and the one line says how to finish the model's days
        raise RightsError(
            f"{error}; what was erased stays erased, the model's days are left to recompute: make remodel "
            f"STAGE={stage} FROM={first.isoformat()} TO={last.isoformat()}"
        ) from None


def local_targets(s3: Any, workdir: Path) -> list[Target]:
    """Every local pipeline's bucket pair in the server: <name>-raw with <name>-processed."""
    names = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    pairs = sorted(name.removesuffix("-raw") for name in names if name.endswith("-raw"))
    key = existing_key(workdir)
    # The settings the demo ran with (it writes them beside its data), else the defaults.
    saved = workdir / "settings.json"
    values = json.loads(saved.read_text(encoding="utf-8")) if saved.is_file() else {}
    settings = StageConfig.from_context("local", values)
    return [Target(s3, f"{pair}-raw", f"{pair}-processed", key, where=f"{workdir} ({pair})",
                   model_settings=settings) for pair in pairs if f"{pair}-processed" in names]  # fmt: skip


def refresh_mirror(target: Target, workdir: Path) -> None:
    """`make sql` reads a copy of the processed table and the model's (workdir/parquet): replaced by what
    is left."""
    from telegram_model.tables import MODEL_PREFIX

    mirror = workdir / "parquet"
    if not (mirror / PROCESSED_PREFIX).is_dir():
        return
    for prefix in (PROCESSED_PREFIX, MODEL_PREFIX):
        shutil.rmtree(mirror / prefix, ignore_errors=True)
        for key in _keys(target.s3, target.processed_bucket, f"{prefix}/"):
            path = mirror / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_get(target.s3, target.processed_bucket, key))


# -- command line ------------------------------------------------------------------------------------


def run(action: str, targets: list[Target], user_id: int, out: Path | None) -> int:
    person = Person(user_id, targets[0].key if targets else None)
    if action == "forget":
        total = 0
        for target in targets:
            report = forget(target, user_id)
            total += report.touched
            print(f"forget {person.label} in {target.where}: "
                  f"{'nothing held (nothing touched)' if not report.touched else 'touched'}")  # fmt: skip
            for line in report.lines():
                print(line)
        return 0
    exports = [subject_export(target, user_id) for target in targets]
    export = exports[0] if len(exports) == 1 else {"subject": person.label, "sources": exports}
    path = out or Path(".local") / f"subject-export-{person.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json(export, indent=2, default=str))
    for one in exports:
        counts = ", ".join(f"{name} {n}" for name, n in export_counts(one).items())
        print(f"subject-export {person.label} from {one['source']}: {counts}")
    print(f"Written: {path} (it names the person: hand it over, do not keep it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m ops.rights",
        description="A person's rights: forget them, or export their data.",
    )
    parser.add_argument("action", choices=["forget", "export"])
    parser.add_argument("--user-id", required=True, help="the person's Telegram user id")
    parser.add_argument("--stage", help="a deployed stage (AWS); without it, the local pipeline's data")
    parser.add_argument("--workdir", default=str(LOCAL_WORKDIR), help="local data (default .local/demo)")
    parser.add_argument("--out", type=Path, help="export: the JSON file to write")
    args = parser.parse_args(argv)
    try:
        user_id = parse_user_id(args.user_id)
        if args.out is not None:  # before anything is read: a folder that cannot be written is said first
            args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.stage:
            return run(args.action, [aws_target(args.stage)], user_id, args.out)
        return _run_local(args.action, Path(args.workdir), user_id, args.out)
    except (BadUserId, RightsError, ConfigError) as error:
        print(f"{args.action}: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # no credentials, access denied, ...
        print(f"{args.action}: {explain(error, args.stage)}", file=sys.stderr)
        return 1
    except OSError as error:  # after AWS's: some of botocore's network errors are OSErrors too
        print(f"{args.action}: cannot write {error.filename or 'the export'}: {error.strerror or error}",
              file=sys.stderr)  # fmt: skip
        return 1


def _run_local(action: str, workdir: Path, user_id: int, out: Path | None) -> int:
    from standins.s3_server import SeaweedS3
    from standins.workdir import DemoRunning, UnwritableWorkdir, lock_workdir

    if not (workdir / "seaweedfs").is_dir():
        raise RightsError(
            f"no local data in {workdir}: run `make demo` (or `make poll`), or pass STAGE=dev|prod"
        )
    try:
        lock = lock_workdir(workdir)  # not while a demo rewrites the same buckets
    except (DemoRunning, UnwritableWorkdir) as error:
        raise RightsError(str(error)) from None
    try:
        with SeaweedS3(workdir / "seaweedfs") as server:
            env = server.client_env()
            s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"], region_name="us-east-1",
                              aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
            targets = local_targets(s3, workdir)
            if not targets:
                raise RightsError(f"no pipeline buckets in {workdir}")
            code = run(action, targets, user_id, out)
            if action == "forget" and len(targets) == 1:
                refresh_mirror(targets[0], workdir)
            return code
    finally:
        lock.close()


if __name__ == "__main__":
    sys.exit(main())
