"""`make remodel STAGE=... FROM=YYYY-MM-DD TO=YYYY-MM-DD`: re-apply the stage's settings to past days.

    python -m ops.remodel --stage STAGE --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run]

The model step applies the settings (staff_user_ids, bot_username, topic_rules, feedback values, hand-over
patterns, time zone: its MODEL_SETTINGS, set by `make deploy`) to the days it writes. After a settings
change is deployed, this recomputes the model's tables of the days FROM..TO: it invokes the stage's model
function (asynchronously; one run at a time, its reserved concurrency) once per RUN_DAYS days, each run
reading the processed Parquet of its days and the 7 days on either side. It never reads raw data: cheap.
A run that fails is retried, then dead-lettered and alarmed like the daily one. `make forget` recomputes
the days of the person's erased rows through the same function, waiting for each run (run_and_wait).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import ClientError

from ops.deployed import one_function
from stacks.names import stack_name
from standins.cli import ArgumentParser, configured_session, explain

RUN_DAYS = 8  # the daily run's window (the day and the 7 before it): the same topics' keyword window
# A synchronous run waits while another holds the function (reserved concurrency 1: Lambda answers
# TooManyRequestsException): the daily run takes minutes, at most the function's 15.
BUSY_RETRY_SECONDS = 15
BUSY_GIVE_UP_SECONDS = 30 * 60


def runs(first: date, last: date, days: int = RUN_DAYS) -> Iterator[dict[str, str]]:
    """The model function's payloads covering first..last, `days` days each."""
    start = first
    while start <= last:
        end = min(start + timedelta(days=days - 1), last)
        yield {"start_date": start.isoformat(), "end_date": end.isoformat()}
        start = end + timedelta(days=1)


def model_function(cloudformation: Any, stage: str) -> str:
    """The stage's model function: the ETL stack's Lambda whose logical id starts with ModelFunction."""
    return one_function(cloudformation, stack_name(stage, "Etl"), "ModelFunction", hint=" (deploy it)")


def remodel(lambda_client: Any, function: str, first: date, last: date) -> list[dict[str, str]]:
    """Invoke the model function for first..last; the payloads sent."""
    payloads = list(runs(first, last))
    for payload in payloads:
        lambda_client.invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
    return payloads


def run_and_wait(
    lambda_client: Any, function: str, first: date, last: date, *, sleep: Callable[[float], None] = time.sleep
) -> list[dict[str, str]]:  # fmt: skip
    """Invoke the model function for first..last, one synchronous run after the other, each waited for:
    inside the function's one-at-a-time limit, so never beside the daily run (which would interleave
    its writes and state with these). A run it failed raises; the payloads run."""
    payloads = list(runs(first, last))
    for payload in payloads:
        waited = 0
        while True:
            try:
                body = json.dumps(payload).encode()
                response = lambda_client.invoke(
                    FunctionName=function, InvocationType="RequestResponse", Payload=body
                )
                break
            except ClientError as error:
                busy = error.response["Error"]["Code"] == "TooManyRequestsException"
                if not busy or waited >= BUSY_GIVE_UP_SECONDS:
                    raise
                sleep(BUSY_RETRY_SECONDS)
                waited += BUSY_RETRY_SECONDS
        if response.get("FunctionError"):
            answer = json.loads(response["Payload"].read() or b"{}")
            why = answer.get("errorMessage", "?")
            raise RuntimeError(f"{function} failed for {json.dumps(payload)}: {why}")
    return payloads


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m ops.remodel", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True, help="the deployed stage (cdk.json), e.g. dev or prod")
    parser.add_argument("--from", dest="first", required=True, type=date.fromisoformat, help="first day")
    parser.add_argument("--to", dest="last", required=True, type=date.fromisoformat, help="last day")
    parser.add_argument("--dry-run", action="store_true", help="print the payloads, invoke nothing")
    args = parser.parse_args(argv)
    if args.first > args.last:
        parser.error("--from is after --to")
    return args


def main(argv: list[str] | None = None, session: Any = None) -> int:
    args = parse_args(argv)
    if args.dry_run:
        for payload in runs(args.first, args.last):
            print(json.dumps(payload))
        return 0
    try:
        # Region and credentials checked first: no AWS setup is one line, not a traceback.
        session = session or configured_session()
        function = model_function(session.client("cloudformation"), args.stage)
        payloads = remodel(session.client("lambda"), function, args.first, args.last)
    except Exception as error:
        line = explain(error, args.stage)
        if line is None:
            raise  # a bug: its traceback is what to report
        print(f"make remodel: {line}", file=sys.stderr)
        return 1
    print(f"{function}: {len(payloads)} model runs queued ({args.first} to {args.last}); they run one at a "
          "time, each in minutes: follow them in the function's logs")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
