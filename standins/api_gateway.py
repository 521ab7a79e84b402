"""A local stand-in for API Gateway's REST API in front of the ingest Lambda: real HTTP in, the same
Lambda proxy event (payload format 1.0) the deployed API builds, the Lambda's answer out."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# invoke(event) -> the Lambda's proxy response {"statusCode", "headers", "body", "isBase64Encoded"?}
Invoke = Callable[[dict[str, Any]], dict[str, Any]]
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own limit; the Lambda enforces a smaller one
# Local only: a replay of past traffic says when each request "arrived" (requestTimeEpoch); the
# header is consumed here and never reaches the Lambda. API Gateway has no such thing.
REPLAY_TIME_HEADER = "X-Local-Replay-Request-Time-Ms"


def proxy_event(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    *,
    request_time_ms: int | None = None,
    source_ip: str = "127.0.0.1",
    stage: str = "local",
) -> dict[str, Any]:
    """The REST API proxy event: text bodies as they are, anything that is not UTF-8 in base64."""
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    now_ms = int(time.time() * 1000) if request_time_ms is None else request_time_ms
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": now_ms,
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
        },
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


class PortInUse(RuntimeError):
    pass


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of connections (Telegram opens up to 40, a
    # load test hundreds) overflows it and the kernel drops or resets the rest. The kernel caps this
    # at net.core.somaxconn (4096 on current Linux). A thread per connection serves them.
    request_queue_size = 1024
    daemon_threads = True  # a connection still open never holds up the process's exit


class LocalApiGateway:
    """`with LocalApiGateway(invoke) as api:` serves POST api.url + "/webhook" and "/outgoing" (the
    deployed API's two routes) with the Lambda `invoke`."""

    def __init__(
        self,
        invoke: Invoke,
        *,
        paths: tuple[str, ...] = ("/webhook", "/outgoing"),
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self._invoke, self.paths = invoke, paths
        try:
            self._server = _Server((host, port), self._handler())
        except OSError as error:
            raise PortInUse(
                f"cannot listen on {host}:{port} ({error.strerror}): choose another port"
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalApiGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_PAYLOAD_BYTES:
                    self._reply(413, b'{"message":"Request Too Long"}')
                    return
                body = self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                if path not in gateway.paths:
                    # What API Gateway answers for a path or method it has no route for.
                    self._reply(403, b'{"message":"Missing Authentication Token"}')
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != REPLAY_TIME_HEADER.lower()}
                replay_time = self.headers.get(REPLAY_TIME_HEADER)
                event = proxy_event(
                    "POST", path, headers, body, source_ip=self.client_address[0],
                    request_time_ms=int(replay_time) if replay_time and replay_time.isdigit() else None,
                )  # fmt: skip
                try:
                    response = gateway._invoke(event)
                except Exception:  # an unhandled Lambda error is a 502 at API Gateway
                    self._reply(502, b'{"message": "Internal server error"}')
                    return
                payload = response.get("body") or ""
                data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
                content_type = (response.get("headers") or {}).get("Content-Type", "application/json")
                self._reply(int(response["statusCode"]), data, content_type)

            def do_GET(self) -> None:
                self._reply(403, b'{"message":"Missing Authentication Token"}')

            def log_message(self, *args: object) -> None:  # the Lambda logs; no access log on stderr
                pass

        return Handler
