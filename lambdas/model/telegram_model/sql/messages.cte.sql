-- Messages: one row per message of a chat, with its latest text (an edit replaces it), its sender's
-- role, the group it belongs to across a supergroup upgrade, and its local time.
SELECT
    m.chat_id,
    coalesce(cm.new_chat_id, m.chat_id) AS group_chat_id,
    m.message_id,
    -- An album (one update per photo) is one message: counted once, by the photo with the caption.
    coalesce(album.message_id, m.message_id) AS album_message_id,
    CASE WHEN m.in_topic THEN m.message_thread_id END AS topic_thread_id,
    m.user_id,
    m.user_username,
    m."date",
    m."date" AT TIME ZONE '${timezone}' AS local_time,
    m.text,
    m.normalized_text,
    m.intent,
    m.keywords,
    m.keyword_stems,
    m.text_language AS language,
    m.command,
    coalesce(m.command IS NOT NULL AND (m.command_target IS NULL OR m.command_target = ${bot_username}), false)
        AS is_our_command,
    m.reply_to_message_id,
    CASE
        WHEN coalesce(m.is_service, false) THEN 'service'
        WHEN m.chat_type = 'channel' OR coalesce(m.is_automatic_forward, false) THEN 'channel'
        WHEN m.user_id = 777000 THEN 'telegram'
        -- An anonymous admin posts as the group itself.
        WHEN m.sender_chat_id = m.chat_id THEN 'staff'
        WHEN m.sender_chat_id IS NOT NULL THEN 'channel'
        -- Set by the ETL from staff_user_ids: people are pseudonyms here (docs/privacy.md). Days written
        -- before the column existed hold real ids: staff_user_ids itself decides there.
        WHEN coalesce(m.user_is_staff, m.user_id IN ${staff_user_ids}, false) THEN 'staff'
        WHEN coalesce(m.user_is_bot, false) AND lower(m.user_username) = ${bot_username} THEN 'our_bot'
        WHEN coalesce(m.user_is_bot, false) THEN 'other_bot'
        ELSE 'customer'
    END AS role,
    m.first_context_date AS context_date
FROM (
    -- A message's sender, chat, date (of sending) and reply are the same in each of its versions.
    SELECT u.*, coalesce(u.is_topic_message, false) AS in_topic, latest.first_context_date
    FROM telegram_updates AS u
    JOIN message_versions AS latest
      ON latest.update_id = u.update_id
     AND latest.has_original
) AS m
LEFT JOIN chat_migrations AS cm ON cm.old_chat_id = m.chat_id
LEFT JOIN (
    -- Each album's message: its photo with a caption, else its first photo.
    SELECT
        chat_id,
        media_group_id,
        coalesce(min(CASE WHEN text IS NOT NULL THEN message_id END), min(message_id)) AS message_id
    FROM telegram_updates
    WHERE media_group_id IS NOT NULL
      AND update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
    GROUP BY 1, 2
) AS album
  ON album.chat_id = m.chat_id
 AND album.media_group_id = m.media_group_id
