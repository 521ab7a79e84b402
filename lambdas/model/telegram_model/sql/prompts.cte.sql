-- Feedback prompts: each message with feedback buttons that was clicked, where it is (its group and forum
-- topic), its key and its owner. A prompt that replies to a customer's message belongs to that customer
-- and is keyed by that message; any other prompt has no owner (owner_id null: who may rate it is the
-- ratings layer's rule) and is keyed by itself.
SELECT
    p.chat_id,
    coalesce(cm.new_chat_id, p.chat_id) AS group_chat_id,
    p.message_id,
    p.topic_thread_id,
    coalesce(replied.message_id, p.message_id) AS prompt_key,
    replied.user_id AS owner_id,
    -- The case rated is a request at or before this moment: what the prompt replies to, else the prompt.
    coalesce(replied."date", p."date") AS rates_requests_until
FROM (
    -- A prompt's clicks all carry the same message (its reply, date and topic do not change).
    SELECT DISTINCT
        chat_id,
        message_id,
        reply_to_message_id,
        "date",
        CASE WHEN is_topic_message THEN message_thread_id END AS topic_thread_id
    FROM telegram_updates
    WHERE update_type = 'callback_query'
      AND callback_data IN ${feedback_values}
      AND chat_id IS NOT NULL
      AND message_id IS NOT NULL
      AND "date" IS NOT NULL
) AS p
LEFT JOIN chat_migrations AS cm ON cm.old_chat_id = p.chat_id
LEFT JOIN messages AS replied
  ON replied.chat_id = p.chat_id
 AND replied.message_id = p.reply_to_message_id
 AND replied.role = 'customer'
