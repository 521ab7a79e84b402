-- Feedback prompts: each message with feedback buttons that was clicked, its owner and its key. A prompt
-- that replies to a customer's message belongs to that customer and is keyed by that message; any other
-- prompt belongs to the customer who sent the latest request or command before it (in the group, or in
-- its forum topic) and is keyed by itself.
SELECT
    p.chat_id,
    p.group_chat_id,
    p.message_id,
    coalesce(replied.message_id, p.message_id) AS prompt_key,
    coalesce(replied.user_id, p.latest_asker_id) AS owner_id,
    -- The owner's case is their latest request at or before this moment.
    coalesce(replied."date", p."date") AS rates_requests_until
FROM (
    SELECT
        chat_id, group_chat_id, message_id, reply_to_message_id, "date", is_prompt,
        last_value(asker_id) IGNORE NULLS OVER (
            PARTITION BY group_chat_id, topic_thread_id ORDER BY "date", is_prompt, message_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS latest_asker_id
    FROM (
        SELECT DISTINCT
            c.chat_id, coalesce(cm.new_chat_id, c.chat_id) AS group_chat_id, c.message_id, c.reply_to_message_id,
            c."date", 1 AS is_prompt, CAST(NULL AS bigint) AS asker_id,
            CASE WHEN c.is_topic_message THEN c.message_thread_id END AS topic_thread_id
        FROM telegram_updates AS c
        LEFT JOIN chat_migrations AS cm ON cm.old_chat_id = c.chat_id
        WHERE c.update_type = 'callback_query'
          AND c.callback_data IN ${feedback_values}
          AND c.chat_id IS NOT NULL
          AND c.message_id IS NOT NULL
          AND c."date" IS NOT NULL
        UNION ALL
        SELECT chat_id, group_chat_id, message_id, NULL, "date", 0, user_id, topic_thread_id
        FROM customer_messages
        WHERE is_our_command OR (command IS NULL AND intent IN ('question', 'problem'))
    )
) AS p
LEFT JOIN messages AS replied
  ON replied.chat_id = p.chat_id
 AND replied.message_id = p.reply_to_message_id
 AND replied.role = 'customer'
WHERE p.is_prompt = 1
