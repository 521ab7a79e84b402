"""`make docs`: regenerates the README's generated blocks, so the README stays true.

- the processed schema, from lambdas/etl/telegram_etl/schema.py;
- each named query's SQL and the answer it gives on the sample conversation (run for real).

tests/test_readme.py fails when the README and these generators disagree.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from analytics.queries import named_queries
from local_pipeline.conversation import SETTINGS as SAMPLE_SETTINGS
from telegram_etl.schema import COLUMNS, PARTITION_KEY

README = Path(__file__).resolve().parent.parent / "README.md"


def schema_markdown() -> str:
    lines = ["| column | Athena/Glue type | Arrow type | description |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | `{c.type.glue}` | `{c.type.arrow}` | {c.description} |" for c in COLUMNS]
    lines.append(f"| `{PARTITION_KEY.name}` (partition) | `{PARTITION_KEY.type.glue}` | (the S3 path) | "
                 f"{PARTITION_KEY.description} |")  # fmt: skip
    return "\n".join(lines)


def _rows_markdown(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_(no rows)_"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def queries_markdown(answers: dict[str, list[dict[str, Any]]]) -> str:
    sections = []
    for query in named_queries(SAMPLE_SETTINGS):
        sections.append(
            f"#### `{query.name}`\n\n{query.description}\n\n<details><summary>SQL (Athena)</summary>\n\n"
            f"```sql\n{query.sql}\n```\n\n</details>\n\nAnswer on the sample conversation:\n\n"
            f"{_rows_markdown(answers[query.name])}"
        )
    return "\n\n".join(sections)


def replace_block(text: str, name: str, content: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"README has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda match: match.group(1) + content + "\n" + match.group(2), text)


def block(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.DOTALL)
    if not match:
        raise ValueError(f"README has no {name} block")
    return match.group(1)


def main() -> int:
    from local_pipeline.runner import answer_sample_conversation
    from local_pipeline.s3_server import SeaweedS3

    with tempfile.TemporaryDirectory() as workdir, SeaweedS3(Path(workdir) / "s3") as server:
        answers = answer_sample_conversation(server.client_env(), Path(workdir) / "parquet")
    text = README.read_text()
    text = replace_block(text, "schema", schema_markdown())
    text = replace_block(text, "queries", queries_markdown(answers))
    README.write_text(text)
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
