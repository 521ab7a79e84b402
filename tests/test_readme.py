"""The README's commands and generated blocks are true."""

import re
from pathlib import Path

import pytest

from devtools.docs import (
    QUERIES_DOC,
    README,
    SCHEMA_DOC,
    block,
    model_schema_markdown,
    queries_markdown,
    queries_table,
    schema_markdown,
)

ROOT = Path(__file__).resolve().parent.parent


def test_readme_quick_start_is_the_two_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_schema_page_is_generated_from_the_schema_module():
    assert block(SCHEMA_DOC.read_text(), "schema") == schema_markdown(), "run `make docs`"
    assert block(SCHEMA_DOC.read_text(), "model-schema") == model_schema_markdown(), "run `make docs`"


def test_readme_is_for_analysts_first_and_short():
    text = README.read_text()
    assert len(text.splitlines()) <= 300
    assert text.index("## Query it") < text.index("## Try it locally")  # querying comes before internals
    for way in ("Athena console", "AWS CLI", "awswrangler", "BI tool", "make sql"):
        assert way in text[: text.index("## Try it locally")], way


def test_every_local_link_of_the_docs_exists():
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\((?!https?:|#|mailto:)([^)#]+)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_every_option_of_the_tools_is_documented():
    """Each command-line option of the demo, make sql, replay, poll and the Athena answers is in the docs."""
    from analyst import athena, sql
    from local import demo, poll, replay

    text = README.read_text()
    for module in (demo, sql, replay, poll, athena):
        source = Path(module.__file__).read_text()
        for option in re.findall(r'add_argument\(\s*"(--[a-z-]+)"', source):
            assert f"`{option}" in text or f"{option} " in text or f"{option}`" in text, (
                module.__name__,
                option,
            )


def test_readme_lists_every_named_query():
    assert block(README.read_text(), "queries") == queries_table(), "run `make docs`"


@pytest.mark.e2e
def test_queries_doc_shows_each_query_and_its_real_answer(answers):
    assert QUERIES_DOC.read_text() == queries_markdown(answers), "run `make docs`"


def test_the_readme_says_how_many_updates_the_demo_replays():
    """`--updates 300` keeps whole scenes, so the demo replays a few more: the README gives the figures."""
    from demo_data.generator import generate
    from local.demo import parse_args

    args = parse_args([])
    conversation = generate(seed=args.seed, updates=args.updates, days=args.days)
    deliveries = len(conversation.deliveries)
    distinct = deliveries - conversation.ledger.redeliveries
    distinct_ids = {delivery.update["update_id"] for delivery in conversation.deliveries}
    assert distinct == len(distinct_ids) >= args.updates
    (row,) = [line for line in README.read_text().splitlines() if line.startswith("| `--updates N`")]
    assert f"| {args.updates} |" in row
    assert f"replays {distinct} (seed {args.seed}), as {deliveries} deliveries" in row
