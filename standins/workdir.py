"""The local pipeline's work folder is one process's at a time: the demo holds it for its lifetime, and
`make forget` / `make subject-export` without a stage refuse to rewrite the buckets while it does."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DemoRunning(RuntimeError):
    pass


def lock_workdir(workdir: Path) -> IO[str]:
    """An exclusive lock on the work folder for the demo's lifetime (released by the OS when the process
    ends, however it ends): a second demo there would delete the first one's data."""
    workdir.mkdir(parents=True, exist_ok=True)
    handle = open(workdir / ".demo.lock", "a+")  # held open for the demo's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise DemoRunning(
            f"another demo (pid {holder}) is running in {workdir}: wait for it to end, or give this one "
            "its own folder with --workdir"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
