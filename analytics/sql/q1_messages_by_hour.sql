-- Q1. When do customers call? Customer messages (commands included; an album or an edited message once)
-- and requests per hour of the day, local time, busiest first.
SELECT
    hour(local_time) AS hour_of_day,
    count(*) AS messages,
    count(DISTINCT user_id) AS users,
    count(CASE WHEN command IS NULL AND intent IN ('question', 'problem') THEN 1 END) AS requests
FROM messages
WHERE role = 'customer'
  AND message_id = album_message_id  -- an album once
GROUP BY 1
ORDER BY messages DESC, hour_of_day
