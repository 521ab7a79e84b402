-- Message versions: each message (chat, message_id) of a `message`, `edited_message`, `channel_post` or
-- `edited_channel_post` update with its latest version (the update that holds its text) and its day.
-- Versions of a message (the message, then its edits) arrive in update_id order: the latest one holds
-- its text. Copies from elsewhere rank below live ones (ids: webhook >= 0 > /outgoing > export, see the
-- `source` column): a message both delivered and imported from an export counts once. Its day
-- (partition) is the day its first version arrived: an edit never moves it. A message counts only with
-- its original (has_original): the edit of a message sent before the bot was in the group, or before the
-- first day a run reads, is not a message of the edit's day (our bot's edits posted to /outgoing are
-- edits; an export holds each message once, as last edited).
SELECT
    chat_id,
    message_id,
    max(update_id) AS update_id,
    min(context_date) AS first_context_date,
    bool_or(
        update_type IN ('message', 'channel_post')
        AND (edit_date IS NULL OR coalesce(source, 'webhook') <> 'outgoing')
    ) AS has_original
FROM telegram_updates
WHERE update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
  AND chat_id IS NOT NULL
  AND message_id IS NOT NULL
  AND "date" IS NOT NULL
GROUP BY chat_id, message_id
