"""The S3 operations the ETL needs, behind a small interface (S3 in AWS and locally; memory in benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class StoredObject:
    key: str
    last_modified: datetime
    size: int = 0  # bytes, from the listing: lets the ETL bound a batch by bytes before reading it


PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"


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


class ObjectSink:
    """A write-only file for pyarrow: its bytes leave in parts of `part_bytes`; the object appears
    only in finish(), whole (one put when it fits one part, else a multipart upload's completion)."""

    def __init__(self, storage: Storage, bucket: str, key: str, part_bytes: int) -> None:
        self._storage, self._bucket, self.key, self._part_bytes = storage, bucket, key, part_bytes
        self._buffer = bytearray()
        self._upload: Upload | None = None
        self._position = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.closed:
            # After abort(): pyarrow closes an abandoned ParquetWriter when it is collected, and
            # that footer must not start a new upload.
            return len(data)
        self._buffer += data
        self._position += len(data)
        if len(self._buffer) >= self._part_bytes:
            self._send_part()
        return len(data)

    def tell(self) -> int:
        return self._position

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def _send_part(self) -> None:
        if self._upload is None:
            self._upload = start_upload(self._storage, self._bucket, self.key, PARQUET_CONTENT_TYPE)
        self._upload.write_part(bytes(self._buffer))
        self._buffer.clear()

    def finish(self) -> None:
        if self._upload is None:
            self._storage.put(self._bucket, self.key, bytes(self._buffer), PARQUET_CONTENT_TYPE)
        else:
            if self._buffer:
                self._send_part()
            self._upload.complete()
        self._buffer.clear()

    def abort(self) -> None:
        self.closed = True
        self._buffer.clear()
        if self._upload is None:
            return
        try:
            self._upload.abort()
        except Exception:  # noqa: S110 - the run is failing already; the lifecycle rule cleans up
            pass


def dictionary_paths(schema: pa.Schema, columns: Sequence[str]) -> list[str]:
    """pyarrow's use_dictionary for these columns: a list's strings are named by their Parquet path."""
    return [f"{name}.list.element" if pa.types.is_list(schema.field(name).type) else name for name in columns]


class PartitionWriter:
    """A partition's one Parquet object (`key`, of `schema`), in row groups of at most row_group_rows
    rows and row_group_bytes; readers see nothing of it until close(), then all of it (the ETL's
    partitions and the model's tables). Holds at most one row group of Arrow data and one part of
    encoded bytes."""

    def __init__(
        self, storage: Storage, bucket: str, key: str, schema: pa.Schema, *, row_group_rows: int,
        row_group_bytes: int, part_bytes: int, dictionary_columns: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        """dictionary_columns: the columns written with Parquet's dictionary encoding (None: all)."""
        self._sink = ObjectSink(storage, bucket, key, part_bytes)
        self._schema = schema
        self._dictionary: bool | list[str] = True
        if dictionary_columns is not None:
            self._dictionary = dictionary_paths(schema, dictionary_columns)
        self._row_group_rows, self._row_group_bytes = row_group_rows, row_group_bytes
        self._pending: list[pa.Table] = []
        self._pending_rows = self._pending_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self.keys: list[str] = []

    def write(self, table: pa.Table) -> None:
        while table.num_rows:
            piece = table.slice(0, self._row_group_rows - self._pending_rows)
            self._pending.append(piece)
            self._pending_rows += piece.num_rows
            self._pending_bytes += piece.nbytes
            table = table.slice(piece.num_rows)
            if self._pending_rows >= self._row_group_rows or self._pending_bytes >= self._row_group_bytes:
                self._flush_row_group()

    def close(self) -> None:
        """Publish the partition: from here on readers see all of it."""
        self._flush_row_group()
        if self._writer is not None:
            self._writer.close()  # writes the footer into the sink
            self._sink.finish()
            self.keys.append(self._sink.key)

    def abort(self) -> None:
        self._sink.abort()

    def _flush_row_group(self) -> None:
        if not self._pending_rows:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self._sink, self._schema, compression="zstd", use_dictionary=self._dictionary
            )
        self._writer.write_table(pa.concat_tables(self._pending), row_group_size=self._pending_rows)
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0
