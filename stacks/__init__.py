"""One CDK stack per box of the architecture: ingestion, ETL, analytics."""
