-- Ratings: one verdict per prompt and person, their last click. On a prompt that replies to a customer's
-- message only that customer (its owner) rates, their case being their latest request at or before the
-- replied message. On any other prompt, a click counts when the clicker is a customer with a request in
-- the prompt's group and forum topic within the 7 days before the prompt, and it rates their latest such
-- request: in a busy group the asker a prompt follows up is rarely the latest one to ask. Clicks by staff,
-- by non-owners, or by people with no such request are ignored. Its day is the last click's.
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
        rating.owned,
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
            c.user_id AS owner_id,
            p.owner_id IS NOT NULL AS owned,
            max(p.topic_thread_id) AS topic_thread_id,
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
         AND c.callback_data IN ${feedback_values}
         AND (
             c.user_id = p.owner_id
             -- Staff (set by the ETL, as for messages) never rate; bots cannot click.
             OR (p.owner_id IS NULL AND NOT coalesce(c.user_is_staff, c.user_id IN ${staff_user_ids}, false))
         )
        GROUP BY 1, 2, 3, 4, 5
    ) AS rating
    LEFT JOIN requests AS r
      ON r.group_chat_id = rating.group_chat_id
     AND r.user_id = rating.owner_id
     AND r."date" <= rating.rates_requests_until
     AND r."date" >= rating.rates_requests_until - INTERVAL '7' DAY
     AND (rating.owned OR coalesce(r.topic_thread_id, -1) = coalesce(rating.topic_thread_id, -1))
)
WHERE latest = 1
  -- An owner's verdict stands without a request to rate; anyone else's needs one.
  AND (owned OR request_id IS NOT NULL)
