"""How Athena (Trino) plans a named query: every reference to a WITH query planned again, with everything
under it. `inlined` rewrites a statement that way, so that its table scans and joins can be counted
(tests/stacks/test_query_shape.py) and its bytes scanned estimated (bench/athena_scan.py)."""

from __future__ import annotations

from collections import Counter

import sqlglot
from sqlglot import exp

from analytics.queries import STORED_TABLES


def inlined(sql: str) -> exp.Expression:
    """The statement with every reference to a WITH query replaced by that query, recursively (each
    reference a copy of its own)."""

    def expand(node: exp.Expression, scope: dict[str, exp.Expression]) -> exp.Expression:
        with_ = node.args.get("with_") if isinstance(node, exp.Query) else None
        if with_ is not None:
            scope = dict(scope)
            for cte in with_.expressions:
                scope[cte.alias_or_name] = expand(cte.this.copy(), scope)
            node = node.copy()
            node.set("with_", None)
        for table in list(node.find_all(exp.Table)):
            if not table.args.get("db") and table.name in scope:
                alias = exp.TableAlias(this=exp.to_identifier(table.alias_or_name))
                table.replace(exp.Subquery(this=scope[table.name].copy(), alias=alias))
        for sub in list(node.find_all(exp.Query)):
            if sub is not node and sub.args.get("with_") is not None:
                sub.replace(expand(sub, scope))
        return node

    return expand(sqlglot.parse_one(sql, read="athena"), {})


def scans(sql: str) -> Counter[str]:
    """How many times each stored table is read once the WITH references are inlined."""
    return Counter(t.name for t in inlined(sql).find_all(exp.Table) if t.name in STORED_TABLES)


def shape(sql: str) -> tuple[int, int]:
    """(scans of stored tables, joins) once the WITH references are inlined."""
    tree = inlined(sql)
    read = [t for t in tree.find_all(exp.Table) if t.name in STORED_TABLES]
    return len(read), len(list(tree.find_all(exp.Join)))
