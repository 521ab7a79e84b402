-- Q2. How much of the demand the topic rules cover: requests with a rule's topic, with an automatic
-- topic only, and with no topic at all.
SELECT
    count(*) AS requests,
    count_if(topic_source = 'rule') AS with_rule_topic,
    count_if(topic_source IS DISTINCT FROM 'rule') AS without_rule,
    round(100.0 * count_if(topic_source IS DISTINCT FROM 'rule') / nullif(count(*), 0), 1) AS without_rule_pct,
    count_if(topic IS NULL) AS without_topic
FROM requests
