"""A loopback reverse proxy in front of the emulator that counts AWS API calls.

Each request is classified by its operation:

* JSON protocols (ECS, Secrets Manager, CloudWatch Logs, ...): the ``X-Amz-Target`` header;
* query protocols (EC2, RDS, IAM, ELBv2, CloudWatch, STS, ...): the ``Action`` form or query parameter;
* REST protocols (S3, Lambda, API Gateway, CloudFront, ...): the method and path.

An operation is a *read* when its name starts with one of READ_PREFIXES (Describe, List, Get, ...),
or, for REST calls, when the method is GET or HEAD; everything else is a *write*.  The proxy also sums
the upstream service time (from sending the request to the emulator until its full answer has been
read), which is the emulator's own share of a run.  Requests to ``/moto-api/`` are not counted.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

READ_PREFIXES = (
    "Describe", "List", "Get", "Head", "Lookup", "Search", "Query", "Scan", "Check", "Validate",
    "BatchGet", "Test", "Preview", "Estimate", "Simulate", "Select",
)
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade"}


def service_of(headers) -> str:
    """The signing service of a SigV4 request (``ec2``, ``rds``, ...), or ``?``."""
    match = _SCOPE.search(headers.get("Authorization", "") or "")
    return match.group(1) if match else "?"


def classify(method: str, path: str, headers, body: bytes) -> tuple[str, str, str]:
    """(service, operation, 'read'|'write') of one AWS API request."""
    service = service_of(headers)
    target = headers.get("X-Amz-Target")
    if target:
        op = target.rsplit(".", 1)[-1]
        if is_lock_call(service, op, body):
            return service, op, "lock"
        return service, op, "read" if op.startswith(READ_PREFIXES) else "write"
    parsed = urlparse(path)
    action = parse_qs(parsed.query).get("Action")
    if not action and body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        op = action[0]
        return service, op, "read" if op.startswith(READ_PREFIXES) else "write"
    # REST: collapse ids out of the path so that operations group together.
    shape = "/".join(
        "{id}" if re.search(r"[0-9]", part) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", part) else part
        for part in parsed.path.split("/")
    ) or "/"
    op = f"{method} {shape}"
    return service, op, "read" if method in ("GET", "HEAD") else "write"


_LOCK_NAME = re.compile(r'"Name"\s*:\s*"[^"]*/lock"')


def is_lock_call(service: str, op: str, body: bytes) -> bool:
    """A write on the stack lock (an SSM parameter whose last path element is ``lock``): the only writes
    an idempotent re-run makes, counted apart from the stack's own writes."""
    return service == "ssm" and op in ("PutParameter", "DeleteParameter") and bool(
        _LOCK_NAME.search(body.decode("utf-8", "replace") if body else ""))


@dataclass
class PhaseStats:
    reads: int = 0
    writes: int = 0
    lock_calls: int = 0
    errors: int = 0
    service_seconds: float = 0.0
    ops: Counter = field(default_factory=Counter)  # (service, op, kind) -> count
    op_seconds: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "reads": self.reads,
            "writes": self.writes,
            "calls": self.reads + self.writes,
            "lock_calls": self.lock_calls,
            "errors": self.errors,
            "service_seconds": round(self.service_seconds, 3),
            "write_ops": {f"{s}:{o}": n for (s, o, k), n in sorted(self.ops.items()) if k == "write"},
            "top_ops": [
                {"op": f"{s}:{o}", "kind": k, "calls": self.ops[(s, o, k)], "seconds": round(t, 3)}
                for (s, o, k), t in self.op_seconds.most_common(10)
            ],
        }


class CountingProxy:
    """Start with ``CountingProxy(upstream_port).start()``; set ``.phase`` before each measured phase."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1", port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.phase = "idle"
        self.stats: dict[str, PhaseStats] = {}
        # Optional hooks (bench/faults.py): faults.decide(...) -> Fault | None; recorder(..., status).
        self.faults = None
        self.recorder = None
        self.lock = threading.Lock()
        # Response hooks: hook(method, path, headers, body, status, data) -> data, applied in order
        # (bench/latency.py's LatencyModel rewrites describe answers to in-progress states).
        self.hooks: list = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                conn = getattr(self.server.local, "conn", None)
                if conn is None:
                    conn = http.client.HTTPConnection(*proxy.upstream, timeout=300)
                    self.server.local.conn = conn
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                fault = proxy.faults.decide(self.command, self.path, self.headers, body) if proxy.faults else None
                if fault is not None and not fault.lost:
                    return self._answer(fault.status, fault.headers.items(), fault.body)
                started = time.perf_counter()
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(*proxy.upstream, timeout=300)
                    self.server.local.conn = conn
                    started = time.perf_counter()
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                elapsed = time.perf_counter() - started
                if not self.path.startswith("/moto-api"):
                    proxy.record(self.command, self.path, self.headers, body, resp.status, elapsed)
                    if proxy.recorder is not None:
                        proxy.recorder(self.command, self.path, self.headers, body, resp.status)
                    for hook in proxy.hooks:
                        data = hook(self.command, self.path, self.headers, body, resp.status, data)
                if fault is not None:  # a lost response: performed upstream, answered with a fault
                    return self._answer(fault.status, fault.headers.items(), fault.body)
                self._answer(resp.status, resp.getheaders(), data)

            def _answer(self, status, headers, data):
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        # one upstream connection per handler thread
        Server.local = threading.local()
        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="counting-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "CountingProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, method, path, headers, body, status, elapsed) -> None:
        service, op, kind = classify(method, path, headers, body)
        with self.lock:
            st = self.stats.setdefault(self.phase, PhaseStats())
            if kind == "read":
                st.reads += 1
            elif kind == "lock":
                st.lock_calls += 1
            else:
                st.writes += 1
            st.errors += status >= 400
            st.service_seconds += elapsed
            st.ops[(service, op, kind)] += 1
            st.op_seconds[(service, op, kind)] += elapsed

    def take(self, phase: str) -> PhaseStats:
        with self.lock:
            return self.stats.get(phase, PhaseStats())
