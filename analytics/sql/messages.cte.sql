-- Messages: one row per message of a chat, with its latest text (an edit replaces it), its sender's
-- role, the group it belongs to across a supergroup upgrade, and its local time.
SELECT
    m.chat_id,
    coalesce(cm.new_chat_id, m.chat_id) AS group_chat_id,
    m.message_id,
    -- An album (one update per photo) is one message: counted once, by the photo with the caption.
    CASE WHEN m.media_group_id IS NULL THEN m.message_id ELSE coalesce(
        min(CASE WHEN m.text IS NOT NULL THEN m.message_id END) OVER (PARTITION BY m.chat_id, m.media_group_id),
        min(m.message_id) OVER (PARTITION BY m.chat_id, m.media_group_id))
    END AS album_message_id,
    CASE WHEN m.is_topic_message THEN m.message_thread_id END AS topic_thread_id,
    m.user_id,
    m.user_username,
    m."date",
    m."date" AT TIME ZONE '${timezone}' AS local_time,
    m.text,
    m.normalized_text,
    m.intent,
    m.keywords,
    m.keyword_stems,
    m.command,
    coalesce(m.command IS NOT NULL AND (m.command_target IS NULL OR m.command_target = ${bot_username}), false)
        AS is_our_command,
    m.reply_to_message_id,
    CASE
        WHEN m.is_service THEN 'service'
        WHEN m.chat_type = 'channel' OR m.is_automatic_forward THEN 'channel'
        WHEN m.user_id = 777000 THEN 'telegram'
        -- An anonymous admin posts as the group itself.
        WHEN m.sender_chat_id = m.chat_id THEN 'staff'
        WHEN m.sender_chat_id IS NOT NULL THEN 'channel'
        WHEN m.user_id IN ${staff_user_ids} THEN 'staff'
        WHEN m.user_is_bot AND lower(m.user_username) = ${bot_username} THEN 'our_bot'
        WHEN m.user_is_bot THEN 'other_bot'
        ELSE 'customer'
    END AS role
FROM (
    SELECT
        chat_id,
        message_id,
        -- Versions of a message (the message, then its edits) arrive in update_id order.
        max_by(text, update_id) AS text,
        max_by(normalized_text, update_id) AS normalized_text,
        max_by(intent, update_id) AS intent,
        max_by(keywords, update_id) AS keywords,
        max_by(keyword_stems, update_id) AS keyword_stems,
        max_by(command, update_id) AS command,
        max_by(command_target, update_id) AS command_target,
        max(media_group_id) AS media_group_id,
        max(message_thread_id) AS message_thread_id,
        coalesce(bool_or(is_topic_message), false) AS is_topic_message,
        coalesce(bool_or(is_automatic_forward), false) AS is_automatic_forward,
        coalesce(bool_or(is_service), false) AS is_service,
        max(chat_type) AS chat_type,
        max(user_id) AS user_id,
        max(user_username) AS user_username,
        coalesce(bool_or(user_is_bot), false) AS user_is_bot,
        max(sender_chat_id) AS sender_chat_id,
        max(reply_to_message_id) AS reply_to_message_id,
        min("date") AS "date"
    FROM telegram_updates
    WHERE update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
      AND chat_id IS NOT NULL
      AND message_id IS NOT NULL
      AND "date" IS NOT NULL
    GROUP BY chat_id, message_id
) AS m
LEFT JOIN chat_migrations AS cm ON cm.old_chat_id = m.chat_id
