-- The keywords of the requests that no topic rule covers: one row per request and keyword stem, with
-- its spelling and its place in the message.
SELECT
    r.chat_id,
    r.message_id,
    r.user_id,
    r."date",
    r.text,
    k.stem,
    -- A request's stems are distinct: array_position finds the word of each.
    array_position(r.keyword_stems, k.stem) AS position,
    element_at(r.keywords, array_position(r.keyword_stems, k.stem)) AS word,
    r.context_date
FROM request_messages AS r
CROSS JOIN UNNEST(r.keyword_stems) AS k (stem)
WHERE r.rule_topic IS NULL
