"""The model step's daily run at N processed updates a day (default 1,000,000): for each of HISTORY + 1
consecutive days, a fresh process runs telegram_model.job.run_model as the Lambda does after that day's
ETL (R-7..R written, new_days=[R]: incremental, the days before from the model's tables and state), on a
local folder instead of S3; each run's wall time, CPU time, peak RSS and the most of its temporary
folder (the processed days and the state it downloads, DuckDB's spill: Lambda's /tmp) are printed, then
the bundle's size. With --steps, each step of a run (download, each layer, each table written, the state)
with its wall and CPU time, the process's RSS after it and its peak so far (resource.getrusage: tracemalloc
does not see DuckDB) and what DuckDB's buffer pool holds and has spilled (duckdb_memory()).

Each day's rows are the ETL's flattening of the demo generator's updates (100,000 at most), repeated with
ids (and album ids) shifted until N and moved by whole days, in one processed partition; each copy is a
group of its own (its chat ids shifted, the same every day: 1M updates a day are 10 groups of 100,000, not
one group whose askers ask 10 times as often at the same instants, which makes the per-group joins grow
with the square of N); the generated group's migration only on the first day (a migration makes that
day's run a full one).
Usage: python -m bench.model_day [N] [--history DAYS] [--memory-mb MB] [--full | --both] [--prime] [--steps]
  --memory-mb: the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE: DuckDB's memory limit follows it)
  --full: the last day's run re-reads every day (new_days=[]), as before issue 20's incremental run
  --both: the last day's run, incremental, then again in full (both over the same stored history)
  --prime: the days before the last in one range run (as `make remodel` does, at 10,240 MB at least), not
    one run a day
  --steps: where each run's time and memory go, step by step
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.queries import ID_COLUMNS, SETTINGS, TIME_COLUMNS, base_table

DAY = date(2025, 3, 10)
CHAT_COLUMNS = ("chat_id", "sender_chat_id", "migrate_to_chat_id", "migrate_from_chat_id")


def write_day(base: pa.Table, total: int, root: Path, index: int, day: date) -> int:
    """`total` rows of `base` (shifted copies) as the processed partition of `day`."""
    folder = root / "telegram" / f"context_date={day}"
    folder.mkdir(parents=True)
    if index:  # the group migrates once, on the first day
        base = base.filter(
            pc.and_(pc.is_null(base["migrate_to_chat_id"]), pc.is_null(base["migrate_from_chat_id"]))
        )
    copies = -(-total // base.num_rows)
    with pq.ParquetWriter(folder / "part-00000.parquet", base.schema, compression="zstd") as writer:
        written = 0
        for k in range(copies):
            piece = base.slice(0, min(base.num_rows, total - written))
            shift = (index * copies + k) * 10**9
            for name in ID_COLUMNS:
                piece = piece.set_column(piece.schema.get_field_index(name), piece.schema.field(name),
                                         pc.add(piece[name], pa.scalar(shift, pa.int64())))  # fmt: skip
            for name in TIME_COLUMNS:
                moved = pc.add(piece[name], pa.scalar(timedelta(days=index), pa.duration("ms")))
                piece = piece.set_column(
                    piece.schema.get_field_index(name), name, moved.cast(piece[name].type)
                )
            for name in CHAT_COLUMNS:  # copy k: its own groups, the same every day
                moved = pc.subtract(piece[name], pa.scalar(k * 10**13, pa.int64()))
                piece = piece.set_column(piece.schema.get_field_index(name), name, moved)
            albums = pc.binary_join_element_wise(piece["media_group_id"], pa.scalar(f"-{shift}"), "")
            piece = piece.set_column(piece.schema.get_field_index("media_group_id"), "media_group_id", albums)
            writer.write_table(piece)
            written += piece.num_rows
    return written


def rss_mib() -> float:
    """The process's resident memory now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def profile_steps(steps: list[dict]) -> None:
    """Record each step of the model run (bench only: the job's functions wrapped where it calls them)."""
    import telegram_model.incremental as incremental
    import telegram_model.job as job

    clock = [time.perf_counter(), time.process_time()]

    def note(name: str, connection: object | None) -> None:
        held = spilled = 0
        if connection is not None:
            held, spilled = connection.execute(  # type: ignore[attr-defined]
                "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()"
            ).fetchall()[0]
        now = [time.perf_counter(), time.process_time()]
        steps.append({"step": name, "wall": now[0] - clock[0], "cpu": now[1] - clock[1], "rss": rss_mib(),
                      "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "duckdb": (held or 0) / 2**20, "spilled": (spilled or 0) / 2**20})  # fmt: skip
        print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
        clock[:] = [time.perf_counter(), time.process_time()]

    def wrap(module: object, name: str, label: object) -> None:
        original = getattr(module, name)

        def wrapped(*args: object, **kwargs: object) -> object:
            result = original(*args, **kwargs)
            connection = next((a for a in args if hasattr(a, "execute")), None)
            note(label(*args) if callable(label) else str(label), connection)
            return result

        setattr(module, name, wrapped)

    def layer_by_layer(original: Callable[..., None]) -> Callable[..., None]:
        def run_layers(connection: object, layers: list[tuple[str, str]]) -> None:
            for layer in layers:
                original(connection, [layer])
                note(f"layer {layer[0]}", connection)

        return run_layers

    for module in (job, incremental):
        module.run_layers = layer_by_layer(module.run_layers)
        wrap(module, "register_updates", "download, view")
    wrap(job, "write_days", lambda *args: f"write {args[3].name} ({len(args[4])} days)")
    wrap(job, "write_state", lambda *args: f"state {args[3]}")


def run_once(root: str, day: str, full: bool, first_day: str = "") -> None:
    """In the child process: the model step after the ETL wrote `day` (or a range run from first_day)."""
    from standins.runner import FolderStorage
    from telegram_model.app import Settings, window
    from telegram_model.job import run_model

    steps: list[dict] = []
    profile_steps(steps)
    last = date.fromisoformat(day)
    first = date.fromisoformat(first_day) if first_day else window({"date": day})[0]
    started = time.process_time()
    result = run_model(FolderStorage(Path(root)), bucket="local", settings=Settings.of(SETTINGS), first=first,
                       last=last, new_days=[] if full or first_day else [last])  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": time.process_time() - started, "peak_mib": peak, "steps": steps,
                      **result.as_dict()}))  # fmt: skip


