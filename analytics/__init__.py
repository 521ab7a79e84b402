"""The analysts' SQL: Athena (Trino) queries answering the product's three questions."""
