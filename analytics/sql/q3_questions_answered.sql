-- Q3. Requests answered within 7 days and the median minutes to the first answer: by anyone (staff or our
-- bot, where its messages are known), and by staff and by the bot apart (a case both answered counts in
-- each; a bot hand-over is no answer), each median over the cases that one answered.
SELECT
    count(*) AS questions,
    count(first_response_minutes) AS answered,
    round(100.0 * count(first_response_minutes) / nullif(count(*), 0), 1) AS answered_pct,
    -- Each median: the middle answered case, or the mean of the two middle ones.
    round(avg(CASE WHEN any_position IN (floor((answered + 1) / 2.0), ceil((answered + 1) / 2.0))
                   THEN first_response_minutes END), 1) AS median_minutes_to_reply,
    count(staff_first_response_minutes) AS answered_by_staff,
    count(bot_first_response_minutes) AS answered_by_bot,
    round(avg(CASE WHEN staff_position IN (floor((by_staff + 1) / 2.0), ceil((by_staff + 1) / 2.0))
                   THEN staff_first_response_minutes END), 1) AS median_minutes_to_staff,
    round(avg(CASE WHEN bot_position IN (floor((by_bot + 1) / 2.0), ceil((by_bot + 1) / 2.0))
                   THEN bot_first_response_minutes END), 1) AS median_minutes_to_bot
FROM (
    SELECT
        first_response_minutes,
        staff_first_response_minutes,
        bot_first_response_minutes,
        -- Positions among the answered cases (the unanswered ones, null, are numbered apart).
        row_number() OVER (PARTITION BY first_response_minutes IS NULL ORDER BY first_response_minutes)
            AS any_position,
        row_number() OVER (PARTITION BY staff_first_response_minutes IS NULL ORDER BY staff_first_response_minutes)
            AS staff_position,
        row_number() OVER (PARTITION BY bot_first_response_minutes IS NULL ORDER BY bot_first_response_minutes)
            AS bot_position,
        count(first_response_minutes) OVER () AS answered,
        count(staff_first_response_minutes) OVER () AS by_staff,
        count(bot_first_response_minutes) OVER () AS by_bot
    FROM cases
)
