"""A known person's pseudonym for admins (docs/privacy.md), with the local or the stage's key.

    python -m ops.people pseudonym USER_ID [--dir .local/demo]   # the demo's key
    python -m ops.people pseudonym USER_ID --stage dev           # the stage's key (AWS)

With pseudonymize_users on, the processed table (and setup_staff_candidates) shows people as pseudonyms:
this is how an admin who knows a person's Telegram id finds their rows. The output is the pseudonym only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from standins.cli import ArgumentParser, configured_session, explain
from standins.pseudonym_key import KEY_FILE, local_key
from telegram_etl.privacy import pseudonym


def stage_key(stage: str) -> bytes:  # pragma: no cover - needs an AWS account
    """The stage's key from Secrets Manager (the ETL stack's PseudonymKeySecretArn output)."""
    from stacks.names import stack_name

    session = configured_session()
    stacks = session.client("cloudformation").describe_stacks(StackName=stack_name(stage, "Etl"))["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    arn = outputs["PseudonymKeySecretArn"]
    return session.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"].encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m ops.people", description=__doc__.split("\n")[0])
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
        try:
            key = stage_key(args.stage)
        except Exception as error:
            line = explain(error, args.stage)
            if line is None:
                raise  # a bug: its traceback is what to report
            print(f"pseudonym: {line}", file=sys.stderr)
            return 1
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
