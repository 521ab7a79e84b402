-- Ratings: a prompt's verdict is its owner's last click on it (clicks by anyone else are ignored). It
-- rates the owner's case: their latest request at or before what the prompt replies to (or the prompt),
-- within 7 days (two requests at the same second: the later message). Its day is the last click's.
SELECT chat_id, group_chat_id, prompt_key, owner_id, verdict, last_click, request_chat_id, request_id, context_date
FROM (
    SELECT
        rating.chat_id,
        rating.group_chat_id,
        rating.prompt_key,
        rating.owner_id,
        rating.verdict,
        rating.last_click,
        rating.context_date,
        -- The rated request's chat and id from one row.
        r.chat_id AS request_chat_id,
        r.message_id AS request_id,
        row_number() OVER (
            PARTITION BY rating.chat_id, rating.group_chat_id, rating.prompt_key, rating.owner_id
            ORDER BY r."date" DESC NULLS LAST, r.message_id DESC, r.chat_id DESC
        ) AS latest
    FROM (
        SELECT
            p.chat_id,
            p.group_chat_id,
            p.prompt_key,
            p.owner_id,
            max(p.rates_requests_until) AS rates_requests_until,
            max_by(
                CASE WHEN c.callback_data IN ${feedback_resolved_values} THEN 'resolved' ELSE 'unresolved' END,
                c.update_id
            ) AS verdict,
            max(c.update_id) AS last_click,
            max_by(c.context_date, c.update_id) AS context_date
        FROM prompts AS p
        JOIN telegram_updates AS c
          ON c.update_type = 'callback_query'
         AND c.chat_id = p.chat_id
         AND c.message_id = p.message_id
         AND c.user_id = p.owner_id
         AND c.callback_data IN ${feedback_values}
        GROUP BY 1, 2, 3, 4
    ) AS rating
    LEFT JOIN requests AS r
      ON r.group_chat_id = rating.group_chat_id
     AND r.user_id = rating.owner_id
     AND r."date" <= rating.rates_requests_until
     AND r."date" >= rating.rates_requests_until - INTERVAL '7' DAY
)
WHERE latest = 1
