"""The three answers as the terminal shows them (make demo, replay, make answers): which named queries, in
what order, under what heading, as plain-text tables."""

from __future__ import annotations

from typing import Any

ANSWERS = [  # (query, what it answers) printed in the terminal, in this order
    ("q1_messages_by_hour", "1. At what hour do customers call? (customer messages, local time)"),
    ("q1_volume_by_day", "   ... and per day"),
    ("q2_top_topics", "2. Which problems are most frequent? (topics of requests)"),
    ("q2_topic_coverage", "   ... how many requests the topic rules cover"),
    ("q2_uncovered_keywords", "   ... keywords of the requests no rule covers (the next rule to add)"),
    ("q2_top_commands", "   ... and which commands"),
    ("q2_requests_by_language", "   ... requests per language (keywords and topics follow it)"),
    ("q3_feedback_resolution_rate", "3. Does the bot resolve them? (feedback buttons, owner's last click)"),
    ("q3_questions_answered", "   ... requests answered by staff or the bot"),
    (
        "q3_bot_containment",
        "   ... answered by our bot (its messages, posted to /outgoing), contained, escalated",
    ),
    ("q3_asked_again_within_24h", "   ... cases asked again on the same topic within 24 h"),
    ("q3_case_outcomes", "   ... how cases end"),
    ("q3_weekly_trends", "   ... per week"),
    ("q3_topics", "   ... per topic"),
]


def table(rows: list[dict[str, Any]], limit: int = 10) -> str:
    if not rows:
        return "  (no rows)"
    columns = list(rows[0])
    cells = [["-" if row[c] is None else str(row[c]) for c in columns] for row in rows[:limit]]  # no "None"
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)
