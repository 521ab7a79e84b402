-- Q3. How cases end: resolved, unresolved or unknown (feedback, then the asker's reaction to an answer,
-- then asking again), with their share of all cases.
SELECT
    outcome,
    count(*) AS cases,
    round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM cases
GROUP BY 1
ORDER BY cases DESC, outcome
