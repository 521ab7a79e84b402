-- Requests before their automatic topic: customer messages, not commands, that ask something or report
-- a problem (intent, from the ETL), with the topic of the first analyst rule that matches, if any.
SELECT
    chat_id,
    group_chat_id,
    message_id,
    topic_thread_id,
    user_id,
    "date",
    local_time,
    text,
    normalized_text,
    keywords,
    keyword_stems,
    language,
    ${topic_rule} AS rule_topic,
    context_date
FROM customer_messages
WHERE command IS NULL
  AND intent IN ('question', 'problem')
