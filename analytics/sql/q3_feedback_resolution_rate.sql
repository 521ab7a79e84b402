-- Q3. Does the bot resolve them? Explicit feedback: the bot answers a question with two inline
-- buttons whose callback_data is 'feedback:resolved' or 'feedback:unresolved'. A user's last click
-- on an answer counts; the rate is resolved / rated.
WITH feedback AS (
    SELECT
        chat_id,
        reply_to_message_id AS question_message_id,
        user_id,
        max_by(callback_data, update_id) AS verdict
    FROM telegram_updates
    WHERE update_type = 'callback_query'
      AND callback_data IN ('feedback:resolved', 'feedback:unresolved')
    GROUP BY 1, 2, 3
)
SELECT
    count(*) AS rated,
    count_if(verdict = 'feedback:resolved') AS resolved,
    count_if(verdict = 'feedback:unresolved') AS unresolved,
    round(100.0 * count_if(verdict = 'feedback:resolved') / nullif(count(*), 0), 1) AS resolution_rate_pct
FROM feedback
