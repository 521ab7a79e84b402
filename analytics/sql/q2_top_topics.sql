-- Q2. Which problems are most frequent? Topics (an analyst rule's, or the automatic keyword) ranked by
-- requests, then by distinct askers, with an example phrasing. Requests without a topic are left out.
SELECT
    topic,
    count(*) AS requests,
    count(DISTINCT user_id) AS users,
    min_by(text, "date") AS example,
    max(topic_source) AS source
FROM requests
WHERE topic IS NOT NULL
GROUP BY topic
ORDER BY requests DESC, users DESC, topic
LIMIT 50
