-- A question: a person's message, not a command, that has a '?' or starts with a question word
-- (Portuguese or English).
SELECT *
FROM user_messages
WHERE command IS NULL
  AND normalized_text <> ''
  AND (
      text LIKE '%?%'
      OR regexp_like(normalized_text, '^(como|qual|quais|quando|onde|por que|porque|quem|quanto|quantos|quantas|o que|pode|posso|consigo|tem como|existe|how|what|when|where|why|who|which|can|could|is|are|do|does|should)( |$)')
  )
