-- Q3, the bot's share. Per topic: cases the bot answered (where its own messages are known, posted to
-- /outgoing), containment (answered by the bot, not handed over, no staff needed, not unresolved) and
-- escalation (handed over to staff, or staff answered after the bot), each as a share of the cases the
-- bot handled (answered or handed over), with the median minutes to the bot's first answer.
SELECT
    coalesce(topic, '(no topic)') AS topic,
    count(*) AS cases,
    count(bot_answered_at) AS bot_answered,
    count(CASE WHEN contained_by_bot THEN 1 END) AS contained,
    round(100.0 * count(CASE WHEN contained_by_bot THEN 1 END)
          / nullif(count(coalesce(bot_answered_at, bot_handed_over_at)), 0), 1) AS containment_pct,
    count(CASE WHEN escalated_to_staff THEN 1 END) AS escalated,
    round(100.0 * count(CASE WHEN escalated_to_staff THEN 1 END)
          / nullif(count(coalesce(bot_answered_at, bot_handed_over_at)), 0), 1) AS escalation_pct,
    round(approx_percentile(CAST(date_diff('second', "date", bot_answered_at) AS double) / 60, 0.5), 1)
        AS median_minutes_to_bot_answer,
    count(bot_handed_over_at) AS handed_over,
    count(coalesce(bot_answered_at, bot_handed_over_at)) AS bot_handled
FROM cases
GROUP BY 1
ORDER BY cases DESC, topic
LIMIT 50
