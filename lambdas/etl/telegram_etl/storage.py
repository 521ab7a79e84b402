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


class Upload(Protocol):
    """One object written in parts; readers see nothing of it until complete(), then all of it."""

    def write_part(self, body: bytes) -> None: ...
    def complete(self) -> None: ...
    def abort(self) -> None: ...


class Storage(Protocol):
    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]: ...
    def get(self, bucket: str, key: str) -> bytes: ...
    def put(self, bucket: str, key: str, body: bytes, content_type: str) -> None: ...
    def delete(self, bucket: str, keys: Iterable[str]) -> None: ...

    # Optional: start_upload(bucket, key, content_type) -> Upload (see start_upload below).


def start_upload(storage: Storage, bucket: str, key: str, content_type: str) -> Upload:
    """The storage's own multipart upload if it has one, else one put of the joined parts on complete()
    (same visibility, but the whole object in memory: fine for the in-memory benchmark storage)."""
    start = getattr(storage, "start_upload", None)
    if start is not None:
        upload: Upload = start(bucket, key, content_type)
        return upload
    return BufferedUpload(storage, bucket, key, content_type)


class BufferedUpload:
    def __init__(self, storage: Storage, bucket: str, key: str, content_type: str) -> None:
        self._storage, self._bucket, self._key, self._type = storage, bucket, key, content_type
        self._parts: list[bytes] = []

    def write_part(self, body: bytes) -> None:
        self._parts.append(body)

    def complete(self) -> None:
        self._storage.put(self._bucket, self._key, b"".join(self._parts), self._type)
        self._parts = []

    def abort(self) -> None:
        self._parts = []


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

    def start_upload(self, bucket: str, key: str, content_type: str) -> S3MultipartUpload:
        return S3MultipartUpload(self._s3, bucket, key, content_type)

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


class S3MultipartUpload:
    """S3 multipart upload: every part but the last must be at least 5 MiB; the object appears, whole,
    only on CompleteMultipartUpload (all three calls need only s3:PutObject)."""

    def __init__(self, client: Any, bucket: str, key: str, content_type: str) -> None:
        self._s3, self._bucket, self._key = client, bucket, key
        self._id = client.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)[
            "UploadId"
        ]
        self._parts: list[dict[str, Any]] = []

    def write_part(self, body: bytes) -> None:
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._id, PartNumber=number, Body=body
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def complete(self) -> None:
        self._s3.complete_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._id, MultipartUpload={"Parts": self._parts}
        )

    def abort(self) -> None:
        # Needs s3:AbortMultipartUpload; without it the bucket's lifecycle rule removes the parts
        # after 7 days. Either way readers never saw them.
        self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._id)
