-- Staff replies: each message by staff (or our bot) that replies to a customer's message, with who
-- answered (bot_handover: our bot calling staff in, bot_handover_patterns), and that message's author, time
-- and, when it is a request, its topic.
SELECT
    asked.chat_id,
    asked.user_id,
    asked.message_id AS asked_id,
    asked."date" AS asked_at,
    other.message_id IS NOT NULL AS asked_is_request,
    other.topic AS asked_topic,
    CASE
        WHEN a.role = 'our_bot' AND coalesce(regexp_like(a.normalized_text, ${bot_handover_pattern}), false)
            THEN 'bot_handover'
        ELSE a.role
    END AS answerer_role,
    a.message_id AS answer_id,
    a."date" AS answered_at
FROM messages AS a
JOIN messages AS asked
  ON asked.chat_id = a.chat_id
 AND asked.message_id = a.reply_to_message_id
LEFT JOIN requests AS other
  ON other.chat_id = asked.chat_id
 AND other.message_id = asked.message_id
WHERE a.role IN ('staff', 'our_bot')
  AND asked.role = 'customer'
