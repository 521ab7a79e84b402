"""The local S3 server: credentials of its own whatever the shell holds; a taken port is a clear error."""

import socket

import boto3
import pytest

from local_pipeline.s3_server import SeaweedS3

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


@pytest.mark.parametrize("port", [80, 60000])
def test_an_s3_port_out_of_range_is_a_clear_error(tmp_path, port):
    with pytest.raises(RuntimeError, match="choose one in 1024-55535"):
        SeaweedS3(tmp_path, s3_port=port).start()
