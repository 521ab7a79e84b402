"""`make answers STAGE=...` and `make report STAGE=...`: the named queries in the stage's Athena workgroup.

    python -m analyst.athena answers|report --stage STAGE [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                                   [--lang en|pt-BR] [--out report.html] [--price-per-tb 5.0]

Each named query runs through awswrangler (`wr.athena.read_sql_query`) in the workgroup
telegram-analytics-<stage> over the database telegram_analytics_<stage>, with AWS credentials from the
usual chain (AWS_PROFILE, environment, SSO). The days, --from to --to (default: the last 30 days, today
included), are query parameters on `context_date` (the partition key) in the WITH clause of each table the
query reads (analytics.queries.compose, as deployed with the console's default days), so partition
projection reads no other day and the named queries' names and columns stay as deployed. It prints the
three answers with the bytes each query scanned and its cost, and `report` also writes the HTML report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from analyst.answers import ANSWERS, table
from analyst.report import render
from analyst.report_texts import LANGUAGES, translate
from analytics.queries import NamedQuery, named_queries
from stacks.config import ConfigError, StageConfig
from standins.cli import ArgumentParser, configured_session, explain
from standins.settings import stage_config

PRICE_PER_TB = 5.0  # USD per TB scanned, Athena's list price in most regions
MINIMUM_BYTES = 10 * 1024 * 1024  # Athena bills at least 10 MB per query
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Answer:
    name: str
    rows: Rows
    scanned_bytes: int

    def cost(self, price_per_tb: float = PRICE_PER_TB) -> float:
        """What the query cost: its bytes scanned (at least 10 MB) at the price per TB (10^12 bytes)."""
        return max(self.scanned_bytes, MINIMUM_BYTES) / 1e12 * price_per_tb


def database_name(stage: str) -> str:
    return f"telegram_analytics_{stage.replace('-', '_')}"


def workgroup_name(stage: str) -> str:
    return f"telegram-analytics-{stage}"


DAYS = ("?", "?")  # the first and last day, execution parameters


def athena_queries(database: str) -> list[NamedQuery]:
    """The named queries over the stage's database, the days as ? parameters (first day, last day)."""
    return named_queries(database=database, days=DAYS)


def parameters(sql: str, first: date, last: date) -> list[str]:
    """The ? values of a query from athena_queries: the days once per table it reads (SQL literals)."""
    return [f"'{first.isoformat()}'", f"'{last.isoformat()}'"] * sql.count("BETWEEN ? AND ?")


def plain(value: Any) -> Any:
    """A pandas/numpy cell as a Python value: NaN and NaT are None, numpy scalars Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and value != value:  # NaN
        return None
    if type(value).__name__ == "NaTType":
        return None
    if isinstance(value, datetime) and type(value).__name__ == "Timestamp":
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return float(value)
    return value


Runner = Callable[[str, list[str]], tuple[Rows, int]]


def wrangler_runner(stage: str, boto3_session: Any = None) -> Runner:
    """Runs one query with awswrangler in the stage's workgroup; its rows and the bytes it scanned."""
    import awswrangler as wr  # only `make answers` / `make report STAGE=` need it (requirements-aws.txt)

    def run(sql: str, params: list[str]) -> tuple[Rows, int]:
        frame = wr.athena.read_sql_query(
            sql, database=database_name(stage), workgroup=workgroup_name(stage), ctas_approach=False,
            params=params, paramstyle="qmark", boto3_session=boto3_session,
        )  # fmt: skip
        statistics = frame.query_metadata.get("Statistics", {})
        rows = [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]
        return rows, int(statistics.get("DataScannedInBytes", 0))

    return run


def answer_all(
    queries: Sequence[NamedQuery], run: Runner, *, database: str, first: date, last: date
) -> dict[str, Answer]:
    """Every named query (from athena_queries) over the days first..last (Athena execution parameters)."""
    answers = {}
    for query in queries:
        rows, scanned = run(query.sql, parameters(query.sql, first, last))
        answers[query.name] = Answer(query.name, rows, scanned)
    return answers


def megabytes(count: int) -> str:
    return f"{count / 1e6:,.1f} MB"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(prog="python -m analyst.athena", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["answers", "report"])
    parser.add_argument("--stage", required=True, help="the deployed stage (cdk.json), e.g. dev or prod")
    parser.add_argument(
        "--from", dest="first", type=date.fromisoformat, help="first day (default: 29 days ago)"
    )
    parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last day (default: today)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language (default en)")
    parser.add_argument("--out", type=Path, help="the report's path (default .local/<stage>/report.html)")
    parser.add_argument("--price-per-tb", type=float, default=PRICE_PER_TB, help="USD per TB (default 5)")
    args = parser.parse_args(argv)
    args.last = args.last or date.today()
    args.first = args.first or args.last - timedelta(days=29)
    if args.first > args.last:
        parser.error("--from is after --to")
    return args


def main(argv: list[str] | None = None, run: Runner | None = None) -> int:
    args = parse_args(argv)
    tool = f"make {args.action}"
    try:
        settings: StageConfig = stage_config(args.stage)
    except ConfigError as error:
        print(f"{tool}: {error}", file=sys.stderr)
        return 2
    out = args.out or Path(".local") / args.stage / "report.html"
    queries = [q for q in athena_queries(database_name(args.stage)) if not q.name.startswith("setup_")]
    try:
        if args.action == "report":
            out.parent.mkdir(parents=True, exist_ok=True)  # before the queries are paid for
    except OSError as error:
        print(f"{tool}: cannot write the report in {out.parent}: {error.strerror or error}", file=sys.stderr)
        return 1
    try:
        # Region and credentials before anything is printed: no AWS setup is one line, not a traceback.
        runner = run or wrangler_runner(args.stage, configured_session())
        print(f"Athena: workgroup {workgroup_name(args.stage)}, database {database_name(args.stage)}, "
              f"days {args.first} to {args.last} ({settings.timezone})")  # fmt: skip
        answers = answer_all(
            queries, runner, database=database_name(args.stage), first=args.first, last=args.last
        )
    except Exception as error:
        line = explain(error, args.stage)
        if line is None:
            raise  # a bug: its traceback is what to report
        print(f"{tool}: {line}", file=sys.stderr)
        return 1
    for name, heading in ANSWERS:
        if name in answers:
            print(f"\n{heading}  [{name}]")
            print(table(answers[name].rows))
    print("\nBytes scanned and cost per query (Athena bills at least 10 MB per query, "
          f"${args.price_per_tb:g} per TB):")  # fmt: skip
    total = 0.0
    for answer in answers.values():
        total += answer.cost(args.price_per_tb)
        cost = answer.cost(args.price_per_tb)
        print(f"  {answer.name:<32} {megabytes(answer.scanned_bytes):>12}  ${cost:.6f}")
    print(f"  {'total':<32} {megabytes(sum(a.scanned_bytes for a in answers.values())):>12}  ${total:.6f}")
    if args.action == "report":
        subtitle = translate(
            args.lang, "bot_subtitle", first=args.first, last=args.last, timezone=settings.timezone
        )
        rows = {name: answer.rows for name, answer in answers.items()}
        page = render(rows, subtitle=subtitle, timezone=settings.timezone,
                      staff_known=bool(settings.staff_user_ids), lang=args.lang)  # fmt: skip
        try:
            out.write_text(page, encoding="utf-8")
        except OSError as error:
            print(f"{tool}: cannot write {out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"\nReport: {out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
