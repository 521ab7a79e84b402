"""The local pipeline's pseudonym key, and a known person's pseudonym for admins (docs/privacy.md).

    python -m local_pipeline.people pseudonym USER_ID [--dir .local/demo]   # the demo's key
    python -m local_pipeline.people pseudonym USER_ID --stage dev           # the stage's key (AWS)

With pseudonymize_users on, the processed table (and setup_staff_candidates) shows people as pseudonyms:
this is how an admin who knows a person's Telegram id finds their rows. The output is the pseudonym only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from telegram_etl.privacy import pseudonym

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


def stage_key(stage: str) -> bytes:  # pragma: no cover - needs an AWS account
    """The stage's key from Secrets Manager (the ETL stack's PseudonymKeySecretArn output)."""
    import boto3

    from stacks.names import stack_name

    stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name(stage, "Etl"))["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    arn = outputs["PseudonymKeySecretArn"]
    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"].encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_pipeline.people", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("pseudonym", help="the pseudonym of a Telegram user id")
    show.add_argument("user_id", type=int)
    where = show.add_mutually_exclusive_group()
    where.add_argument(
        "--dir", default=".local/demo", help="the local pipeline's folder (default .local/demo)"
    )
    where.add_argument("--stage", help="a deployed stage: its key from Secrets Manager")
    args = parser.parse_args(argv)
    if args.stage:
        key = stage_key(args.stage)
    else:
        path = Path(args.dir) / KEY_FILE
        if not path.exists():
            print(f"no key at {path}: run the demo first (or give --dir)", file=sys.stderr)
            return 1
        key = local_key(Path(args.dir))
    print(pseudonym(args.user_id, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
