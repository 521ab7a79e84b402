"""The local API Gateway: real HTTP in, the REST proxy event out, the Lambda's answer back."""

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from standins.api_gateway import REPLAY_TIME_HEADER, LocalApiGateway, PortInUse, proxy_event


def request(url, body=b"", method="POST", headers=None):
    req = urllib.request.Request(
        url, data=body if method == "POST" else None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture
def recorded():
    events = []

    def invoke(event):
        events.append(event)
        return {"statusCode": 202, "headers": {"Content-Type": "text/plain"}, "body": "accepted"}

    with LocalApiGateway(invoke) as api:
        yield api, events


def test_a_post_becomes_a_rest_proxy_event_and_the_answer_comes_back(recorded):
    api, events = recorded
    status, body, headers = request(f"{api.url}/webhook", b'{"update_id": 1}',
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "abc", "Content-Type": "application/json"})  # fmt: skip
    assert (status, body, headers["Content-Type"]) == (202, b"accepted", "text/plain")
    (event,) = events
    assert (event["httpMethod"], event["path"], event["resource"]) == ("POST", "/webhook", "/webhook")
    assert event["body"] == '{"update_id": 1}' and event["isBase64Encoded"] is False
    assert event["headers"]["X-Telegram-Bot-Api-Secret-Token"] == "abc"
    assert event["multiValueHeaders"]["X-Telegram-Bot-Api-Secret-Token"] == ["abc"]
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert isinstance(event["requestContext"]["requestTimeEpoch"], int)


def test_binary_bodies_arrive_base64_encoded(recorded):
    api, events = recorded
    request(f"{api.url}/webhook", b"\xff\xfe\x00binary")
    assert events[0]["isBase64Encoded"] is True
    assert base64.b64decode(events[0]["body"]) == b"\xff\xfe\x00binary"


def test_replay_time_sets_request_time_and_never_reaches_the_lambda(recorded):
    api, events = recorded
    request(f"{api.url}/webhook", b"{}", headers={REPLAY_TIME_HEADER: "1741000000123"})
    assert events[0]["requestContext"]["requestTimeEpoch"] == 1741000000123
    assert all(name.lower() != REPLAY_TIME_HEADER.lower() for name in events[0]["headers"])


def test_unknown_routes_get_api_gateways_403(recorded):
    api, events = recorded
    assert request(f"{api.url}/other", b"{}")[0] == 403
    assert request(f"{api.url}/webhook", method="GET")[0] == 403
    assert events == []


def test_the_outgoing_route_like_the_deployed_api(recorded):
    """POST /outgoing, where a bot backend posts the messages it sent, is its own resource."""
    api, events = recorded
    assert request(f"{api.url}/outgoing?x=1", b'{"message_id": 1}')[0] == 202
    (event,) = events
    assert (event["path"], event["resource"], event["body"]) == (
        "/outgoing",
        "/outgoing",
        '{"message_id": 1}',
    )
    assert request(f"{api.url}/outgoing", method="GET")[0] == 403


def test_a_lambda_that_raises_is_a_502():
    def broken(event):
        raise ValueError("boom")

    with LocalApiGateway(broken) as api:
        status, body, _ = request(f"{api.url}/webhook", b"{}")
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port}.*choose another port"):
            LocalApiGateway(lambda event: {}, port=port)


def test_proxy_event_without_body():
    event = proxy_event("POST", "/webhook", {}, b"", request_time_ms=5)
    assert event["body"] is None and event["requestContext"]["requestTimeEpoch"] == 5


def test_250_concurrent_connections_are_all_answered_none_reset():
    def slow(event):
        time.sleep(0.2)  # every connection is still open when the last one arrives
        return {"statusCode": 200, "body": "{}"}

    count, barrier = 250, threading.Barrier(250)

    def client(_):
        barrier.wait()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(
                    b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                )
                return conn.makefile("rb").readline()
        except OSError as error:
            return repr(error)

    with LocalApiGateway(slow) as api:
        port = int(api.url.rsplit(":", 1)[1])
        with ThreadPoolExecutor(max_workers=count) as pool:
            answers = list(pool.map(client, range(count)))
    failures = [a for a in answers if a != b"HTTP/1.1 200 OK\r\n"]
    assert failures == [], f"{len(failures)} of {count} failed, e.g. {failures[:3]}"
