"""ops.verify_sql: a deployed named query narrowed to the verification day, whatever form its window has."""

from datetime import date

import pytest

from analytics.queries import named_queries
from demo_data.conversation import SETTINGS
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


def test_a_query_of_telegram_updates_without_a_window_is_narrowed_by_a_with_clause():
    sql = "-- Q. volume\nSELECT count(*) FROM telegram_updates"
    assert for_day(sql, DAY, "telegram_analytics_dev") == (
        "-- Q. volume\nWITH telegram_updates AS (\n"
        '    SELECT * FROM "telegram_analytics_dev"."telegram_updates"\n'
        "    WHERE context_date = '2024-01-01'\n)\nSELECT count(*) FROM telegram_updates"
    )


def test_a_query_of_other_tables_without_a_window_is_refused():
    with pytest.raises(NoWindow, match="no recognisable context_date window"):
        for_day("SELECT count(*) FROM cases WHERE topic IS NOT NULL", DAY, "db")
    with pytest.raises(NoWindow, match="BETWEEN without AND"):
        replace_window("SELECT * FROM cases WHERE context_date BETWEEN '2025-01-01'", DAY)


def test_every_named_query_of_the_repository_is_narrowed_to_the_day():
    for query in named_queries(SETTINGS):
        narrowed = for_day(query.sql, DAY, "telegram_analytics_dev")
        assert "WHERE context_date = '2024-01-01'" in narrowed, query.name
