"""The ETL end to end on raw updates stored in a real S3 server (SeaweedFS on loopback): our ETL Lambda
handler against the naive baseline (bench/naive.py), both on the same day of raw objects.

On this machine the client and the server share 2 cores, so GETs cost ~1.5 ms and concurrency buys
little; real S3 answers a GET in ~20-50 ms, where concurrency is what matters. `--latency-ms` adds that
delay to every S3 request of both clients (a botocore `before-send` hook) to measure that regime.

With `--raw-layout firehose` the same day is stored as Firehose would store it (records of many
updates per object, through the local stand-in, standins/firehose.py) and only our ETL runs (the
naive baseline reads one object per update). The ETL runs in a fresh process of its own, so that its
client CPU and peak memory are its own, not the upload's.

Usage: python -m bench.etl_s3 [--updates N] [--latency-ms MS] [--raw-layout object|firehose]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config

from bench.common import DAY, peak_rss_mib, rate, timer
from bench.corpus import corpus_updates
from bench.naive import naive_etl
from local.demo import progress
from stacks.config import StageConfig
from standins.firehose import LocalFirehose
from standins.runner import LocalPipeline
from standins.s3_server import SeaweedS3
from telegram_etl.firehose import update_ids_of_day
from telegram_ingest.firehose import encode_record

POOL = 100_000  # updates generated at a time (a bigger day: the next POOL from the next seed)
NOON_MS = 1_741_608_000_000  # 2025-03-10T12:00:00Z (the bench's DAY, in UTC)


def add_latency(client: Any, seconds: float) -> None:
    if seconds > 0:
        client.meta.events.register("before-send.s3", lambda **kwargs: time.sleep(seconds))


def upload(pipeline: LocalPipeline, count: int) -> None:
    prefix = f"telegram/context_date={DAY.isoformat()}/"
    items = [(u["update_id"], json.dumps(u, ensure_ascii=False).encode()) for u in corpus_updates(count)]
    done = 0
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(
            lambda item: pipeline.s3.put_object(
                Bucket=pipeline.raw_bucket, Key=f"{prefix}{item[0]}.json", Body=item[1]
            ),
            items,
        ):
            done += 1
            progress("uploading raw updates", done, len(items))


def upload_firehose(pipeline: LocalPipeline, count: int) -> int:
    """The day as Firehose writes it: 64 MiB objects of records (the stage's default buffer)."""
    stream = LocalFirehose(
        lambda bucket, key, body: pipeline.s3.put_object(Bucket=bucket, Key=key, Body=body),
        pipeline.raw_bucket, "UTC", buffer_bytes=64 * 2**20, buffer_seconds=900,
    )  # fmt: skip
    pool: list[dict[str, Any]] = []
    for i in range(count):
        if i % POOL == 0:  # each POOL updates of their own seed: a big day's texts stay mostly distinct
            pool = corpus_updates(min(count - i, POOL), seed=1 + i // POOL)
        stream.clock_ms = NOON_MS + i // 100  # ~100 updates a millisecond: all within the day
        body = json.dumps({**pool[i % POOL], "update_id": i}, ensure_ascii=False).encode()
        stream.put_record(encode_record(body, stream.clock_ms, i))
        if (i + 1) % 10_000 == 0 or i + 1 == count:
            progress("uploading raw records", i + 1, count)
    stream.flush()
    return len(stream.objects)


def _etl_process(env: dict[str, str], latency: float, stdlib_json: bool, answers: Any) -> None:
    """The ETL Lambda in a process of its own: (result, wall s, client CPU s, peak RSS MiB)."""
    if stdlib_json:  # the standard library's parser, where orjson is not importable
        import telegram_etl.firehose
        import telegram_etl.flatten

        telegram_etl.flatten.orjson = None
        telegram_etl.firehose.orjson = None
    pipeline = _pipeline(env)
    add_latency(pipeline.etl.module.storage._s3, latency)
    cpu_started = time.process_time()
    with timer() as took:
        result = pipeline.run_etl({"date": DAY.isoformat()}, then_model=False)
    cpu = time.process_time() - cpu_started
    # The run of the next day reads this day's records again, for their ids only (the after-midnight
    # rule): measured here on the same objects, since the bench's previous day is empty.
    ids_started = time.process_time()
    ids = sum(1 for _ in update_ids_of_day(pipeline.etl.module.storage, "bench-raw", DAY, ZoneInfo("UTC")))
    ids_cpu = time.process_time() - ids_started if ids else 0.0
    answers.put((result, took(), cpu, ids_cpu, peak_rss_mib()))


def _pipeline(env: dict[str, str]) -> LocalPipeline:
    return LocalPipeline(env, raw_bucket="bench-raw", processed_bucket="bench-out",
                         settings=StageConfig(stage="bench", timezone="UTC"), log_level="ERROR")  # fmt: skip


def run_etl_apart(
    env: dict[str, str], latency: float, stdlib_json: bool
) -> tuple[dict[str, Any], float, float, float, float]:
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=_etl_process, args=(env, latency, stdlib_json, answers))
    process.start()
    answer = answers.get()
    process.join()
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--raw-layout", choices=["object", "firehose"], default="object")
    parser.add_argument("--stdlib-json", action="store_true", help="firehose: the stdlib json parser")
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    if args.raw_layout == "firehose":
        return firehose_main(args.updates, latency, args.latency_ms, args.stdlib_json)
    with tempfile.TemporaryDirectory() as tmp, SeaweedS3(Path(tmp) / "seaweedfs") as server:
        pipeline = _pipeline(server.client_env())
        pipeline.create_buckets()
        upload(pipeline, args.updates)

        add_latency(pipeline.etl.module.storage._s3, latency)
        # The client's own CPU (this process; SeaweedFS is another): what a Lambda's vCPU share pays.
        cpu_started = time.process_time()
        with timer() as ours:
            result = pipeline.run_etl({"date": DAY.isoformat()}, then_model=False)
        ours_cpu = time.process_time() - cpu_started
        assert result["totals"]["written"] == args.updates, result

        env = server.client_env()
        naive_client = boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL_S3"],
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"mode": "standard"}),
        )
        add_latency(naive_client, latency)
        cpu_started = time.process_time()
        with timer() as naive:
            written = naive_etl(naive_client, "bench-raw", "bench-out", DAY.isoformat())
        naive_cpu = time.process_time() - cpu_started
        assert written == args.updates
    where = f"+{args.latency_ms:g} ms per request" if latency else "no added latency"
    print("| benchmark | ours | naive baseline | naive / ours |\n|---|---|---|---|")
    print(
        f"| ETL end to end, {args.updates:,} updates on SeaweedFS ({where}) | {ours():.1f} s "
        f"({rate(args.updates, ours())}), client CPU {ours_cpu / args.updates * 1e3:.2f} ms/update "
        f"| {naive():.1f} s ({rate(args.updates, naive())}), client CPU "
        f"{naive_cpu / args.updates * 1e3:.2f} ms/update | {naive() / ours():.1f}x |"
    )
    return 0


def firehose_main(count: int, latency: float, latency_ms: float, stdlib_json: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp, SeaweedS3(Path(tmp) / "seaweedfs") as server:
        pipeline = _pipeline(server.client_env())
        pipeline.create_buckets()
        objects = upload_firehose(pipeline, count)
        result, seconds, cpu, ids_cpu, peak = run_etl_apart(server.client_env(), latency, stdlib_json)
        assert result["totals"]["written"] == count, result
    where = f"+{latency_ms:g} ms per request" if latency else "no added latency"
    where += ", standard library json" if stdlib_json else ", orjson"
    print("| benchmark | ours (firehose layout) | the next day's id pass over it | peak memory of the ETL "
          "process |\n|---|---|---|---|")  # fmt: skip
    print(
        f"| ETL end to end, {count:,} updates in {objects} Firehose objects on SeaweedFS ({where}) | "
        f"{seconds:.1f} s ({rate(count, seconds)}), client CPU {cpu / count * 1e6:.1f} µs/update | "
        f"client CPU {ids_cpu / count * 1e6:.1f} µs/update | {peak:.0f} MiB |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
