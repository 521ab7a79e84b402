-- Setup. Who is staff? People who reply to others most: candidates for the staff_user_ids setting.
SELECT
    a.user_id,
    max(a.user_username) AS username,
    count(*) AS replies_to_others,
    count(DISTINCT t.user_id) AS people_answered,
    max(a.role) AS current_role
FROM messages AS a
JOIN messages AS t ON t.chat_id = a.chat_id AND t.message_id = a.reply_to_message_id
WHERE t.user_id <> a.user_id
  AND a.role IN ('customer', 'staff')
  AND t.role = 'customer'
GROUP BY 1
ORDER BY replies_to_others DESC, people_answered DESC, a.user_id
LIMIT 20
