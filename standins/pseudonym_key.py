"""The local pipeline's pseudonym key: a file in the pipeline's folder, standing in for the stage's Secrets
Manager secret (docs/privacy.md). The runner hands it to the ETL; rights and ops.people read it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "pseudonym-key"


def local_key(folder: Path) -> bytes:
    """The key kept in folder/pseudonym-key: created on first use (32 random bytes as hex, mode 0600);
    its bytes are the file's text, as the ETL reads PSEUDONYM_KEY and the stage's secret."""
    path = Path(folder) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # created meanwhile by another process: read that one
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = existing_key(folder)
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to start a new key (and re-run every day)")
    return key


def existing_key(folder: Path) -> bytes | None:
    """The key in folder/pseudonym-key if there is one (never creates it): what the ETL was given."""
    path = Path(folder) / KEY_FILE
    return path.read_text(encoding="utf-8").strip().encode("utf-8") if path.is_file() else None