def folder_bytes(folder: Path) -> int:
    """What the folder holds now (files come and go while it is counted: those gone count 0)."""
    total = 0
    for parent, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(parent, name)).st_size
            except FileNotFoundError:
                pass
    return total


def run_day(
    root: Path, day: date, full: bool, first: date | None, *, memory_mb: int
) -> tuple[dict, float, int]:
    """One daily run (or a range run from `first`) in a fresh process: its result, wall time, and the most
    its /tmp held."""
    scratch = Path(tempfile.mkdtemp(prefix="model-tmp-"))
    env = {**os.environ, "TMPDIR": str(scratch), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb)}
    most, done = [0], threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            most[0] = max(most[0], folder_bytes(scratch))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "bench.model_day", "--child", str(root), str(day), "full" if full else "",
         str(first or "")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    if child.returncode:
        raise SystemExit(child.stderr)
    took = time.perf_counter() - start
    done.set()
    watcher.join()
    shutil.rmtree(scratch, ignore_errors=True)
    return json.loads(child.stdout.strip().splitlines()[-1]), took, most[0]


def bundle_mib() -> str:
    """The model function's asset as bundled (stacks/bundling: its requirements and code), unzipped."""
    asset = Path("cdk.out")
    sizes = [
        (folder_bytes(p), p) for p in asset.glob("asset.*") if (p / "telegram_model").is_dir()
    ] if asset.is_dir() else []  # fmt: skip
    return (
        f"{max(sizes)[0] / 2**20:.0f} MiB ({max(sizes)[1]})" if sizes else "no cdk.out asset (run cdk synth)"
    )


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        run_once(sys.argv[2], sys.argv[3], sys.argv[4] == "full", sys.argv[5])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("updates", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--history", type=int, default=14)
    parser.add_argument("--memory-mb", type=int, default=SETTINGS.model_memory_mb)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--both", action="store_true")
    parser.add_argument("--prime", action="store_true")
    parser.add_argument("--steps", action="store_true")
    args = parser.parse_args()
    base = base_table(min(args.updates, 100_000))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs: list[tuple[date, bool, date | None]] = []  # (last day, full, first day of a range run)
        for index in range(args.history + 1):
            day = DAY + timedelta(days=index - args.history)
            written = write_day(base, args.updates, root, index, day)
            if index < args.history and args.prime:
                continue
            if index == args.history and args.prime and args.history:
                runs.append((day - timedelta(days=1), True, DAY - timedelta(days=args.history)))
            runs += [(day, False, None), (day, True, None)] if index == args.history and args.both else [
                (day, args.full and index == args.history, None)]  # fmt: skip
            for run in runs:
                memory_mb = max(args.memory_mb, 10240) if run[2] else args.memory_mb
                result, took, most_tmp = run_day(root, *run, memory_mb=memory_mb)
                load = os.getloadavg()[0]
                what = (
                    f"{run[2]}..{run[0]}: range"
                    if run[2]
                    else f"{run[0]} ({written:,} updates): {result['mode']}"
                )
                print(f"{what}, {took:.1f} s wall, {result['cpu']:.1f} s "
                      f"CPU, peak RSS {result['peak_mib']:.0f} MiB, /tmp at most {most_tmp / 2**20:.0f} MiB, "
                      f"load {load:.1f}; read {result['updates']:,} updates, {result['read_days']} day(s), "
                      f"rows {result['rows']}", flush=True)  # fmt: skip
                for step in result["steps"] if args.steps else ():
                    print(f"  {step['step']:<34} {step['wall']:7.1f} s wall {step['cpu']:7.1f} s CPU  RSS "
                          f"{step['rss']:6.0f} MiB (peak {step['peak']:6.0f})  DuckDB {step['duckdb']:6.0f} "
                          f"MiB, spilled {step['spilled']:6.0f} MiB", flush=True)  # fmt: skip
            runs = []
        size = sum(p.stat().st_size for p in (root / "telegram").rglob("*.parquet")) / (args.history + 1)
        stored = sum(p.stat().st_size for p in (root / "model").glob("[!_]*/*/*.parquet"))
        state = sum(p.stat().st_size for p in (root / "model" / "_state").rglob("*") if p.is_file())
        print(f"per processed day {size / 2**20:.0f} MiB Parquet; model tables {stored / 2**20:.0f} MiB, "
              f"state {state / 2**20:.0f} MiB in all; function memory {args.memory_mb} MB; "
              f"bundle {bundle_mib()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
