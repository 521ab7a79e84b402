"""A local stand-in for Kinesis Data Firehose (Direct PUT -> S3), for raw_layout "firehose".

It answers PutRecord on loopback in Firehose's own JSON protocol, so the unchanged ingest Lambda reaches
it through boto3 (AWS_ENDPOINT_URL_FIREHOSE). Like Firehose it buffers each stream's records and writes
them as one object when the buffer holds `buffer_bytes` or its oldest record is `buffer_seconds` old,
under the stack's prefix, `firehose/context_date=<day of the oldest record, in the stage's time zone>/`,
named `<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>.jsonl` as Firehose names them.

Time: a replay says when each request arrived, so the stand-in's clock is the replayed arrival time
(`clock_ms`, set by the local pipeline before each request) and an interval is checked when a record
arrives; flush() writes whatever is left, as the end of the interval would. PutRecord answers once the
record is in the buffer, as Firehose does once it holds the record durably.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from telegram_etl.firehose import FIREHOSE_PREFIX

# PutObject(bucket, key, body)
PutObject = Callable[[str, str, bytes], None]
MAX_RECORD_BYTES = 1000 * 1024
STREAM = "telegram-raw-local"  # Firehose refuses a bigger record (ValidationException)


class LocalFirehose:
    def __init__(
        self,
        put_object: PutObject,
        bucket: str,
        timezone: str,
        *,
        stream: str = STREAM,
        buffer_bytes: int = 64 * 2**20,
        buffer_seconds: int = 300,
    ) -> None:
        self.stream, self.bucket, self._put = stream, bucket, put_object
        self._zone = ZoneInfo(timezone)
        self.buffer_bytes, self.buffer_seconds = buffer_bytes, buffer_seconds
        self.clock_ms: int | None = None  # the replayed "now"; None: the wall clock
        self._records: list[bytes] = []
        self._size = 0
        self._oldest_ms = 0
        self._lock = threading.Lock()
        self.objects: list[str] = []  # keys written, in order
        self._server: ThreadingHTTPServer | None = None

    # --- Firehose's behaviour -----------------------------------------------------------------------

    def now_ms(self) -> int:
        return self.clock_ms if self.clock_ms is not None else int(datetime.now().timestamp() * 1000)

    def put_record(self, data: bytes) -> str:
        if len(data) > MAX_RECORD_BYTES:
            raise ValueError(f"record of {len(data)} bytes is above Firehose's {MAX_RECORD_BYTES}")
        with self._lock:
            now = self.now_ms()
            if self._records and now - self._oldest_ms >= self.buffer_seconds * 1000:
                self._deliver()  # the interval ended before this record arrived
            if not self._records:
                self._oldest_ms = now
            self._records.append(data)
            self._size += len(data)
            if self._size >= self.buffer_bytes:
                self._deliver()
        return uuid.uuid4().hex

    def flush(self) -> None:
        """Deliver what the buffer holds (its interval has passed)."""
        with self._lock:
            if self._records:
                self._deliver()

    def _deliver(self) -> None:
        oldest = datetime.fromtimestamp(self._oldest_ms / 1000, tz=self._zone)
        key = (f"{FIREHOSE_PREFIX}/context_date={oldest:%Y-%m-%d}/"
               f"{self.stream}-1-{oldest:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}.jsonl")  # fmt: skip
        self._put(self.bucket, key, b"".join(self._records))
        self.objects.append(key)
        self._records, self._size = [], 0

    # --- the PutRecord endpoint ---------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local Firehose is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalFirehose:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.flush()

    def answer(self, target: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) of one Firehose API call."""
        if target != "Firehose_20150804.PutRecord":
            return 400, {"__type": "InvalidArgumentException", "message": f"{target} is not supported here"}
        if request.get("DeliveryStreamName") != self.stream:
            return 400, {"__type": "ResourceNotFoundException", "message": "no such delivery stream"}
        try:
            data = base64.b64decode(request["Record"]["Data"], validate=True)
            record_id = self.put_record(data)
        except (KeyError, TypeError, binascii.Error, ValueError) as error:
            return 400, {"__type": "InvalidArgumentException", "message": str(error)}
        return 200, {"RecordId": record_id, "Encrypted": False}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        firehose = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    request = {}
                status, answer = firehose.answer(self.headers.get("X-Amz-Target", ""), request)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
