-- Q3. Questions that got a reply from someone else (a message with reply_to_message_id pointing at
-- the question), and the median time to the first such reply.
WITH first_replies AS (
    SELECT
        q.update_id,
        min(r."date") AS replied_at
    FROM questions AS q
    JOIN user_messages AS r
      ON r.chat_id = q.chat_id
     AND r.reply_to_message_id = q.message_id
     AND r.user_id <> q.user_id
     AND r."date" >= q."date"
    GROUP BY 1
)
SELECT
    count(*) AS questions,
    count(f.replied_at) AS answered,
    round(100.0 * count(f.replied_at) / nullif(count(*), 0), 1) AS answered_pct,
    approx_percentile(date_diff('second', q."date", f.replied_at) / 60.0, 0.5) AS median_minutes_to_reply
FROM questions AS q
LEFT JOIN first_replies AS f ON f.update_id = q.update_id
