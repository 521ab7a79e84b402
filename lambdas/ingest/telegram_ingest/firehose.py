"""The firehose raw layout's record: one line per update, the body recoverable byte for byte.

    {"received_at": <epoch ms>, "update_id": <int>, "body": "<the body as text>"}\\n

"body" when the body is valid UTF-8 (every Update Telegram sends: JSON is UTF-8), else "body_b64"
(standard base64). The ETL reads it back in telegram_etl/firehose.py (decode_record).
"""

from __future__ import annotations

import base64
import json

# PutRecord's limit on a record's data, before base64 (Firehose quota: 1,000 KiB). The webhook accepts
# bodies up to 1 MiB, so a record above it is stored as an object of the object layout instead.
MAX_RECORD_BYTES = 1000 * 1024


def encode_record(body: bytes, received_ms: int, update_id: int) -> bytes:
    envelope: dict[str, int | str] = {"received_at": received_ms, "update_id": update_id}
    try:
        envelope["body"] = body.decode("utf-8")  # strict: a lone surrogate's bytes are not UTF-8
    except UnicodeDecodeError:
        envelope["body_b64"] = base64.b64encode(body).decode("ascii")
    # json.dumps escapes line breaks and control characters inside strings: a record is one line.
    return (json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
