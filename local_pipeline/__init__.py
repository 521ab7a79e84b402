"""Runs the pipeline on this machine: SeaweedFS as S3, the real Lambda handlers, DuckDB as Athena."""
