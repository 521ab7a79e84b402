-- Q3. Does the bot resolve them? The feedback buttons: one verdict per prompt and person whose clicks count
-- (a prompt's owner; on a prompt that replies to nothing, each customer with a request there in the 7 days
-- before it), their last click; the rate is resolved / rated (no value while nothing is rated).
SELECT
    count(*) AS rated,
    count(CASE WHEN verdict = 'resolved' THEN 1 END) AS resolved,
    count(CASE WHEN verdict = 'unresolved' THEN 1 END) AS unresolved,
    round(100.0 * count(CASE WHEN verdict = 'resolved' THEN 1 END) / nullif(count(*), 0), 1) AS resolution_rate_pct
FROM ratings
