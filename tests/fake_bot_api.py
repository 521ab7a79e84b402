"""A local stand-in for Telegram's Bot API over real HTTP: getUpdates (offsets, long polling, 409 while a
webhook is set), setWebhook, getWebhookInfo, deleteWebhook; it records every call it gets."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-token_for-the-fake-api"


class FakeBotApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] = {}
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self.fail_next: int = 0  # answer that many calls with HTTP 502, like a flaky network
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_updates(self, updates: list[dict[str, Any]]) -> None:
        with self._lock:
            self._pending.extend(updates)
            self._lock.notify_all()

    @property
    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pending)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((method, params))
        if method == "getUpdates":
            if self.webhook.get("url"):
                return 409, {"ok": False, "error_code": 409,
                             "description": "Conflict: can't use getUpdates method while webhook is active"}  # fmt: skip
            with self._lock:
                offset = params.get("offset")
                if offset is not None:  # confirms every update below it, as Telegram does
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                if not self._pending:
                    self._lock.wait(timeout=min(float(params.get("timeout", 0)), 1.0))
                batch = self._pending[: int(params.get("limit", 100))]
            return 200, {"ok": True, "result": batch}
        if method == "setWebhook":
            self.webhook = {**params, "pending_update_count": len(self._pending)}
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "deleteWebhook":
            self.webhook = {}
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._pending)}
            info.update({k: v for k, v in self.webhook.items() if k != "secret_token"})
            return 200, {"ok": True, "result": info}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = json.loads(self.rfile.read(length) or b"{}")
                prefix = f"/bot{fake.token}/"
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    status, answer = 502, {"ok": False, "description": "Bad Gateway"}
                elif not self.path.startswith(prefix):
                    status, answer = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                else:
                    status, answer = fake._answer(self.path.removeprefix(prefix), params)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        return Handler
