-- Q2, drill-down. The phrasings behind the topics: requests by normalized text (lower case, no accents,
-- punctuation, greeting or long numbers), with their topic.
SELECT
    normalized_text AS phrasing,
    max(topic) AS topic,
    count(*) AS times_asked,
    count(DISTINCT user_id) AS users
FROM requests
WHERE normalized_text <> ''
GROUP BY 1
ORDER BY times_asked DESC, users DESC, phrasing
LIMIT 50
