-- A group upgraded to a supergroup changes chat id: each old id with the id it became. Both service
-- messages say it (migrate_to_chat_id in the old chat, migrate_from_chat_id in the new one).
SELECT DISTINCT old_chat_id, new_chat_id
FROM (
    SELECT chat_id AS old_chat_id, migrate_to_chat_id AS new_chat_id
    FROM telegram_updates
    WHERE migrate_to_chat_id IS NOT NULL
    UNION ALL
    SELECT migrate_from_chat_id, chat_id
    FROM telegram_updates
    WHERE migrate_from_chat_id IS NOT NULL
)
