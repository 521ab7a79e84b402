-- Q2. How much of the demand the topic rules cover: requests with a rule's topic, with an automatic
-- topic only, and with no topic at all.
SELECT
    count(*) AS requests,
    count(CASE WHEN topic_source = 'rule' THEN 1 END) AS with_rule_topic,
    count(CASE WHEN topic_source IS DISTINCT FROM 'rule' THEN 1 END) AS without_rule,
    round(100.0 * count(CASE WHEN topic_source IS DISTINCT FROM 'rule' THEN 1 END) / nullif(count(*), 0), 1) AS without_rule_pct,
    count(CASE WHEN topic IS NULL THEN 1 END) AS without_topic
FROM requests
