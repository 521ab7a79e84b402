-- Q1. Volume per local day: customer messages, requests and the customers who wrote.
SELECT
    CAST(local_time AS date) AS day,
    count(*) AS messages,
    count(CASE WHEN command IS NULL AND intent IN ('question', 'problem') THEN 1 END) AS requests,
    count(DISTINCT user_id) AS customers
FROM messages
WHERE role = 'customer'
  AND message_id = album_message_id  -- an album once
GROUP BY 1
ORDER BY day
