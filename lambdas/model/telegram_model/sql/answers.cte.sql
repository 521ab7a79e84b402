-- Answers: per request and answerer role (staff, our_bot: where the bot's own messages are known;
-- bot_handover: our bot's messages that call staff in, which are not answers but escalations), the
-- first message of that role that answers it within 7 days: a reply to the request or to a later message
-- of its asker (a follow-up: not a request on another topic), or, in a forum topic, the first message of
-- that role in the topic after the request. Computed in time order per asker (window functions), never
-- by pairing every request with every reply.
SELECT chat_id, request_id, answerer_role, min(answered_at) AS answered_at
FROM (
    SELECT
        chat_id,
        message_id AS request_id,
        answerer_role,
        "date",
        CASE
            WHEN topic IS NULL THEN any_follow_up
            ELSE least(coalesce(untopical_follow_up, same_topic_follow_up),
                       coalesce(same_topic_follow_up, untopical_follow_up))
        END AS answered_at
    FROM (
        SELECT
            chat_id, message_id, answerer_role, "date", topic, is_request,
            -- The earliest answer to this message or a later one of the asker: ...
            min(answered_at) OVER (
                PARTITION BY chat_id, user_id, answerer_role ORDER BY "date", is_request DESC
                ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
            ) AS any_follow_up,
            -- ... to one that is not a request on a topic, ...
            min(CASE WHEN NOT asked_is_request OR asked_topic IS NULL THEN answered_at END) OVER (
                PARTITION BY chat_id, user_id, answerer_role ORDER BY "date", is_request DESC
                ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
            ) AS untopical_follow_up,
            -- ... or to a request on the same topic.
            min(CASE WHEN asked_topic IS NOT NULL THEN answered_at END) OVER (
                PARTITION BY chat_id, user_id, answerer_role, coalesce(topic, asked_topic)
                ORDER BY "date", is_request DESC
                ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
            ) AS same_topic_follow_up
        FROM (
            -- Each request once per answerer role, then the replies of that role.
            SELECT r.chat_id, r.user_id, r.message_id, r."date", r.topic, 1 AS is_request, role.answerer_role,
                   false AS asked_is_request, CAST(NULL AS varchar) AS asked_topic,
                   CAST(NULL AS timestamp) AS answered_at
            FROM requests AS r
            CROSS JOIN (VALUES 'staff', 'our_bot', 'bot_handover') AS role (answerer_role)
            UNION ALL
            SELECT chat_id, user_id, asked_id, asked_at, NULL, 0, answerer_role, asked_is_request, asked_topic,
                   answered_at
            FROM staff_replies
        )
    )
    WHERE is_request = 1
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
