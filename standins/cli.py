"""What every command-line tool does when it cannot go on: one line on stderr saying what to do, an exit
status that is not 0, never a traceback (issue 23). Here once for all of them: the argument parser whose
mistakes are one line, and the words for AWS's errors (region, credentials, network, a stage that is not
deployed), used by every tool that calls AWS (analyst.athena, ops.*).

Anything not recognised here is a bug and keeps its traceback: `explain` answers None for it.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn

from stacks.config import ConfigError

# Codes AWS answers when the credentials themselves are refused, whatever the call.
CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose mistakes are one line (the usage block stays behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (--help lists the options)\n")


def one_line(text: str) -> str:
    """A message on one line: AWS's and DuckDB's messages may hold line breaks."""
    return re.sub(r"\s+", " ", text).strip()


def explain(error: BaseException, stage: str | None = None) -> str | None:
    """The one line a person needs for an error of their setup or of AWS; None for anything else."""
    try:
        from botocore import exceptions as aws
    except ImportError:  # no boto3 in this venv: no AWS error can have happened
        return str(error) if isinstance(error, ConfigError) else None
    if isinstance(error, ConfigError):
        return one_line(str(error))
    if isinstance(error, aws.NoRegionError):
        return "no AWS region: export AWS_DEFAULT_REGION=<the stage's region> or run `aws configure`"
    if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
        return "no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE"
    if isinstance(error, aws.ProfileNotFound):
        return f"{one_line(str(error))}: check AWS_PROFILE, or run `aws configure --profile <name>`"
    if isinstance(error, aws.SSOError | aws.TokenRetrievalError):
        return f"the AWS SSO session is missing or expired ({one_line(str(error))}): run `aws sso login`"
    if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError):
        return f"cannot reach AWS ({one_line(str(error))}): check the network and AWS_DEFAULT_REGION"
    if isinstance(error, aws.ClientError):
        return _client_error(error, stage)
    if isinstance(error, aws.BotoCoreError):
        return f"AWS: {one_line(str(error))}"
    if type(error).__module__.startswith("awswrangler"):  # a query Athena ran and failed, and the like
        return f"Athena: {one_line(str(error))}"
    return None


def _client_error(error: Any, stage: str | None) -> str:
    code = error.response.get("Error", {}).get("Code", "")
    message = one_line(error.response.get("Error", {}).get("Message", "") or str(error))
    if code in CREDENTIAL_CODES:
        return f"AWS refused the credentials ({code}): refresh them (aws sso login) or set AWS_PROFILE"
    where = f"check STAGE={stage} and AWS_DEFAULT_REGION, or deploy it first (make deploy STAGE={stage})"
    stack = re.fullmatch(r"Stack with id (\S+) does not exist", message)
    if stack:  # CloudFormation's answer for a stage never deployed (in this account and region)
        return f"stack {stack.group(1)} does not exist in this account and region" + (
            f": {where}" if stage else ""
        )
    refused = f"AWS refused {error.operation_name} ({code}): {message}"
    if stage and re.search(r"(?i)not found|does not exist|ResourceNotFound", f"{code} {message}"):
        return f"{refused.rstrip('.')}: {where}"
    return refused


def configured_session(region: str | None = None) -> Any:
    """A boto3 session with a region and credentials, or botocore's own error (which `explain` words)
    before any work starts: a tool then says one line instead of failing half-way."""
    import boto3
    from botocore.exceptions import NoCredentialsError, NoRegionError

    session = boto3.session.Session(region_name=region)
    if not session.region_name:
        raise NoRegionError
    if session.get_credentials() is None:
        raise NoCredentialsError
    return session


def main(argv: list[str] | None = None) -> int:
    """`python -m standins.cli check NAME --stage STAGE [--aws]`: one line and exit 2 unless the stage is in
    cdk.json (and, with --aws, AWS has a region and credentials). `make synth` and `make deploy` run it
    before cdk, whose own errors take several lines or a screen."""
    import sys

    from standins.settings import stage_config

    parser = ArgumentParser(prog="python -m standins.cli", description="Can a make target start?")
    parser.add_argument("check", choices=["check"])
    parser.add_argument("name", help="the command to name in the message, e.g. 'make deploy'")
    parser.add_argument("--stage", required=True, help="a stage of cdk.json")
    parser.add_argument("--aws", action="store_true", help="AWS must have a region and credentials")
    args = parser.parse_args(argv)
    try:
        stage_config(args.stage)
        if args.aws:
            configured_session()
    except Exception as error:
        line = explain(error, args.stage)
        if line is None:
            raise  # a bug: its traceback is what to report
        print(f"{args.name}: {line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
