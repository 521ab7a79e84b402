"""How the ingest Lambda uses the AWS SDK: fail fast, and never let the SDK log a secret or a message."""

from __future__ import annotations

import logging

from botocore.config import Config

# botocore's defaults (60 s connect and read timeouts, legacy retries) turn a storage outage into a
# Lambda timeout: no "storage failed" log, a 502, and a concurrency slot held for the whole timeout.
# In-region S3 and Secrets Manager answer in milliseconds, so a couple of seconds is a generous bound.
CONNECT_TIMEOUT_S = 1
READ_TIMEOUT_S = 2
# Standard retries, two attempts in all (the first and one retry, whose backoff is at most 1 s). Given as
# total_max_attempts: botocore's `max_attempts` key counts retries only, so 2 there would mean 3 attempts.
MAX_ATTEMPTS = 2
FIRST_BACKOFF_MAX_S = 1
SDK_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
)

# At DEBUG, botocore logs every response body (GetSecretValue's holds the webhook secret) and urllib3
# every request line; no log-level setting may turn that on in this function.
SDK_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")


def worst_case_call_seconds() -> float:
    """The longest one SDK call can take before it raises: every attempt times out, plus the backoff."""
    return MAX_ATTEMPTS * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S) + (MAX_ATTEMPTS - 1) * FIRST_BACKOFF_MAX_S


def silence_sdk_debug_logs() -> None:
    """Pin the SDK's loggers at WARNING, whatever POWERTOOLS_LOG_LEVEL or the root logger say."""
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
