-- Q2. Most frequent questions, normalized so that "Qual o prazo?" and "qual o prazo" count as one.
SELECT
    normalized_text AS question,
    count(*) AS times_asked,
    count(DISTINCT user_id) AS users
FROM questions
GROUP BY 1
ORDER BY times_asked DESC, question
LIMIT 20
