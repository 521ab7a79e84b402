"""The webhook secret: read once per container, from Secrets Manager in AWS or the environment locally."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from telegram_ingest.sdk import SDK_CONFIG


def stored_token(stored: str | None) -> str | None:
    """The secret token a stored secret stands for: without surrounding white space (a file's trailing
    newline, a pasted space), which Telegram refuses in secret_token. None when nothing is left. The
    webhook registration (ops.webhook) sends this same value, so both ends agree."""
    token = (stored or "").strip()
    return token or None


class SecretUnavailable(Exception):
    """Secrets Manager could not be read: answer 5xx so that Telegram retries."""


class WebhookSecret:
    """Caches the secret after the first successful read; never logs or exposes it."""

    def __init__(
        self, env: Mapping[str, str], fetch: Callable[[str], str], name: str = "WEBHOOK_SECRET"
    ) -> None:
        # name: the variable of the value (locally), name + "_ARN" that of its secret (AWS).
        self._direct = stored_token(env.get(name))
        self._arn = env.get(f"{name}_ARN") or None
        self._fetch = fetch
        self._cached: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self._direct or self._arn)

    def value(self) -> str | None:
        """The secret, or None when none is configured (the caller then refuses every request)."""
        if self._direct:
            return self._direct
        if not self._arn:
            return None
        if self._cached is None:
            try:
                self._cached = stored_token(self._fetch(self._arn)) or ""
            except Exception as error:
                raise SecretUnavailable(type(error).__name__) from error
        return self._cached or None


def secrets_manager_fetch(arn: str) -> str:
    import boto3  # imported here so that containers configured with WEBHOOK_SECRET never load it twice

    # Fails fast like storage: an unreadable secret is a quick 503 that Telegram retries.
    client = boto3.client("secretsmanager", config=SDK_CONFIG)
    return client.get_secret_value(SecretId=arn)["SecretString"]
