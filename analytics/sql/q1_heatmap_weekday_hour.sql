-- Q1. When do customers call? Customer messages per weekday (1 = Monday ... 7 = Sunday) and local hour,
-- as an average per day: the messages divided by how many of that weekday the data spans.
WITH span AS (
    SELECT CAST(min(local_time) AS date) AS first_day, CAST(max(local_time) AS date) AS last_day
    FROM messages
),
weekdays AS (
    SELECT day_of_week(d) AS weekday, count(*) AS days
    FROM span
    CROSS JOIN UNNEST(sequence(first_day, last_day, INTERVAL '1' DAY)) AS t (d)
    GROUP BY 1
)
SELECT
    m.weekday,
    m.hour_of_day,
    m.messages,
    w.days,
    round(CAST(m.messages AS double) / w.days, 2) AS messages_per_day
FROM (
    SELECT day_of_week(local_time) AS weekday, hour(local_time) AS hour_of_day, count(*) AS messages
    FROM messages
    WHERE role = 'customer'
      AND message_id = album_message_id  -- an album once
    GROUP BY 1, 2
) AS m
JOIN weekdays AS w ON w.weekday = m.weekday
ORDER BY m.weekday, m.hour_of_day
