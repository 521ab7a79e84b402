-- Support cases: one per request, with whether and when it was answered (first, by staff, by our bot),
-- its feedback, the asker's reaction to an answer, whether it was asked again within 24 h, its outcome,
-- and, for the bot, whether it contained the case (answered it, did not hand it over, no staff needed, not
-- unresolved) or escalated it (handed it over to staff, or staff answered after the bot). A hand-over
-- (bot_handover_patterns) is not an answer: it sets bot_handed_over_at, never answered_at.
SELECT
    c.*,
    CASE
        WHEN c.feedback IS NOT NULL THEN c.feedback
        WHEN c.reaction = 'satisfied' THEN 'resolved'
        WHEN c.reaction = 'unsatisfied' THEN 'unresolved'
        WHEN c.asked_again THEN 'unresolved'
        ELSE 'unknown'
    END AS outcome,
    c.bot_answered_at IS NOT NULL AND c.bot_handed_over_at IS NULL AND c.staff_answered_at IS NULL
        AND coalesce(c.feedback, CASE WHEN c.reaction = 'unsatisfied' THEN 'unresolved' END,
                     CASE WHEN c.asked_again THEN 'unresolved' END, 'open') <> 'unresolved' AS contained_by_bot,
    c.bot_handed_over_at IS NOT NULL OR coalesce(c.bot_answered_at < c.staff_answered_at, false)
        AS escalated_to_staff
FROM (
    SELECT
        r.*,
        a.answered_at,
        round(CAST(date_diff('second', r."date", a.answered_at) AS double) / 60, 1) AS first_response_minutes,
        a.staff_answered_at,
        -- Staff and the bot apart: a median that mixes them says nothing about either.
        round(CAST(date_diff('second', r."date", a.staff_answered_at) AS double) / 60, 1)
            AS staff_first_response_minutes,
        a.bot_answered_at,
        round(CAST(date_diff('second', r."date", a.bot_answered_at) AS double) / 60, 1)
            AS bot_first_response_minutes,
        a.bot_handed_over_at,
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
        SELECT
            chat_id,
            request_id,
            min(CASE WHEN answerer_role <> 'bot_handover' THEN answered_at END) AS answered_at,
            min(CASE WHEN answerer_role = 'staff' THEN answered_at END) AS staff_answered_at,
            min(CASE WHEN answerer_role = 'our_bot' THEN answered_at END) AS bot_answered_at,
            min(CASE WHEN answerer_role = 'bot_handover' THEN answered_at END) AS bot_handed_over_at
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
        -- The asker's current reaction (their latest reaction update) on a staff or bot reply (not a
        -- hand-over) that answers the request (staff_replies: one request per reply), within 7 days.
        SELECT
            reply.request_chat_id AS chat_id,
            reply.request_id,
            max_by(
                CASE
                    WHEN cardinality(filter(now.reactions, e -> e IN ${satisfied_reactions})) > 0 THEN 'satisfied'
                    WHEN cardinality(filter(now.reactions, e -> e IN ${unsatisfied_reactions})) > 0 THEN 'unsatisfied'
                END,
                now.update_id
            ) AS reaction
        FROM (
            SELECT chat_id, message_id, user_id, max_by(reactions, update_id) AS reactions, max(update_id) AS update_id
            FROM telegram_updates
            WHERE update_type = 'message_reaction' AND user_id IS NOT NULL
            GROUP BY 1, 2, 3
        ) AS now
        JOIN staff_replies AS reply
          ON reply.chat_id = now.chat_id
         AND reply.answer_id = now.message_id
         AND reply.user_id = now.user_id
         AND reply.answerer_role <> 'bot_handover'
         AND reply.answered_at <= reply.request_at + INTERVAL '7' DAY
        GROUP BY 1, 2
    ) AS x ON x.chat_id = r.chat_id AND x.request_id = r.message_id
) AS c
