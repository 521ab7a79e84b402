-- Support cases: one per request, with whether and when it was answered, its feedback, the asker's
-- reaction to an answer, whether it was asked again within 24 h, and its outcome.
SELECT
    c.*,
    CASE
        WHEN c.feedback IS NOT NULL THEN c.feedback
        WHEN c.reaction = 'satisfied' THEN 'resolved'
        WHEN c.reaction = 'unsatisfied' THEN 'unresolved'
        WHEN c.asked_again THEN 'unresolved'
        ELSE 'unknown'
    END AS outcome
FROM (
    SELECT
        r.*,
        a.answered_at,
        round(date_diff('second', r."date", a.answered_at) / 60.0, 1) AS first_response_minutes,
        f.verdict AS feedback,
        x.reaction,
        coalesce(
            r.topic IS NOT NULL
            AND lead(r."date") OVER (
                PARTITION BY r.group_chat_id, r.user_id, r.topic ORDER BY r."date", r.message_id
            ) <= r."date" + INTERVAL '1' DAY
            AND f.verdict IS DISTINCT FROM 'resolved',
            false
        ) AS asked_again
    FROM requests AS r
    LEFT JOIN (
        SELECT chat_id, request_id, min(answered_at) AS answered_at
        FROM answers
        GROUP BY 1, 2
    ) AS a ON a.chat_id = r.chat_id AND a.request_id = r.message_id
    LEFT JOIN (
        SELECT request_chat_id AS chat_id, request_id, max_by(verdict, last_click) AS verdict
        FROM ratings
        WHERE request_id IS NOT NULL
        GROUP BY 1, 2
    ) AS f ON f.chat_id = r.chat_id AND f.request_id = r.message_id
    LEFT JOIN (
        -- The asker's current reaction (their latest reaction update) on a message that answered.
        SELECT
            answer.chat_id,
            answer.request_id,
            max_by(
                CASE
                    WHEN cardinality(filter(now.reactions, e -> e IN ${satisfied_reactions})) > 0 THEN 'satisfied'
                    WHEN cardinality(filter(now.reactions, e -> e IN ${unsatisfied_reactions})) > 0 THEN 'unsatisfied'
                END,
                now.update_id
            ) AS reaction
        FROM answers AS answer
        JOIN requests AS asked ON asked.chat_id = answer.chat_id AND asked.message_id = answer.request_id
        JOIN (
            SELECT chat_id, message_id, user_id, max_by(reactions, update_id) AS reactions, max(update_id) AS update_id
            FROM telegram_updates
            WHERE update_type = 'message_reaction' AND user_id IS NOT NULL
            GROUP BY 1, 2, 3
        ) AS now
          ON now.chat_id = answer.chat_id AND now.message_id = answer.answer_id AND now.user_id = asked.user_id
        GROUP BY 1, 2
    ) AS x ON x.chat_id = r.chat_id AND x.request_id = r.message_id
) AS c
