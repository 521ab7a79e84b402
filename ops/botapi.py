"""A minimal Telegram Bot API client (stdlib only): JSON in, `result` out, errors that say what failed.

The bot token is part of every URL, so it never appears in an error message or a log line.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

DEFAULT_BASE_URL = "https://api.telegram.org"
TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the name of a variable, not a token


class BotApiError(RuntimeError):
    """Telegram answered ok=false, or could not be reached."""

    def __init__(self, method: str, description: str, error_code: int | None = None) -> None:
        super().__init__(f"{method}: {description}" + (f" (error {error_code})" if error_code else ""))
        self.method, self.description, self.error_code = method, description, error_code


def token_from_environment() -> str:
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise SystemExit(f"set {TOKEN_VARIABLE} to the bot token from @BotFather (never commit it)")
    return token


class BotApi:
    def __init__(self, token: str, *, base_url: str | None = None, timeout: float = 30.0) -> None:
        self._token = token
        self._base_url = (base_url or os.environ.get("TELEGRAM_API_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not self._base_url.startswith(("https://", "http://")):
            raise ValueError(f"Bot API URL must be http(s): {self._base_url!r}")
        self._timeout = timeout

    def call(self, method: str, *, http_timeout: float | None = None, **params: Any) -> Any:
        """POST the non-None params as JSON; the `result` of an ok answer, else BotApiError."""
        body = json.dumps({k: v for k, v in params.items() if v is not None}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            f"{self._base_url}/bot{self._token}/{method}",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=http_timeout or self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:  # Telegram answers errors with a JSON body too
            try:
                answer = json.loads(error.read())
            except ValueError:
                raise BotApiError(method, f"HTTP {error.code}", error.code) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise BotApiError(method, f"cannot reach the Bot API: {reason}") from None
        if not answer.get("ok"):
            raise BotApiError(method, str(answer.get("description", "not ok")), answer.get("error_code"))
        return answer.get("result")

    def get_updates(self, offset: int | None, timeout: int, allowed_updates: list[str]) -> list[dict]:
        # The HTTP timeout outlasts the long poll, which Telegram holds open for `timeout` seconds.
        return self.call(
            "getUpdates", http_timeout=timeout + 10, offset=offset, timeout=timeout,
            allowed_updates=allowed_updates,
        )  # fmt: skip
