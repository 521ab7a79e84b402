-- Q3 by topic: requests, the share answered and the median first response, the feedback resolution rate
-- and the share asked again, per topic.
SELECT
    coalesce(topic, '(no topic)') AS topic,
    count(*) AS requests,
    round(100.0 * count(answered_at) / count(*), 1) AS answered_pct,
    round(approx_percentile(first_response_minutes, 0.5), 1) AS median_minutes_to_reply,
    count(feedback) AS rated,
    round(100.0 * count(CASE WHEN feedback = 'resolved' THEN 1 END) / nullif(count(feedback), 0), 1) AS resolution_rate_pct,
    round(100.0 * count(CASE WHEN asked_again THEN 1 END) / count(*), 1) AS asked_again_pct
FROM cases
GROUP BY 1
ORDER BY requests DESC, topic
LIMIT 50
