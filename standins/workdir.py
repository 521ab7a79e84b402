"""The local pipeline's work folder is one process's at a time: the demo holds it for its lifetime, and
`make forget` / `make subject-export` without a stage refuse to rewrite the buckets while it does."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DemoRunning(RuntimeError):
    pass


class UnwritableWorkdir(RuntimeError):
    """The work folder cannot be made or written: the tool says so in one line before starting anything."""


def writable_workdir(workdir: Path) -> Path:
    """The work folder, made if needed and checked writable; else UnwritableWorkdir naming it and why."""
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        probe = workdir / ".write-check"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UnwritableWorkdir(f"cannot write to {workdir}: {error.strerror or error}") from None
    return workdir


def lock_workdir(workdir: Path) -> IO[str]:
    """An exclusive lock on the work folder for the demo's lifetime (released by the OS when the process
    ends, however it ends): a second demo there would delete the first one's data."""
    writable_workdir(workdir)
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
