-- Requests with their topic: the analyst rule's, or else the automatic one (the request's keyword that
-- the most requests share; ties: the earlier word). A request without keywords has no topic.
SELECT
    r.chat_id,
    r.group_chat_id,
    r.message_id,
    r.topic_thread_id,
    r.user_id,
    r."date",
    r.local_time,
    r.text,
    r.normalized_text,
    r.keywords,
    r.keyword_stems,
    coalesce(r.rule_topic, a.topic) AS topic,
    CASE WHEN r.rule_topic IS NOT NULL THEN 'rule' WHEN a.topic IS NOT NULL THEN 'keyword' END AS topic_source,
    r.language,
    r.context_date
FROM request_messages AS r
LEFT JOIN (
    SELECT
        k.chat_id,
        k.message_id,
        max_by(t.label, t.requests * 100000 - k.position) AS topic
    FROM request_keywords AS k
    JOIN automatic_topics AS t ON t.stem = k.stem
    GROUP BY 1, 2
) AS a
  ON a.chat_id = r.chat_id AND a.message_id = r.message_id
