"""Relay mode: the pipeline in front of an existing bot, without changing the bot's code.

A bot has one webhook. In relay mode Telegram calls us; we store the update first, then forward the
original body to the bot backend's own webhook with the backend's secret header, and answer Telegram with
the backend's answer (status and body: a bot may answer with a method in its webhook response).

What Telegram is answered (telegram_ingest.app.relay_to_backend):
- the backend's answer, when it comes within the deadline and is at most MAX_ANSWER_BYTES;
- 502 when the backend certainly did not get the update (no connection, the request could not be sent,
  no usable relay settings): Telegram redelivers, the store keeps one copy;
- 200 once the whole update was sent but no answer came in time: the backend may have acted on it, and a
  redelivery would give it the update twice. Its webhook-response method, if any, is then lost.

The backend's URL and secret come from Secrets Manager in AWS (a webhook URL often carries the bot's
token: never in the template or the environment), re-read after SETTINGS_TTL_S and on a 401/403 (a
rotated secret). Neither ever goes into an exception, a log or an answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# The whole relay (connect, send, answer) within this, and within the Lambda's remaining time less
# SAFETY_S, whichever is shorter: a backend that drips its answer cannot hold the function past its
# timeout, whose answer would be a 502 and a duplicate.
TIMEOUT_S = 6.0
SAFETY_S = 1.5
# The answer goes back through the Lambda's response (6 MB, JSON-escaped: up to 6 bytes a byte).
MAX_ANSWER_BYTES = 512 * 1024
SETTINGS_TTL_S = 300.0
# What setWebhook accepts as secret_token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class RelayFailed(Exception):
    """The update could not be relayed. `delivered`: whether the backend may have it (sent whole)."""

    def __init__(self, reason: str, *, delivered: bool) -> None:
        super().__init__(reason)
        self.delivered = delivered


@dataclass(frozen=True)
class RelayAnswer:
    status: int
    body: bytes
    content_type: str
    too_large: bool = False  # the backend's answer exceeded MAX_ANSWER_BYTES: body is empty


@dataclass(frozen=True)
class RelayTarget:
    url: str = ""
    secret_token: str | None = None

    def __repr__(self) -> str:  # never the URL (it may carry a bot token) nor the secret
        return "RelayTarget(...)"


def check_relay_url(url: str) -> None:
    """https anywhere; plain http only to a loopback address (local tests and the demo). The message
    never quotes the URL: it may carry a bot token."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return
    raise ValueError("the relay URL must be https (plain http only to a loopback address)")


def target_from(url: str, secret_token: str | None) -> RelayTarget:
    """A checked target: `put-secret-value --secret-string file://token.txt` adds a newline, which is
    stripped; anything else that setWebhook would refuse is an error that names no value."""
    url = url.strip()
    try:
        check_relay_url(url)
    except ValueError as error:
        raise RelayFailed(str(error), delivered=False) from None
    token = (secret_token or "").strip() or None
    if token is not None and not _SECRET_TOKEN.match(token):
        raise RelayFailed("the relay secret_token is not 1-256 of A-Z, a-z, 0-9, _ and -", delivered=False)
    return RelayTarget(url, token)


def target_from_secret(value: str) -> RelayTarget:
    """The stack's RelaySecret: {"url": "https://...", "secret_token": "..."} (secret_token optional)."""
    try:
        settings = json.loads(value)
    except (ValueError, RecursionError):
        settings = None
    if not isinstance(settings, dict) or not isinstance(settings.get("url"), str):
        raise RelayFailed('the relay secret is not {"url": ..., "secret_token": ...}', delivered=False)
    token = settings.get("secret_token")
    if token is not None and not isinstance(token, str):
        raise RelayFailed("the relay secret's secret_token is not a string", delivered=False)
    return target_from(settings["url"], token)


class _Cutoff:
    """Closes the connection's socket at the deadline: bounds the whole exchange, not each read."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        # Set once connected: http.client drops its own reference when the answer says "close", while
        # the answer is still read from this socket.
        self.sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def _cut(self) -> None:
        self.fired = True
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Cutoff:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class Relay:
    """Forwards an update's body to the bot backend, within a deadline."""

    def __init__(
        self,
        target: Callable[[], RelayTarget],
        *,
        refreshable: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = target
        self._refreshable = refreshable
        self._clock = clock
        self._cached: tuple[float, RelayTarget] | None = None

    def target(self, *, refresh: bool = False) -> RelayTarget:
        now = self._clock()
        if self._cached is not None and not refresh and now - self._cached[0] < SETTINGS_TTL_S:
            return self._cached[1]
        try:
            target = self._read()
        except RelayFailed:
            raise
        except Exception as error:
            if self._cached is not None and not refresh:
                return self._cached[1]  # Secrets Manager hiccup after the TTL: the last good value
            raise RelayFailed(f"relay secret unavailable: {type(error).__name__}", delivered=False) from None
        self._cached = (now, target)
        return target

    def forward(
        self, body: bytes, time_left_s: Callable[[], float] = lambda: TIMEOUT_S + SAFETY_S
    ) -> RelayAnswer:
        target = self.target()
        deadline = self._clock() + min(TIMEOUT_S, time_left_s() - SAFETY_S)
        answer = self._post(target, body, deadline)
        if answer.status in (401, 403) and self._refreshable:
            # The backend refused its secret: it may have been rotated since we read it.
            fresh = self.target(refresh=True)
            if fresh != target:
                answer = self._post(fresh, body, deadline)
        return answer

    def _post(self, target: RelayTarget, body: bytes, deadline: float) -> RelayAnswer:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise RelayFailed("no time left to relay", delivered=False)
        parts = urllib.parse.urlsplit(target.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=remaining,
                                                     context=ssl.create_default_context())  # fmt: skip
        else:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=remaining)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if target.secret_token:
            headers[SECRET_HEADER] = target.secret_token
        try:
            with _Cutoff(remaining) as cutoff:
                try:
                    connection.connect()
                    cutoff.sock = connection.sock
                    connection.request("POST", path, body=body, headers=headers)
                except Exception as error:  # never str(error): it may quote the URL
                    raise RelayFailed(f"not sent: {type(error).__name__}", delivered=False) from None
                try:
                    response = connection.getresponse()
                    data = response.read(MAX_ANSWER_BYTES + 1)
                    status, content_type = response.status, response.headers.get_content_type()
                except Exception as error:
                    raise RelayFailed(f"no answer: {type(error).__name__}", delivered=True) from None
                if cutoff.fired:  # the cut may end a body without Content-Length as if it were whole
                    raise RelayFailed("no answer in time", delivered=True)
        finally:
            connection.close()
        if len(data) > MAX_ANSWER_BYTES:
            return RelayAnswer(status, b"", "application/json", too_large=True)
        return RelayAnswer(status, data, content_type)

    @classmethod
    def from_env(cls, env: Mapping[str, str], fetch_secret: Callable[[str], str]) -> Relay | None:
        """AWS: RELAY_SECRET_ARN, a secret holding the URL and the backend's secret_token (re-read after
        SETTINGS_TTL_S and on a 401/403). Locally: RELAY_URL and RELAY_SECRET."""
        arn = env.get("RELAY_SECRET_ARN", "").strip()
        if arn:
            return cls(lambda: target_from_secret(fetch_secret(arn)), refreshable=True)
        url = env.get("RELAY_URL", "").strip()
        if not url:
            return None
        check_relay_url(url)  # a local setting: fail at start
        token = env.get("RELAY_SECRET") or None
        return cls(lambda: target_from(url, token))
