import os
from pathlib import Path

import pytest
from hypothesis import settings

from standins.runner import FakeContext, answer_sample_conversation

# jsii (under the CDK tests) runs the project's pinned Node.js LTS (package.json), however pytest was
# started: `make test` puts it first on PATH too, a bare `pytest` would otherwise take the machine's node.
_PINNED_NODE = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
if (_PINNED_NODE / "node").exists() and not os.environ.get("PATH", "").startswith(str(_PINNED_NODE)):
    os.environ["PATH"] = f"{_PINNED_NODE}{os.pathsep}{os.environ.get('PATH', '')}"

# No property test is timed (speed belongs in bench/): hypothesis's 200 ms deadline per example only made
# tests fail when the 2 cores are busy.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


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
    from standins.s3_server import SeaweedS3

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


# Parallel runs (`make test`: pytest-xdist, --dist loadfile): each file goes whole to one worker, so a
# module-scoped fixture (a replayed conversation, a demo seed, a SeaweedFS pipeline) is built once. Grouping
# by shared fixture instead (xdist_group marks, --dist loadgroup) would spread the slow files further, but
# pytest-xdist 3.8 marks a group by renaming item._nodeid, which pytest 9.2 no longer reads: the marks are
# ignored and such fixtures were built on both workers (measured: test_privacy.py's ~110 s setup twice).
_ROOT = Path(__file__).resolve().parents[1]
# Started first (the longest files), so that no worker starts a long one while the others finish. In
# `make test` (the slow files left out) the costliest are ops/test_verify.py, the command-line checks at
# the top (tests/test_*.py) and the Lambdas' moto and property tests.
_SLOW_FIRST = ("tests/e2e/", "tests/stacks/", "tests/ops/", "tests/analyst/", "tests/test_", "tests/lambdas/")


def _path_of(item: pytest.Item) -> str:
    return item.path.relative_to(_ROOT).as_posix()


def _slowness(item: pytest.Item) -> int:
    path = _path_of(item)
    return next(
        (rank for rank, prefix in enumerate(_SLOW_FIRST) if path.startswith(prefix)), len(_SLOW_FIRST)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_slowness)  # stable: each file's own order is kept, and its tests stay together
