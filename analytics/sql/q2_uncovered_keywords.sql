-- Q2. What rule to add next: the most shared keywords among the requests that no topic rule covers.
SELECT
    t.label AS keyword,
    t.requests,
    count(DISTINCT r.user_id) AS users,
    min_by(r.text, r."date") AS example
FROM automatic_topics AS t
JOIN request_messages AS r ON r.rule_topic IS NULL AND contains(r.keyword_stems, t.stem)
GROUP BY 1, 2
ORDER BY t.requests DESC, users DESC, keyword
LIMIT 20
