-- Ratings: a prompt's verdict is its owner's last click on it (clicks by anyone else are ignored). It
-- rates the owner's case: their latest request at or before what the prompt replies to (or the prompt),
-- within 7 days.
SELECT
    rating.chat_id,
    rating.group_chat_id,
    rating.prompt_key,
    rating.owner_id,
    rating.verdict,
    rating.last_click,
    max_by(r.chat_id, r."date") AS request_chat_id,
    max_by(r.message_id, r."date") AS request_id
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
        max(c.update_id) AS last_click
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
GROUP BY 1, 2, 3, 4, 5, 6
