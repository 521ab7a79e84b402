-- Q3. Cases whose asker asked again on the same topic within 24 hours, without having rated the first
-- answer as resolved: a sign that it did not help.
SELECT
    count(*) AS questions,
    count_if(asked_again) AS followed_by_another_question,
    round(100.0 * count_if(asked_again) / nullif(count(*), 0), 1) AS asked_again_pct,
    count(DISTINCT CASE WHEN asked_again THEN user_id END) AS users_who_asked_again
FROM cases
