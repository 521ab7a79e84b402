"""Shared test helpers: the real Telegram payloads and API Gateway events built like API Gateway's."""

import base64
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "telegram"
ALL_FILES = sorted(FIXTURES_DIR.glob("*.json"))
# 39 and 40 are Telegram Desktop chat exports, not Bot API Updates: bad input for the pipeline.
DESKTOP_EXPORTS = [path for path in ALL_FILES if "desktop_export" in path.name]
UPDATE_FILES = [path for path in ALL_FILES if path not in DESKTOP_EXPORTS]


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES_DIR / name).read_bytes())


def api_gateway_event(
    body: bytes | str | None,
    *,
    headers: dict | None = None,
    request_time_ms: int | None = 1_704_067_200_000,
    base64_encoded: bool = False,
    path: str = "/webhook",
) -> dict:
    """A REST API (payload format 1.0) Lambda proxy event, as API Gateway sends it."""
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode() if base64_encoded else body.decode("utf-8")
    request_context = {"httpMethod": "POST", "resourcePath": path, "stage": "dev"}
    if request_time_ms is not None:
        request_context["requestTimeEpoch"] = request_time_ms
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


def json_body(response: dict) -> dict:
    return json.loads(response["body"])


def reload_ingest_handler() -> ModuleType:
    """The ingest handler imported as the Lambda runtime does: module state is built from the environment.
    Its logger's handler outlives the reload; made during another test under capsys, it still holds that
    test's stdout, closed since (setStream would fail flushing it): it then writes to today's stdout."""
    import lambdas.ingest.handler as module

    module = importlib.reload(module)
    handler = module.logger.registered_handler
    if getattr(handler.stream, "closed", False):
        handler.stream = sys.stdout
    return module
