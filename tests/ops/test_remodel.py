"""`make remodel`: the model function invoked over a range, RUN_DAYS days per run, found in the ETL stack."""

import json
from datetime import date

import pytest

from ops import remodel


class FakeSession:
    def __init__(self):
        self.invocations = []

    def client(self, name):
        return self

    def get_paginator(self, name):
        return self

    def paginate(self, StackName):
        assert StackName == "TelegramDevEtl"
        yield {"StackResourceSummaries": [
            {"ResourceType": "AWS::Lambda::Function", "LogicalResourceId": "EtlFunctionABC", "PhysicalResourceId": "etl"},
            {"ResourceType": "AWS::Lambda::Function", "LogicalResourceId": "ModelFunction3BC", "PhysicalResourceId": "model-fn"},
        ]}  # fmt: skip

    def invoke(self, **call):
        self.invocations.append(call)


def test_a_range_is_split_into_runs_of_8_days_covering_it_once():
    payloads = list(remodel.runs(date(2025, 1, 1), date(2025, 1, 20)))
    assert payloads == [
        {"start_date": "2025-01-01", "end_date": "2025-01-08"},
        {"start_date": "2025-01-09", "end_date": "2025-01-16"},
        {"start_date": "2025-01-17", "end_date": "2025-01-20"},
    ]
    assert list(remodel.runs(date(2025, 1, 1), date(2025, 1, 1))) == [
        {"start_date": "2025-01-01", "end_date": "2025-01-01"}
    ]


def test_the_stage_model_function_is_invoked_asynchronously_per_run(capsys):
    session = FakeSession()
    assert (
        remodel.main(["--stage", "dev", "--from", "2025-01-01", "--to", "2025-01-10"], session=session) == 0
    )
    assert [call["FunctionName"] for call in session.invocations] == ["model-fn", "model-fn"]
    assert {call["InvocationType"] for call in session.invocations} == {"Event"}
    assert json.loads(session.invocations[1]["Payload"]) == {
        "start_date": "2025-01-09",
        "end_date": "2025-01-10",
    }
    assert "model-fn: 2 model runs queued" in capsys.readouterr().out


def test_from_after_to_is_refused():
    with pytest.raises(SystemExit):
        remodel.parse_args(["--stage", "dev", "--from", "2025-02-01", "--to", "2025-01-01"])


class DeployedStage(FakeSession):
    """The stage's stacks and its model function as `make forget` finds and invokes them."""

    def __init__(self, error=None):
        super().__init__()
        self.error = error

    def client(self, name, config=None):
        if name == "lambda":
            assert config.read_timeout > 900  # a run may take the function's 15 minutes
        return self

    def invoke(self, **call):
        import io

        self.invocations.append(call)
        if self.error:
            body = json.dumps({"errorMessage": self.error}).encode()
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(body)}
        return {"StatusCode": 200, "Payload": io.BytesIO(b"{}")}


def test_forget_on_a_stage_runs_the_deployed_model_function_and_waits_for_each_run():
    from ops.rights import RightsError, deployed_model_runs

    stage = DeployedStage()
    assert deployed_model_runs(stage, "dev", date(2025, 3, 3), date(2025, 3, 18)) == [
        {"start_date": "2025-03-03", "end_date": "2025-03-10"},
        {"start_date": "2025-03-11", "end_date": "2025-03-18"},
    ]
    assert [(c["FunctionName"], c["InvocationType"]) for c in stage.invocations] == [
        ("model-fn", "RequestResponse")
    ] * 2
    with pytest.raises(
        RightsError, match=r"out of memory; .* make remodel STAGE=dev FROM=2025-03-03 TO=2025-03-18"
    ):
        deployed_model_runs(DeployedStage(error="out of memory"), "dev", date(2025, 3, 3), date(2025, 3, 18))


class RefusingStage(DeployedStage):
    """AWS refuses the invocation itself (no permission), after the erasure was written."""

    def invoke(self, **call):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "Invoke")


def test_forget_on_a_stage_refused_by_aws_says_which_remodel_finishes_it():
    from ops.rights import RightsError, deployed_model_runs

    with pytest.raises(
        RightsError, match=r"AccessDeniedException.* make remodel STAGE=dev FROM=2025-03-03 TO=2025-03-18"
    ):
        deployed_model_runs(RefusingStage(), "dev", date(2025, 3, 3), date(2025, 3, 18))
