"""Keyed pseudonyms for people: the one function every privacy tool shares (issue 14).

A person's Telegram id becomes a stable 63-bit integer, HMAC-SHA256 under the stage's key, so the
processed table keeps its BIGINT columns and every analysis that links a person's messages still works,
while the id itself cannot be recovered without the key.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(user_id: int, key: bytes) -> int:
    """The person's pseudonym: positive, below 2^63, the same for the same id and key."""
    if not key:
        raise ValueError("the pseudonym key is empty")
    digest = hmac.new(key, str(int(user_id)).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1
