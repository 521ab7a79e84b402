-- Staff replies: each message by staff (or our bot) that replies to a customer's message, with who
-- answered (bot_handover: our bot calling staff in, bot_handover_patterns) and the one request it
-- answers: the replied message when it is a request; else (a reply to a follow-up, a non-request message
-- of the asker) the asker's latest request before that message. A reply to a later request answers that
-- request only. Found in time order per asker (a window), never by pairing replies with every request.
SELECT
    chat_id,
    user_id,
    message_id AS asked_id,
    "date" AS asked_at,
    answerer_role,
    answer_id,
    answered_at,
    request_chat_id,
    request_id,
    request_at
FROM (
    SELECT
        *,
        -- The asker's latest request at or before this message (itself, when it is a request); the three
        -- come from one row, as a request row has all three.
        last_value(r_chat_id) IGNORE NULLS OVER (
            PARTITION BY group_chat_id, user_id ORDER BY "date", message_id, is_reply
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS request_chat_id,
        last_value(r_id) IGNORE NULLS OVER (
            PARTITION BY group_chat_id, user_id ORDER BY "date", message_id, is_reply
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS request_id,
        last_value(r_at) IGNORE NULLS OVER (
            PARTITION BY group_chat_id, user_id ORDER BY "date", message_id, is_reply
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS request_at
    FROM (
        SELECT chat_id, group_chat_id, user_id, message_id, "date", 0 AS is_reply,
               chat_id AS r_chat_id, message_id AS r_id, "date" AS r_at,
               CAST(NULL AS varchar) AS answerer_role, CAST(NULL AS bigint) AS answer_id,
               CAST(NULL AS timestamp) AS answered_at
        FROM requests
        UNION ALL
        SELECT
            asked.chat_id, asked.group_chat_id, asked.user_id, asked.message_id, asked."date", 1,
            NULL, NULL, NULL,
            CASE
                WHEN a.role = 'our_bot' AND coalesce(regexp_like(a.normalized_text, ${bot_handover_pattern}), false)
                    THEN 'bot_handover'
                ELSE a.role
            END,
            a.message_id,
            a."date"
        FROM messages AS a
        JOIN messages AS asked
          ON asked.chat_id = a.chat_id
         AND asked.message_id = a.reply_to_message_id
        WHERE a.role IN ('staff', 'our_bot')
          AND asked.role = 'customer'
    )
)
WHERE is_reply = 1
  AND request_id IS NOT NULL
