"""Stack names, without importing the CDK: operator tools (make set-webhook) find deployed stacks by them."""


def stack_name(stage: str, box: str) -> str:
    """`Telegram<Stage><Box>`, e.g. stack_name("prod", "Ingestion") == "TelegramProdIngestion"."""
    return f"Telegram{stage.title().replace('-', '')}{box}"
