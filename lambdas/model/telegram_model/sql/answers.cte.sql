-- Answers: per request and answerer role (staff, our_bot: where the bot's own messages are known;
-- bot_handover: our bot's messages that call staff in, which are not answers but escalations), the
-- first message of that role that answers it within 7 days: a reply that answers it (staff_replies: a
-- reply to the request, or to a follow-up of its asker after it and before their next request), or, in a
-- forum topic, the first message of that role in the topic after the request.
SELECT chat_id, request_id, answerer_role, min(answered_at) AS answered_at
FROM (
    SELECT request_chat_id AS chat_id, request_id, answerer_role, request_at AS "date", answered_at
    FROM staff_replies
    UNION ALL
    SELECT chat_id, message_id, answerer_role, "date", answered_at
    FROM (
        -- In each forum topic, in time order, the first message of each role after each request.
        SELECT
            chat_id,
            message_id,
            answerer_role,
            is_request,
            "date",
            min(CASE WHEN is_request = 0 THEN "date" END) OVER (
                PARTITION BY chat_id, topic_thread_id, answerer_role ORDER BY "date", is_request
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
            ) AS answered_at
        FROM (
            SELECT r.chat_id, r.topic_thread_id, r.message_id, r."date", 1 AS is_request, role.answerer_role
            FROM requests AS r
            CROSS JOIN (VALUES 'staff', 'our_bot', 'bot_handover') AS role (answerer_role)
            WHERE r.topic_thread_id IS NOT NULL
            UNION ALL
            SELECT chat_id, topic_thread_id, message_id, "date", 0,
                   CASE
                       WHEN role = 'our_bot'
                            AND coalesce(regexp_like(normalized_text, ${bot_handover_pattern}), false)
                           THEN 'bot_handover'
                       ELSE role
                   END
            FROM messages
            WHERE role IN ('staff', 'our_bot')
              AND topic_thread_id IS NOT NULL
        )
    )
    WHERE is_request = 1
)
WHERE answered_at <= "date" + INTERVAL '7' DAY
GROUP BY chat_id, request_id, answerer_role
