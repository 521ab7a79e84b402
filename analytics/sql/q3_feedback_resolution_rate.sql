-- Q3. Does the bot resolve them? The feedback buttons: each prompt's verdict is its owner's last click;
-- the rate is resolved / rated (no value while nothing is rated).
SELECT
    count(*) AS rated,
    count(CASE WHEN verdict = 'resolved' THEN 1 END) AS resolved,
    count(CASE WHEN verdict = 'unresolved' THEN 1 END) AS unresolved,
    round(100.0 * count(CASE WHEN verdict = 'resolved' THEN 1 END) / nullif(count(*), 0), 1) AS resolution_rate_pct
FROM ratings
