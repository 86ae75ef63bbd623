"""bench/proxy.py: how AWS calls are classified, and that the proxy forwards and counts them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.proxy import CountingProxy, classify


def _auth(service):
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261124/ap-southeast-1/{service}/aws4_request, SignedHeaders=host"}


@pytest.mark.parametrize(
    "method,path,headers,body,expected",
    [
        ("POST", "/", {**_auth("ec2"), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
         b"Action=DescribeVpcs&Version=2016-11-15", ("ec2", "DescribeVpcs", "read")),
        ("POST", "/", {**_auth("ec2"), "Content-Type": "application/x-www-form-urlencoded"},
         b"Action=CreateVpc&CidrBlock=10.0.0.0%2F16", ("ec2", "CreateVpc", "write")),
        ("GET", "/?Action=ListRoles&Version=2010-05-08", _auth("iam"), b"", ("iam", "ListRoles", "read")),
        ("POST", "/", {**_auth("secretsmanager"), "X-Amz-Target": "secretsmanager.GetSecretValue"}, b"{}",
         ("secretsmanager", "GetSecretValue", "read")),
        ("POST", "/", {**_auth("ecs"), "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateService"}, b"{}",
         ("ecs", "CreateService", "write")),
        ("GET", "/2015-03-31/functions/rot-dev1", _auth("lambda"), b"", ("lambda", "GET /2015-03-31/functions/{id}", "read")),
        ("PUT", "/bucket-dev1", _auth("s3"), b"", ("s3", "PUT /{id}", "write")),
        ("HEAD", "/bucket", _auth("s3"), b"", ("s3", "HEAD /bucket", "read")),
        ("DELETE", "/restapis/abc123", _auth("apigateway"), b"", ("apigateway", "DELETE /restapis/{id}", "write")),
    ],
)
def test_classify(method, path, headers, body, expected):
    assert classify(method, path, headers, body) == expected


@pytest.fixture
def upstream():
    """A stand-in for the emulator on loopback: answers every request with 200 and its method."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status = 404 if self.path.startswith("/missing") else 200
            body = f"{self.command} {self.path}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_proxy_forwards_and_counts_by_phase(upstream):
    import http.client

    proxy = CountingProxy(upstream).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        form = {**_auth("ec2"), "Content-Type": "application/x-www-form-urlencoded"}
        proxy.phase = "cold"
        for body in (b"Action=DescribeVpcs", b"Action=CreateVpc", b"Action=DescribeSubnets"):
            conn.request("POST", "/", body=body, headers=form)
            resp = conn.getresponse()
            assert (resp.status, resp.read()) == (200, b"POST /")
        conn.request("GET", "/missing/thing", headers=_auth("s3"))
        assert conn.getresponse().read() == b"GET /missing/thing"
        proxy.phase = "rerun"
        conn.request("POST", "/", body=b"Action=DescribeVpcs", headers=form)
        conn.getresponse().read()
        conn.request("POST", "/moto-api/reset", body=b"")  # the bench's own calls are not counted
        conn.getresponse().read()
        conn.close()
    finally:
        proxy.stop()
    cold, rerun = proxy.take("cold").as_dict(), proxy.take("rerun").as_dict()
    assert (cold["reads"], cold["writes"], cold["errors"]) == (3, 1, 1)
    assert cold["write_ops"] == {"ec2:CreateVpc": 1}
    assert cold["service_seconds"] > 0
    assert (rerun["reads"], rerun["writes"], rerun["calls"]) == (1, 0, 1)
    assert proxy.take("idle").as_dict()["calls"] == 0
