-- Answers: messages by staff (or by our bot, where its messages are known) that answer a request within
-- 7 days: a reply to the request or to a later message of its asker (a follow-up: not a request on
-- another topic); in a forum topic, also the first staff message in the same topic after the request.
SELECT r.chat_id, r.message_id AS request_id, a.message_id AS answer_id, a."date" AS answered_at
FROM requests AS r
JOIN messages AS asked
  ON asked.chat_id = r.chat_id
 AND asked.user_id = r.user_id
 AND asked."date" >= r."date"
JOIN messages AS a
  ON a.chat_id = asked.chat_id
 AND a.reply_to_message_id = asked.message_id
LEFT JOIN requests AS other
  ON other.chat_id = asked.chat_id
 AND other.message_id = asked.message_id
WHERE a.role IN ('staff', 'our_bot')
  AND (other.topic IS NULL OR r.topic IS NULL OR other.topic = r.topic)
  AND a."date" >= r."date"
  AND a."date" <= r."date" + INTERVAL '7' DAY
UNION ALL
SELECT r.chat_id, r.message_id, min_by(a.message_id, a."date"), min(a."date")
FROM requests AS r
JOIN messages AS a
  ON a.chat_id = r.chat_id
 AND a.topic_thread_id = r.topic_thread_id
 AND a."date" > r."date"
 AND a."date" <= r."date" + INTERVAL '7' DAY
WHERE a.role IN ('staff', 'our_bot')
GROUP BY r.chat_id, r.message_id
