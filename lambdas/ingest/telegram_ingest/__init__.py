"""Webhook ingestion: Telegram Update -> raw JSON object in S3, partitioned by arrival day."""
