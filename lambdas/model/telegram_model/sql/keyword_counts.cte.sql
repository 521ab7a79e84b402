-- Keyword counts: per day (of the request) and keyword, how many requests that no rule covers have it, by
-- spelling. Automatic topics add the days up; the daily run keeps each day's counts (model/_state), so it
-- adds up the earlier days without reading their requests again.
SELECT context_date, stem, word, count(*) AS uses
FROM request_keywords
GROUP BY 1, 2, 3
