-- Q3. Users who ask again within 24 hours of a question: a sign that the first answer did not help.
WITH followed AS (
    SELECT
        q.update_id,
        q.user_id,
        count(later.update_id) > 0 AS asked_again
    FROM questions AS q
    LEFT JOIN questions AS later
      ON later.chat_id = q.chat_id
     AND later.user_id = q.user_id
     AND later."date" > q."date"
     AND later."date" <= q."date" + INTERVAL '1' DAY
    GROUP BY 1, 2
)
SELECT
    count(*) AS questions,
    count_if(asked_again) AS followed_by_another_question,
    round(100.0 * count_if(asked_again) / nullif(count(*), 0), 1) AS asked_again_pct,
    count(DISTINCT CASE WHEN asked_again THEN user_id END) AS users_who_asked_again
FROM followed
