-- Q2. Most frequent requests: bot commands.
SELECT
    command,
    count(*) AS uses,
    count(DISTINCT user_id) AS users
FROM user_messages
WHERE command IS NOT NULL
GROUP BY 1
ORDER BY uses DESC, command
LIMIT 20
