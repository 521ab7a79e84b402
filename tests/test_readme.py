"""The README's commands and generated blocks are true."""

from pathlib import Path

import pytest

from local_pipeline.docs import QUERIES_DOC, README, block, queries_markdown, queries_table, schema_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_readme_quick_start_is_the_two_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_schema_is_generated_from_the_schema_module():
    assert block(README.read_text(), "schema") == schema_markdown(), "run `make docs`"


def test_readme_lists_every_named_query():
    assert block(README.read_text(), "queries") == queries_table(), "run `make docs`"


@pytest.mark.e2e
def test_queries_doc_shows_each_query_and_its_real_answer(answers):
    assert QUERIES_DOC.read_text() == queries_markdown(answers), "run `make docs`"
