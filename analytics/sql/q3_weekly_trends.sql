-- Q3 per week: requests, the share answered, the median first response and the feedback resolution rate
-- (no value while nothing is rated) per local week, which starts on Monday.
SELECT
    CAST(date_trunc('week', CAST(local_time AS date)) AS date) AS week,
    count(*) AS requests,
    count(answered_at) AS answered,
    round(100.0 * count(answered_at) / count(*), 1) AS answered_pct,
    round(approx_percentile(first_response_minutes, 0.5), 1) AS median_minutes_to_reply,
    count(feedback) AS rated,
    round(100.0 * count(CASE WHEN feedback = 'resolved' THEN 1 END) / nullif(count(feedback), 0), 1) AS resolution_rate_pct,
    round(100.0 * count(CASE WHEN outcome = 'resolved' THEN 1 END) / count(*), 1) AS resolved_pct
FROM cases
GROUP BY 1
ORDER BY week
