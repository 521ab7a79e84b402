"""ops.verify_sql: a deployed named query narrowed to the verification day, whatever form its window has."""

from datetime import date

import pytest

from analytics.queries import DEFAULT_DAYS, STORED_TABLES, compose, console_queries, named_queries
from ops.verify_sql import NoWindow, for_day, replace_window

DAY = date(2024, 1, 1)


@pytest.mark.parametrize(
    ("sql", "narrowed"),
    [
        (
            "SELECT * FROM messages WHERE context_date BETWEEN '2025-01-01' AND '2025-01-31' AND chat_id = 1",
            "SELECT * FROM messages WHERE context_date = '2024-01-01' AND chat_id = 1",
        ),
        (
            "SELECT * FROM cases c\nWHERE c.context_date >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')\n"
            "GROUP BY 1",
            "SELECT * FROM cases c\nWHERE c.context_date = '2024-01-01'\nGROUP BY 1",
        ),
        (
            'SELECT * FROM r WHERE ("context_date" >= ? AND "context_date" < ?) ORDER BY 1',
            "SELECT * FROM r WHERE (\"context_date\" = '2024-01-01' AND \"context_date\" = '2024-01-01') ORDER BY 1",
        ),
        (
            "SELECT * FROM r WHERE context_date IN ('2025-01-01', '2025-01-02' ) LIMIT 5",
            "SELECT * FROM r WHERE context_date = '2024-01-01' LIMIT 5",
        ),
        (
            "SELECT context_date, count(*) FROM r WHERE context_date BETWEEN CAST(current_date - INTERVAL '7' DAY AS varchar) "
            "AND CAST(current_date AS varchar) GROUP BY context_date",
            "SELECT context_date, count(*) FROM r WHERE context_date = '2024-01-01' GROUP BY context_date",
        ),
    ],
)
def test_each_window_form_becomes_the_day(sql, narrowed):
    assert replace_window(sql, DAY)[0] == narrowed


def test_comments_and_strings_naming_context_date_are_left_alone():
    sql = "-- context_date BETWEEN a AND b\nSELECT 'context_date = x' AS note FROM messages WHERE context_date = '2025-02-03'"
    assert replace_window(sql, DAY) == (
        "-- context_date BETWEEN a AND b\nSELECT 'context_date = x' AS note FROM messages WHERE context_date = '2024-01-01'",
        1,
    )


def test_the_console_form_of_a_window_becomes_the_day_comment_kept():
    """analytics.queries.compose's WITH clause per table read, as the analytics stack deploys it."""
    sql = "-- Q. cases\nSELECT count(*) FROM cases JOIN requests USING (request_id)"
    deployed = compose(sql, database="telegram_analytics_dev", days=DEFAULT_DAYS)
    assert "CAST(current_date - INTERVAL '29' DAY AS varchar)" in deployed
    assert for_day(deployed, DAY, "telegram_analytics_dev") == (
        "-- Q. cases\n"
        'WITH requests AS (\n    SELECT * FROM "telegram_analytics_dev"."requests"\n'
        "    WHERE context_date = '2024-01-01'  -- the days read: edit here\n),\n"
        'cases AS (\n    SELECT * FROM "telegram_analytics_dev"."cases"\n'
        "    WHERE context_date = '2024-01-01'  -- the days read: edit here\n)\n"
        "SELECT count(*) FROM cases JOIN requests USING (request_id)"
    )


def test_a_query_without_a_window_is_refused_whatever_it_reads():
    for sql in (
        "SELECT count(*) FROM cases WHERE topic IS NOT NULL",
        "SELECT count(*) FROM telegram_updates",
    ):
        with pytest.raises(NoWindow, match="no recognisable context_date window"):
            for_day(sql, DAY, "db")
    with pytest.raises(NoWindow, match="BETWEEN without AND"):
        replace_window("SELECT * FROM cases WHERE context_date BETWEEN '2025-01-01'", DAY)


def test_every_deployed_named_query_reads_each_of_its_tables_on_the_day_only():
    """Each table a deployed query reads (the model's and telegram_updates) is one WITH clause whose
    window becomes the day, and nothing else of the query changes."""
    local = {query.name: query.sql for query in named_queries()}
    for query in console_queries("telegram_analytics_dev"):
        narrowed, count = replace_window(query.sql, DAY)
        read = [name for name in STORED_TABLES if f'"telegram_analytics_dev"."{name}"' in query.sql]
        assert read and count == len(read), query.name
        marked = compose(local[query.name], database="telegram_analytics_dev", days=("FIRST", "LAST"))
        assert narrowed == marked.replace("BETWEEN FIRST AND LAST", "= '2024-01-01'"), query.name
        assert for_day(query.sql, DAY, "telegram_analytics_dev") == narrowed
