"""The analyst's tools, on the local data or a stage's Athena: the answers in the terminal (answers), the
HTML report (report), the SQL shell (sql, make sql) and Athena (athena, make answers / report STAGE=).
Used by local/. May import the deployed code, demo_data/ and standins/; never ops/ or local/."""
