-- Automatic topics: every keyword (by stem) of the requests that no rule covers, with how many of those
-- requests share it and its most frequent spelling. A request takes its most shared keyword.
SELECT
    stem,
    sum(uses) AS requests,
    -- The most frequent spelling; ties: the first in alphabetical order.
    min(CASE WHEN uses = top_uses THEN word END) AS label
FROM (
    SELECT stem, word, uses, max(uses) OVER (PARTITION BY stem) AS top_uses
    FROM (
        -- A request's stems are distinct: array_position finds the word of each.
        SELECT k.stem, element_at(r.keywords, array_position(r.keyword_stems, k.stem)) AS word, count(*) AS uses
        FROM request_messages AS r
        CROSS JOIN UNNEST(r.keyword_stems) AS k (stem)
        WHERE r.rule_topic IS NULL
        GROUP BY 1, 2
    )
)
GROUP BY stem
