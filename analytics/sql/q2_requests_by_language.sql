-- Q2. Which languages customers ask in: requests per language of their text (ISO 639-1, detected by the
-- ETL; und: too short or unclear to tell, or a day processed before languages were detected), with their
-- share of all requests. A request's keywords are its language's; where the intent has no question words
-- for a language, its requests are found by their question mark only (the report says so).
SELECT
    coalesce(language, 'und') AS language,
    count(*) AS requests,
    round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS requests_pct
FROM requests
GROUP BY 1
ORDER BY requests DESC, language
