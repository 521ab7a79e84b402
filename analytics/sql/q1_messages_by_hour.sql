-- Q1. When do users call the bot? Messages per hour of the day (local time), busiest first.
SELECT
    hour(local_time) AS hour_of_day,
    count(*) AS messages,
    count(DISTINCT user_id) AS users
FROM user_messages
GROUP BY 1
ORDER BY messages DESC, hour_of_day
