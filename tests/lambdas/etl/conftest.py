import pytest

from standins.runner import DAILY_TIMEOUT_MS, FakeContext


@pytest.fixture
def lambda_context() -> FakeContext:
    """An invocation of the ETL function: its own 15 minutes (the ingest function's 25 s elsewhere)."""
    return FakeContext(DAILY_TIMEOUT_MS)
