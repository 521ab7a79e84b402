-- Q3. Requests answered by staff (or our bot) within 7 days, and the median minutes to the first answer.
SELECT
    count(*) AS questions,
    count(answered_at) AS answered,
    round(100.0 * count(answered_at) / nullif(count(*), 0), 1) AS answered_pct,
    -- The median: the middle answered case, or the mean of the two middle ones.
    round(avg(CASE WHEN answered_at IS NOT NULL AND position IN (floor((answered + 1) / 2.0), ceil((answered + 1) / 2.0))
                   THEN first_response_minutes END), 1) AS median_minutes_to_reply
FROM (
    SELECT
        answered_at,
        first_response_minutes,
        row_number() OVER (PARTITION BY answered_at IS NULL ORDER BY first_response_minutes) AS position,
        count(answered_at) OVER () AS answered
    FROM cases
)
