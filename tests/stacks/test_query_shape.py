"""Every deployed named query is a few table reads on Athena (Trino plans each WITH reference again, with
everything under it): at most 6 scans of stored tables and 12 joins once every WITH reference is inlined,
in the synthesized templates of both stages."""

import pytest
import sqlglot
from aws_cdk import App
from aws_cdk.assertions import Template
from sqlglot import exp

from analytics.queries import STORED_TABLES
from analytics.shape import shape
from stacks.config import StageConfig
from stacks.pipeline import add_pipeline
from tests.stacks.conftest import cdk_context

MAX_SCANS, MAX_JOINS = 6, 12


def test_inlining_counts_each_reference_again():
    sql = "WITH a AS (SELECT * FROM db.cases), b AS (SELECT * FROM a JOIN a AS x ON true) SELECT * FROM b JOIN b AS y ON true"
    assert shape(sql) == (4, 3)
    assert shape('SELECT * FROM "db"."messages" AS m JOIN "db"."messages" AS t ON t.x = m.x') == (2, 1)


@pytest.fixture(scope="module", params=["dev", "prod"])
def queries(request, tmp_path_factory) -> dict[str, str]:
    context = cdk_context()
    app = App(context=context, outdir=str(tmp_path_factory.mktemp(f"cdk-{request.param}")))
    built = add_pipeline(app, StageConfig.from_context(request.param, context["stages"][request.param]))
    found = Template.from_stack(built.analytics).find_resources("AWS::Athena::NamedQuery")
    return {q["Properties"]["Name"]: q["Properties"]["QueryString"] for q in found.values()}


def test_every_named_query_is_at_most_6_scans_and_12_joins(queries):
    assert len(queries) == 17  # the 16 before issue 21 item 5, and q2_requests_by_language
    shapes = {name: shape(sql) for name, sql in queries.items()}
    too_big = {name: s for name, s in shapes.items() if s[0] > MAX_SCANS or s[1] > MAX_JOINS}
    assert not too_big, too_big
    assert all(scans >= 1 for scans, _ in shapes.values())


def test_every_console_query_reads_the_stage_database_over_the_last_30_days(queries):
    for name, sql in queries.items():
        tree = sqlglot.parse_one(sql, read="athena")
        stored = [t for t in tree.find_all(exp.Table) if t.name in STORED_TABLES and t.args.get("db")]
        assert stored and {t.db for t in stored} <= {"telegram_analytics_dev", "telegram_analytics_prod"}, (
            name
        )
        assert sql.count(
            "WHERE context_date BETWEEN CAST(current_date - INTERVAL '29' DAY AS varchar)"
        ) == len(stored)
