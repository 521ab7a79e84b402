-- Q2. Which commands customers use: messages that start with one of our bot's commands.
SELECT
    command,
    count(*) AS uses,
    count(DISTINCT user_id) AS users
FROM messages
WHERE role = 'customer'
  AND message_id = album_message_id  -- an album once
  AND is_our_command
GROUP BY 1
ORDER BY uses DESC, command
LIMIT 20
