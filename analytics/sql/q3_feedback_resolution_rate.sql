-- Q3. Does the bot resolve them? The feedback buttons: each prompt's verdict is its owner's last click;
-- the rate is resolved / rated (no value while nothing is rated).
SELECT
    count(*) AS rated,
    count_if(verdict = 'resolved') AS resolved,
    count_if(verdict = 'unresolved') AS unresolved,
    round(100.0 * count_if(verdict = 'resolved') / nullif(count(*), 0), 1) AS resolution_rate_pct
FROM ratings
