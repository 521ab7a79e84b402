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
        SELECT stem, word, sum(uses) AS uses
        FROM keyword_counts
        GROUP BY 1, 2
    )
)
GROUP BY stem
