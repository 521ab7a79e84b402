-- Q3 per week: requests, the share answered and the median first response by anyone, and by staff and by
-- the bot apart (a case both answered counts in each; a bot hand-over is no answer), and the feedback
-- resolution rate (no value while nothing is rated) per local week, which starts on Monday.
SELECT
    week,
    count(*) AS requests,
    count(answered_at) AS answered,
    round(100.0 * count(answered_at) / count(*), 1) AS answered_pct,
    -- Each median: the week's middle answered case, or the mean of the two middle ones.
    round(avg(CASE WHEN any_position IN (floor((by_any + 1) / 2.0), ceil((by_any + 1) / 2.0))
                   THEN first_response_minutes END), 1) AS median_minutes_to_reply,
    count(feedback) AS rated,
    round(100.0 * count(CASE WHEN feedback = 'resolved' THEN 1 END) / nullif(count(feedback), 0), 1) AS resolution_rate_pct,
    round(100.0 * count(CASE WHEN outcome = 'resolved' THEN 1 END) / count(*), 1) AS resolved_pct,
    count(staff_first_response_minutes) AS answered_by_staff,
    count(bot_first_response_minutes) AS answered_by_bot,
    round(100.0 * count(staff_first_response_minutes) / count(*), 1) AS answered_by_staff_pct,
    round(100.0 * count(bot_first_response_minutes) / count(*), 1) AS answered_by_bot_pct,
    round(avg(CASE WHEN staff_position IN (floor((by_staff + 1) / 2.0), ceil((by_staff + 1) / 2.0))
                   THEN staff_first_response_minutes END), 1) AS median_minutes_to_staff,
    round(avg(CASE WHEN bot_position IN (floor((by_bot + 1) / 2.0), ceil((by_bot + 1) / 2.0))
                   THEN bot_first_response_minutes END), 1) AS median_minutes_to_bot
FROM (
    SELECT
        week,
        answered_at,
        first_response_minutes,
        staff_first_response_minutes,
        bot_first_response_minutes,
        feedback,
        outcome,
        -- Positions among the week's answered cases (the unanswered ones, null, are numbered apart).
        row_number() OVER (PARTITION BY week, first_response_minutes IS NULL ORDER BY first_response_minutes)
            AS any_position,
        row_number() OVER (PARTITION BY week, staff_first_response_minutes IS NULL
                           ORDER BY staff_first_response_minutes) AS staff_position,
        row_number() OVER (PARTITION BY week, bot_first_response_minutes IS NULL
                           ORDER BY bot_first_response_minutes) AS bot_position,
        count(first_response_minutes) OVER (PARTITION BY week) AS by_any,
        count(staff_first_response_minutes) OVER (PARTITION BY week) AS by_staff,
        count(bot_first_response_minutes) OVER (PARTITION BY week) AS by_bot
    FROM (
        SELECT
            CAST(date_trunc('week', CAST(local_time AS date)) AS date) AS week,
            answered_at,
            first_response_minutes,
            staff_first_response_minutes,
            bot_first_response_minutes,
            feedback,
            outcome
        FROM cases
    )
)
GROUP BY 1
ORDER BY week
