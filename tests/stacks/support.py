"""Helpers of the infrastructure tests: logical ids, a role's IAM statements, snapshot comparison, cfn-lint."""

import json
import os
from functools import cache

from aws_cdk import Stack
from aws_cdk.assertions import Template
from cfnlint.api import lint
from cfnlint.config import ConfigMixIn
from cfnlint.rules import Match, RulesCollection
from cfnlint.runner import Runner

from tests.stacks.conftest import SNAPSHOTS, normalized


def logical_id(construct) -> str:
    return Stack.of(construct).get_logical_id(construct.node.default_child)


def role_statements(template: Template, role) -> list[dict]:
    """Every statement of the IAM policies attached to `role`, each with its actions as a list."""
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": logical_id(role)} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                statements.append({**statement, "Action": [actions] if isinstance(actions, str) else actions})
    return statements


def assert_matches_snapshot(name: str, template: dict) -> None:
    """Compare a template with its committed snapshot (UPDATE_SNAPSHOTS=1 rewrites it)."""
    path = SNAPSHOTS / f"{name}.json"
    actual = normalized(template)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot {path.name}: run `make snapshots` and review the diff"
    expected = json.loads(path.read_text())
    assert actual == expected, f"{name} changed: review it, then `make snapshots` to accept"


TRACING_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def without_tracing(statements: list[dict]) -> list[dict]:
    """The statements other than active tracing's, after checking that one: exactly the two X-Ray
    actions, the only ones allowed on Resource '*' (they support no resource-level permissions)."""
    tracing = [s for s in statements if set(s["Action"]) & TRACING_ACTIONS]
    assert [(set(s["Action"]), s["Resource"]) for s in tracing] == [(TRACING_ACTIONS, "*")]
    return [s for s in statements if s not in tracing]


# Regions the templates are checked against (resource types and properties must exist there): the
# primary one and São Paulo, the stages' timezone.
CFN_LINT_REGIONS = ["us-east-1", "sa-east-1"]


@cache
def _cfn_lint_rules() -> RulesCollection:
    """cfn-lint's rules for CFN_LINT_REGIONS, loaded once per test process: cfn-lint's lint() reloads
    them from its package on every call (seconds each), the checks themselves being the same."""
    return Runner(ConfigMixIn(regions=CFN_LINT_REGIONS)).rules


def cfn_lint(template: dict) -> list[Match]:
    """cfn-lint's findings on a template, in every region of CFN_LINT_REGIONS."""
    return lint(json.dumps(template, ensure_ascii=False), rules=_cfn_lint_rules(), regions=CFN_LINT_REGIONS)
