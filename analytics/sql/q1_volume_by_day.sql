-- Q1. Volume per local day: messages and active users.
SELECT
    CAST(local_time AS date) AS day,
    count(*) AS messages,
    count(DISTINCT user_id) AS active_users
FROM user_messages
GROUP BY 1
ORDER BY day
