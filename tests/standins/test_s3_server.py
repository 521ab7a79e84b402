"""The local S3 server: credentials of its own whatever the shell holds; a taken port is a clear error;
stopping it ends its whole process tree, within a bound, and says so."""

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from standins.s3_server import SeaweedS3, group_members

pytestmark = pytest.mark.e2e


def client(server: SeaweedS3):
    env = server.client_env()
    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"], region_name="us-east-1",
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])  # fmt: skip


def test_real_aws_credentials_in_the_shell_do_not_leak_into_the_local_server(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALUSERKEY00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a-real-secret-the-demo-must-not-use")
    with SeaweedS3(tmp_path) as server:
        s3 = client(server)
        s3.create_bucket(Bucket="probe")
        s3.put_object(Bucket="probe", Key="k", Body=b"v")
        assert s3.get_object(Bucket="probe", Key="k")["Body"].read() == b"v"


def taken_port() -> socket.socket:
    """A listening socket on a port that has room for its +10000 gRPC twin."""
    for port in range(23000, 33000, 97):
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", port))
        except OSError:
            listener.close()
            continue
        listener.listen()
        return listener
    raise RuntimeError("no free port to take")


def test_a_taken_s3_port_is_refused_before_starting(tmp_path):
    with taken_port() as taken:
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {port} on 127.0.0.1 is taken"):
            SeaweedS3(tmp_path, s3_port=port).start()


def test_a_port_taken_between_its_choice_and_weeds_start_is_chosen_again(tmp_path, monkeypatch):
    """Free ports come from the ephemeral range, which any outgoing connection may take before weed binds
    them (seen in CI: weed exits on "bind: address already in use"): the server starts on other ports."""
    import standins.s3_server as module

    chosen = module._free_port_block(len(module._SERVICES) + 1)
    s3_port = chosen + module._SERVICES.index("s3")
    blocks = iter([chosen])
    real = module._free_port_block
    monkeypatch.setattr(module, "_free_port_block", lambda size: next(blocks, None) or real(size))
    with socket.socket() as meanwhile:
        meanwhile.bind(("127.0.0.1", s3_port))  # taken after the choice, before weed binds it
        meanwhile.listen()
        with SeaweedS3(tmp_path) as server:
            assert server.endpoint_url != f"http://127.0.0.1:{s3_port}"
            s3 = client(server)
            s3.create_bucket(Bucket="probe")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["probe"]
    assert f"port {s3_port} for S3".encode() in (tmp_path / "weed.log").read_bytes()  # weed's refusal


@pytest.mark.parametrize("port", [80, 60000])
def test_an_s3_port_out_of_range_is_a_clear_error(tmp_path, port):
    with pytest.raises(RuntimeError, match="choose one in 1024-55535"):
        SeaweedS3(tmp_path, s3_port=port).start()


FAKE_WEED = """
import http.server, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a server that takes its time to stop, or never does
port = int(next(a for a in sys.argv if a.startswith("-s3.port=")).split("=")[1])
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # and has a child
open("child.pid", "w").write(str(child.pid))
http.server.HTTPServer(("127.0.0.1", port), http.server.BaseHTTPRequestHandler).serve_forever()
"""


def fake_weed(tmp_path):
    script = tmp_path / "weed"
    script.write_text(f"#!{sys.executable}\n{FAKE_WEED}")
    script.chmod(0o755)
    return str(script)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_stop_ends_the_whole_process_tree_within_its_bound_and_says_so(tmp_path):
    messages = []
    server = SeaweedS3(tmp_path / "data", weed=fake_weed(tmp_path), stop_timeout=1, progress=messages.append)
    server.start()
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    leader = server._process.pid
    child = int((tmp_path / "data" / "child.pid").read_text())
    assert alive(leader) and alive(child)
    assert group_members(leader) == sorted([leader, child])  # its own group, not ours
    assert os.getpgid(leader) != os.getpgid(0)

    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 8
    assert not alive(leader) and not alive(child)
    assert server.leftover == []
    assert messages[0] == "stopping the S3 server ..."
    assert any("did not stop within 1 s: killing it" in m for m in messages)
    assert messages[-1].strip() == "S3 server stopped"
    with socket.socket() as probe:  # nothing listens on the port any more (TIME_WAIT aside)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


def test_a_ctrl_c_while_stopping_kills_at_once_and_is_raised_again(tmp_path):
    messages = []
    server = SeaweedS3(tmp_path / "data", weed=fake_weed(tmp_path), stop_timeout=60, progress=messages.append)
    server.start()
    leader = server._process.pid
    child = int((tmp_path / "data" / "child.pid").read_text())
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        server.stop()
    assert time.monotonic() - started < 8  # not the 60 s of the polite wait
    assert not alive(leader) and not alive(child) and server.leftover == []
    assert any("interrupted again" in m for m in messages)


def test_a_relative_data_dir_keeps_the_data_where_it_says(tmp_path, monkeypatch):
    """weed runs inside its data folder: a relative -dir once nested it twice (DIR/DIR/...)."""
    monkeypatch.chdir(tmp_path)
    with SeaweedS3(Path("data/seaweedfs")) as server:
        s3 = client(server)
        s3.create_bucket(Bucket="probe")
        s3.put_object(Bucket="probe", Key="k", Body=b"v")
    assert server.data_dir == tmp_path / "data" / "seaweedfs"
    assert not (tmp_path / "data" / "seaweedfs" / "data").exists()
    assert any((tmp_path / "data" / "seaweedfs").iterdir())


@pytest.mark.slow
def test_seventy_buckets_each_get_a_volume_whatever_the_free_disk(tmp_path):
    """Each bucket is a collection with a volume of its own; weed mini's default allows free disk / 1 GiB
    volumes, so a session on a machine with less than 70 GiB free ran out ("No writable volumes")."""
    with SeaweedS3(tmp_path) as server:
        s3 = client(server)
        for i in range(70):
            s3.create_bucket(Bucket=f"bucket-{i:03d}")
            s3.put_object(Bucket=f"bucket-{i:03d}", Key="k", Body=b"v")
        assert s3.get_object(Bucket="bucket-069", Key="k")["Body"].read() == b"v"
