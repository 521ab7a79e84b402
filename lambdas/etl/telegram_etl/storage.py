"""The S3 operations the ETL needs, behind a small interface (S3 in AWS and locally; memory in benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    last_modified: datetime
    size: int = 0  # bytes, from the listing: lets the ETL bound a batch by bytes before reading it


class Storage(Protocol):
    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]: ...
    def get(self, bucket: str, key: str) -> bytes: ...
    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None: ...
    def delete(self, bucket: str, keys: Iterable[str]) -> None: ...


class S3Storage:
    def __init__(self, client: Any) -> None:
        self._s3 = client

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        # Paginated: a day may hold far more than the 1000 keys of one ListObjectsV2 page.
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"], item["LastModified"], item.get("Size", 0))

    def get(self, bucket: str, key: str) -> bytes:
        return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, bucket: str, keys: Iterable[str]) -> None:
        batch: list[dict[str, str]] = []
        for key in keys:
            batch.append({"Key": key})
            if len(batch) == 1000:  # DeleteObjects' limit
                self._delete_batch(bucket, batch)
                batch = []
        if batch:
            self._delete_batch(bucket, batch)

    def _delete_batch(self, bucket: str, batch: list[dict[str, str]]) -> None:
        response = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(
                f"could not delete {len(response['Errors'])} objects: {response['Errors'][:3]}"
            )
