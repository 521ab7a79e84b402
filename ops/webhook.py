"""`make set-webhook` / `make webhook-info`: point Telegram at the deployed webhook, and show its state.

The URL and the secret's ARN are outputs of the deployed ingestion stack; the secret's value is read
from Secrets Manager and goes straight to Telegram. The bot token comes from TELEGRAM_BOT_TOKEN.
"""

from __future__ import annotations

import re
import sys
from typing import Any, NamedTuple

from ops.botapi import BotApi, BotApiError, token_from_environment
from stacks.names import stack_name
from standins.cli import ArgumentParser
from standins.cli import explain as aws_explain
from telegram_etl.flatten import UPDATE_KINDS
from telegram_ingest.secret import stored_token


class WebhookTarget(NamedTuple):
    url: str
    secret_token: str
    # The stage's ingest_reserved_concurrency (capped at Telegram's 100), as the stack outputs it: more
    # connections than Lambdas that may run at once would only be throttled.
    max_connections: int


# setWebhook's secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

OUTPUTS = ("WebhookUrl", "WebhookSecretArn", "WebhookMaxConnections")


def stack_outputs(cloudformation: Any, name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def webhook_target(cloudformation: Any, secretsmanager: Any, stage: str) -> WebhookTarget:
    """URL, secret token and max_connections of the deployed stage."""
    name = stack_name(stage, "Ingestion")  # as add_pipeline names it
    outputs = stack_outputs(cloudformation, name)
    missing = set(OUTPUTS) - set(outputs)
    if missing:
        raise SystemExit(f"stack {name} has no output {', '.join(sorted(missing))} (deploy it again)")
    stored = secretsmanager.get_secret_value(SecretId=outputs["WebhookSecretArn"])["SecretString"]
    secret = stored_token(stored) or ""
    if not _SECRET_TOKEN.fullmatch(secret):  # Telegram's rule; the value itself is never printed
        raise SystemExit(
            f"the secret {outputs['WebhookSecretArn']} is not a Telegram secret_token: it needs 1-256 "
            f"characters of A-Z, a-z, 0-9, _ and - (it has {len(secret)} after trimming white space)"
        )
    return WebhookTarget(outputs["WebhookUrl"], secret, int(outputs["WebhookMaxConnections"]))


def set_webhook(api: BotApi, target: WebhookTarget, *, drop_pending_updates: bool = False) -> None:
    api.call(
        "setWebhook",
        url=target.url,
        secret_token=target.secret_token,
        allowed_updates=list(UPDATE_KINDS),
        max_connections=target.max_connections,
        drop_pending_updates=drop_pending_updates,
    )


def describe_webhook(info: dict[str, Any]) -> str:
    """getWebhookInfo as lines a person reads: where, how much is waiting, and the last error."""
    lines = [
        f"url:                  {info.get('url') or '(none: the bot is not using a webhook)'}",
        f"pending updates:      {info.get('pending_update_count', 0)}",
        f"max connections:      {info.get('max_connections', '-')}",
        f"allowed updates:      {', '.join(info.get('allowed_updates') or ['(Telegram default)'])}",
    ]
    if info.get("last_error_message"):
        lines.append(
            f"last error:           {info['last_error_message']} (at unix {info.get('last_error_date')})"
        )
    else:
        lines.append("last error:           none")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m ops.webhook", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["set", "info"])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--drop-pending-updates", action="store_true")
    args = parser.parse_args(argv)
    try:
        api = BotApi(token_from_environment())
        if args.action == "set":
            import boto3  # only here: `info` needs no AWS credentials

            target = webhook_target(
                boto3.client("cloudformation"), boto3.client("secretsmanager"), args.stage
            )
            set_webhook(api, target, drop_pending_updates=args.drop_pending_updates)
            print(f"webhook set to {target.url} (max_connections={target.max_connections})")
        print(describe_webhook(api.call("getWebhookInfo")))
    except Exception as error:
        # One line that says what to do, never a traceback, for an operator's mistakes and the
        # network's; anything else is a bug and keeps its traceback.
        advice = explain(error, args.stage)
        if advice is None:
            raise
        print(f"make {'set-webhook' if args.action == 'set' else 'webhook-info'}: {advice}", file=sys.stderr)
        return 1
    return 0


def explain(error: Exception, stage: str) -> str | None:
    """The one line an operator needs for an error of the Bot API or of AWS (standins.cli's words)."""
    if isinstance(error, BotApiError):
        return str(error)  # names the method and the reason, never the token
    return aws_explain(error, stage)


if __name__ == "__main__":
    sys.exit(main())
