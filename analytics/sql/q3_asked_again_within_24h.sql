-- Q3. Cases whose asker asked again on the same topic within 24 hours, without having rated the first
-- answer as resolved: a sign that it did not help.
SELECT
    count(*) AS questions,
    count(CASE WHEN asked_again THEN 1 END) AS followed_by_another_question,
    round(100.0 * count(CASE WHEN asked_again THEN 1 END) / nullif(count(*), 0), 1) AS asked_again_pct,
    count(DISTINCT CASE WHEN asked_again THEN user_id END) AS users_who_asked_again
FROM cases
