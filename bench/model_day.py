"""The model step for one day of N processed updates (default 1,000,000): time and peak memory of a fresh
process running telegram_model.job.run_model as the Lambda does (the day and its context read from
storage, the four tables written), on a local folder instead of S3.

The day's rows are the ETL's flattening of the demo generator's updates, repeated with ids shifted until
N, all in one processed partition (context_date) so that one run models them all.
Usage: python -m bench.model_day [N]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.queries import ID_COLUMNS, SETTINGS, base_table

DAY = date(2025, 3, 10)


def write_day(total: int, root: Path) -> int:
    base = base_table(min(total, 100_000))
    folder = root / "telegram" / f"context_date={DAY}"
    folder.mkdir(parents=True)
    with pq.ParquetWriter(folder / "part-00000.parquet", base.schema, compression="zstd") as writer:
        written = 0
        for k in range(-(-total // base.num_rows)):
            piece = base.slice(0, min(base.num_rows, total - written))
            for name in ID_COLUMNS:
                index = piece.schema.get_field_index(name)
                piece = piece.set_column(
                    index, piece.schema.field(index), pc.add(piece[name], pa.scalar(k * 10**9, pa.int64()))
                )
            writer.write_table(piece)
            written += piece.num_rows
    return written


def run_once(root: str) -> None:
    """In the child process: the model step for DAY (D-7..D written, as after that day's ETL)."""
    from standins.runner import FolderStorage
    from telegram_model.app import Settings, window
    from telegram_model.job import run_model

    first, last = window({"date": DAY.isoformat()})
    result = run_model(
        FolderStorage(Path(root)), bucket="local", settings=Settings.of(SETTINGS), first=first, last=last
    )
    print(result.as_dict())


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        run_once(sys.argv[2])
        return 0
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        written = write_day(total, Path(tmp))
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet"))

        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-m", "bench.model_day", "--child", tmp],
            capture_output=True,
            text=True,
            check=True,
        )
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        model = sum(p.stat().st_size for p in (Path(tmp) / "model").rglob("*.parquet"))
        print(f"model step, a day of {written:,} updates ({size / 2**20:.0f} MiB Parquet): {took:.1f} s, "
              f"peak RSS {peak:.0f} MiB; wrote {model / 2**20:.1f} MiB; {child.stdout.strip()}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
