"""The AWS JSON 1.0 edge over raw sockets: targets, bodies, errors, identity, keep-alive."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
from tests.states.harness import Running
from tests.states.shapes import error_problems, output_problems

JSON = "application/x-amz-json-1.0"


def post(
    service: Running, target: str | None, body: bytes, **headers: str
) -> tuple[int, dict[str, Any], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    fields = {"Content-Type": JSON, **headers}
    if target is not None:
        fields["X-Amz-Target"] = target
    connection.request("POST", "/", body=body, headers=fields)
    response = connection.getresponse()
    payload = json.loads(response.read() or b"{}")
    found = dict(response.getheaders())
    connection.close()
    return response.status, found, payload


def test_unknown_operation_is_refused(service: Running) -> None:
    status, headers, body = post(service, "AWSStepFunctions.Nope", b"{}")

    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert "Nope" in body["message"]
    assert headers["x-amzn-requestid"]


def test_body_that_is_not_json_is_a_serialization_error(service: Running) -> None:
    status, _, body = post(service, "AWSStepFunctions.ListStateMachines", b"{oops")

    assert status == 400
    assert body["__type"] == "SerializationException"


def test_missing_required_member_is_a_validation_error(service: Running) -> None:
    status, _, body = post(service, "AWSStepFunctions.CreateStateMachine", b'{"name": "x"}')

    assert status == 400
    assert body["__type"] == "ValidationException"
    assert "definition" in body["message"]
    assert error_problems(body) == []


def test_any_host_is_accepted_and_the_sync_prefix_does_not_matter(service: Running) -> None:
    status, _, body = post(
        service, "AWSStepFunctions.ListStateMachines", b"{}", Host="sync-localhost:9"
    )

    assert status == 200
    assert output_problems("ListStateMachines", body) == []


def test_account_and_region_come_from_the_credential(service: Running) -> None:
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    request = {"name": "signed", "definition": definition, "roleArn": "arn:aws:iam::1:role/r"}
    authorization = (
        "AWS4-HMAC-SHA256 Credential=210987654321/20261203/ap-south-1/states/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )

    status, _, body = post(
        service,
        "AWSStepFunctions.CreateStateMachine",
        json.dumps(request).encode(),
        Authorization=authorization,
    )

    assert status == 200
    assert body["stateMachineArn"] == "arn:aws:states:ap-south-1:210987654321:stateMachine:signed"


def test_keep_alive_serves_several_requests_on_one_connection(service: Running) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    headers = {"Content-Type": JSON, "X-Amz-Target": "AWSStepFunctions.ListStateMachines"}
    statuses = []
    for _ in range(3):
        connection.request("POST", "/", body=b"{}", headers=headers)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    connection.close()

    assert statuses == [200, 200, 200]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"501"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", b"413"),
    ],
)
def test_malformed_requests_get_a_status_not_a_hang(
    service: Running, raw: bytes, status: bytes
) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
        sock.sendall(raw)
        answer = sock.recv(4096)

    assert answer.startswith(b"HTTP/1.1 " + status)
