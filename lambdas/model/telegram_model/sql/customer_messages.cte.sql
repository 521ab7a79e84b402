-- What customers say: their messages, an album once, service messages and everyone else left out.
SELECT *
FROM messages
WHERE role = 'customer'
  AND message_id = album_message_id
