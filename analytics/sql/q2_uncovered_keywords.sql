-- Q2. What rule to add next: the most shared keywords among the requests that no topic rule covers.
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
