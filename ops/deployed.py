"""A deployed stack's resources, looked up the one way every operator command does (import-export,
remodel, verify): CloudFormation's list of the stack's resources, by type and logical id prefix."""

from __future__ import annotations

from typing import Any


def stack_resources(cloudformation: Any, stack: str) -> list[dict[str, Any]]:
    """Every resource summary of the stack, all pages."""
    return [
        resource
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
        for resource in page["StackResourceSummaries"]
    ]


def physical_ids(resources: list[dict[str, Any]], kind: str, logical_prefix: str) -> list[str]:
    """The physical ids of the resources of that type whose logical id starts with the prefix."""
    return [
        r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == kind and r["LogicalResourceId"].startswith(logical_prefix)
    ]


def one_function(cloudformation: Any, stack: str, logical_prefix: str, hint: str = "") -> str:
    """The stack's one Lambda function whose logical id starts with the prefix, or a clear error."""
    functions = physical_ids(stack_resources(cloudformation, stack), "AWS::Lambda::Function", logical_prefix)
    if len(functions) != 1:
        raise RuntimeError(f"stack {stack}: expected one {logical_prefix}, found {len(functions)}{hint}")
    return functions[0]
