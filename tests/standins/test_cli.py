"""standins/cli.py: the one place AWS's errors are put into words for every tool, and the parser whose
mistakes are one line (issue 23)."""

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    TokenRetrievalError,
)

from stacks.config import ConfigError
from standins.cli import ArgumentParser, explain


def client_error(code: str, message: str, operation: str = "GetWorkGroup") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            NoRegionError(),
            "no AWS region: export AWS_DEFAULT_REGION=<the stage's region> or run `aws configure`",
        ),
        (
            NoCredentialsError(),
            "no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE",
        ),
        (ProfileNotFound(profile="ops"), "The config profile (ops) could not be found: check AWS_PROFILE"),
        (TokenRetrievalError(provider="sso", error_msg="expired"), "SSO session is missing or expired"),
        (
            EndpointConnectionError(endpoint_url="https://athena"),
            "cannot reach AWS (Could not connect to the",
        ),
        (
            client_error("ExpiredTokenException", "The security token included in the request is expired"),
            "AWS refused the credentials (ExpiredTokenException): refresh them",
        ),
        (
            client_error(
                "ValidationError", "Stack with id TelegramQaIngestion does not exist", "DescribeStacks"
            ),
            "stack TelegramQaIngestion does not exist in this account and region: check STAGE=qa and "
            "AWS_DEFAULT_REGION, or deploy it first (make deploy STAGE=qa)",
        ),
        (
            client_error("InvalidRequestException", "WorkGroup telegram-analytics-qa is\nnot found."),
            "AWS refused GetWorkGroup (InvalidRequestException): WorkGroup telegram-analytics-qa is not found: "
            "check STAGE=qa",
        ),
        (
            client_error("AccessDeniedException", "not authorized"),
            "AWS refused GetWorkGroup (AccessDeniedException): not authorized",
        ),
        (ConfigError("unknown stage 'qa'"), "unknown stage 'qa'"),
    ],
)
def test_each_error_of_the_setup_or_of_aws_is_one_line_that_says_what_to_do(error, said):
    line = explain(error, "qa")
    assert said in line and "\n" not in line


def test_an_athena_query_that_failed_in_awswrangler_is_named():
    failed = type("QueryFailed", (Exception,), {"__module__": "awswrangler.exceptions"})
    assert explain(failed("SYNTAX_ERROR: line 1:8:\n Column 'x' cannot be resolved")) == (
        "Athena: SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved"
    )


def test_anything_else_is_a_bug_and_keeps_its_traceback():
    assert explain(KeyError("PseudonymKeySecretArn"), "qa") is None
    assert explain(ZeroDivisionError()) is None


def test_an_argument_mistake_is_one_line_and_exit_2(capsys):
    parser = ArgumentParser(prog="make thing")
    parser.add_argument("--days", type=int)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--days", "many"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "make thing: argument --days: invalid int value: 'many' (--help lists the options)\n"
    )
