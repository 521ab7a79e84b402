"""Daily ETL: a day of raw Telegram Updates -> one flat, typed Parquet partition."""
