"""Relay mode: the pipeline in front of an existing bot, without changing the bot's code.

A bot has one webhook. With `relay_url` set, Telegram calls us; we store the update first, then forward
the original body to the bot backend's own webhook with the backend's secret header, and answer Telegram
with the backend's answer (status and body: a bot may answer with a method in its webhook response).
If the backend fails or times out, Telegram gets a 5xx and redelivers; the idempotent store keeps one copy.
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# Bounded so that storing plus relaying stays well inside the Lambda timeout and API Gateway's 29 s;
# urllib applies it to the connection and to each read.
TIMEOUT_S = 6.0


class RelayFailed(Exception):
    """The bot backend could not be reached or did not answer in time."""


@dataclass(frozen=True)
class RelayAnswer:
    status: int
    body: bytes
    content_type: str


def check_relay_url(url: str) -> None:
    """https anywhere; plain http only to a loopback address (local tests and the demo)."""
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
    raise ValueError(f"relay URL {url!r} must be https (plain http only to a loopback address)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a webhook that redirects is an error, and must not carry the secret elsewhere


class Relay:
    """Forwards an update's body to the bot backend; the backend's secret is read once per container."""

    def __init__(self, url: str, secret: Callable[[], str | None]) -> None:
        check_relay_url(url)
        self.url = url
        self._secret = secret
        self._opener = urllib.request.build_opener(_NoRedirect)

    def forward(self, body: bytes) -> RelayAnswer:
        headers = {"Content-Type": "application/json"}
        try:
            token = self._secret()
        except Exception as error:
            raise RelayFailed(f"backend secret unavailable: {type(error).__name__}") from None
        if token:
            headers[SECRET_HEADER] = token
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with self._opener.open(request, timeout=TIMEOUT_S) as response:
                return RelayAnswer(response.status, response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:  # the backend answered: its answer is Telegram's
            return RelayAnswer(error.code, error.read(), error.headers.get_content_type())
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise RelayFailed(type(error).__name__) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str], fetch_secret: Callable[[str], str]) -> Relay | None:
        """RELAY_URL, and the backend's secret as RELAY_SECRET (locally) or RELAY_SECRET_ARN (AWS)."""
        url = env.get("RELAY_URL", "").strip()
        if not url:
            return None
        direct, arn = env.get("RELAY_SECRET") or None, env.get("RELAY_SECRET_ARN") or None
        cache: list[str] = []

        def secret() -> str | None:
            if direct or not arn:
                return direct
            if not cache:
                cache.append(fetch_secret(arn))
            return cache[0]

        return cls(url, secret)
