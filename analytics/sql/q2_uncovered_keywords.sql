-- Q2. What rule to add next: the most shared keywords among the requests that no topic rule covers.
WITH request_keywords AS (
    -- One row per request no rule covers and keyword stem, with its spelling.
    SELECT
        r.user_id,
        r."date",
        r.text,
        k.stem,
        element_at(r.keywords, array_position(r.keyword_stems, k.stem)) AS word
    FROM requests AS r
    CROSS JOIN UNNEST(r.keyword_stems) AS k (stem)
    WHERE r.topic_source IS DISTINCT FROM 'rule'
),
automatic_topics AS (
    -- Each stem: how many requests share it, and its most frequent spelling (ties: alphabetical).
    SELECT stem, sum(uses) AS requests, min(CASE WHEN uses = top_uses THEN word END) AS label
    FROM (
        SELECT stem, word, uses, max(uses) OVER (PARTITION BY stem) AS top_uses
        FROM (
            SELECT stem, word, count(*) AS uses
            FROM request_keywords
            GROUP BY 1, 2
        )
    )
    GROUP BY stem
)
SELECT
    t.label AS keyword,
    t.requests,
    count(DISTINCT k.user_id) AS users,
    min_by(k.text, k."date") AS example
FROM automatic_topics AS t
JOIN request_keywords AS k ON k.stem = t.stem
GROUP BY 1, 2
ORDER BY t.requests DESC, users DESC, keyword
LIMIT 20
