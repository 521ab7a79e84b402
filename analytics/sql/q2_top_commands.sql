-- Q2. Which commands customers use: messages that start with one of our bot's commands.
SELECT
    command,
    count(*) AS uses,
    count(DISTINCT user_id) AS users
FROM customer_messages
WHERE is_our_command
GROUP BY 1
ORDER BY uses DESC, command
LIMIT 20
