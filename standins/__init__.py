"""AWS on this machine: SeaweedFS as S3, the API Gateway proxy, Firehose, the Lambda runtime running the
real handlers (runner), DuckDB as Athena, a stage's settings from cdk.json, the local pseudonym key and the
work folder's lock, and what every command-line tool shares (cli.py: one-line errors, AWS's errors
explained once). Used by analyst/, ops/ (their local targets), local/, devtools/ and bench/.
May import the deployed code and demo_data/ only."""
