-- Messages written by people (not bots, not edits, not button clicks), with their local time and
-- a normalized text: lower case, accents and punctuation removed, spaces collapsed.
SELECT
    update_id,
    chat_id,
    message_id,
    user_id,
    text,
    command,
    reply_to_message_id,
    "date",
    "date" AT TIME ZONE '${timezone}' AS local_time,
    trim(regexp_replace(regexp_replace(
        translate(lower(text), 'áàâãäéèêëíìîïóòôõöúùûüçñ', 'aaaaaeeeeiiiiooooouuuucn'),
        '[^a-z0-9 ]', ' '), ' +', ' ')) AS normalized_text
FROM telegram_updates
WHERE update_type = 'message' AND NOT coalesce(user_is_bot, false)
