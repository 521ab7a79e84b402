-- Q1. When do users call the bot? Messages per weekday (1 = Monday ... 7 = Sunday) and hour,
-- local time: the data of a heatmap.
SELECT
    day_of_week(local_time) AS weekday,
    hour(local_time) AS hour_of_day,
    count(*) AS messages
FROM user_messages
GROUP BY 1, 2
ORDER BY weekday, hour_of_day
