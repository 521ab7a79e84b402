"""A bot backend's webhook on loopback, for relay mode: records what it receives and answers as told."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class FakeBotBackend:
    def __init__(self, *, status: int = 200, body: bytes = b"", delay_s: float = 0.0,
                 content_type: str = "application/json", drip_s: float = 0.0,
                 expect_secret: str | None = None) -> None:  # fmt: skip
        """drip_s: send the body one byte at a time, this long apart; expect_secret: answer 403 to any
        other secret header (as a backend checks Telegram's)."""
        self.status, self.body, self.delay_s, self.content_type = status, body, delay_s, content_type
        self.drip_s, self.expect_secret = drip_s, expect_secret
        self.received: list[tuple[dict[str, str], bytes]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                backend.received.append((dict(self.headers), self.rfile.read(length)))
                time.sleep(backend.delay_s)
                refused = backend.expect_secret is not None and (
                    self.headers.get("X-Telegram-Bot-Api-Secret-Token") != backend.expect_secret
                )
                status, body = (403, b"") if refused else (backend.status, backend.body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", backend.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if backend.drip_s:
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(backend.drip_s)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the relay gave up waiting (the timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/bot-webhook"

    def __enter__(self) -> FakeBotBackend:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self._server.shutdown()
        self._server.server_close()

    def bodies(self) -> list[bytes]:
        return [body for _, body in self.received]

    @staticmethod
    def method_answer() -> bytes:
        """A bot answering with a method in its webhook response."""
        return json.dumps(
            {"method": "sendMessage", "chat_id": -100123, "text": "Olá! Já vejo seu pedido."}
        ).encode()
