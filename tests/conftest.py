import os
from pathlib import Path

import pytest

from local_pipeline.runner import FakeContext, answer_sample_conversation

# jsii (under the CDK tests) runs the project's pinned Node.js LTS (package.json), however pytest was
# started: `make test` puts it first on PATH too, a bare `pytest` would otherwise take the machine's node.
_PINNED_NODE = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
if (_PINNED_NODE / "node").exists() and not os.environ.get("PATH", "").startswith(str(_PINNED_NODE)):
    os.environ["PATH"] = f"{_PINNED_NODE}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so that no test can ever reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS `weed mini`) on loopback, for the whole test session."""
    from local_pipeline.s3_server import SeaweedS3

    with SeaweedS3(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="session")
def sample_workdir(tmp_path_factory):
    """Where the sample conversation's processed table is mirrored (its `telegram/` folder)."""
    return tmp_path_factory.mktemp("parquet")


@pytest.fixture(scope="session")
def answers(s3_server, sample_workdir) -> dict[str, list[dict]]:
    """Every named query's rows on the sample conversation, through the real pipeline on SeaweedFS."""
    return answer_sample_conversation(s3_server.client_env(), sample_workdir)
