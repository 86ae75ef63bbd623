"""Fault injection and request recording for bench's proxy (bench/proxy.py), used by the chaos suite.

``FaultInjector(rate=0.3)`` answers a share of the AWS API calls with a fault, in the error shape of
the call's protocol, so that botocore and the modules see what AWS sends:

* ``throttle``: query protocol (EC2: ``RequestLimitExceeded`` in ``<Response><Errors>``, 503; others:
  ``Throttling`` in ``<ErrorResponse>``, 400), JSON (``ThrottlingException``, 400), REST-JSON
  (``TooManyRequestsException``, 429, ``x-amzn-ErrorType``), REST-XML (S3 ``SlowDown`` 503,
  CloudFront ``Throttling`` 400);
* ``500``: ``InternalError``/``InternalFailure`` with status 500;
* ``503``: ``ServiceUnavailable`` with status 503;
* ``lost``: the request IS forwarded (the emulator performs it) and the client gets a 500 instead of
  the answer, as when a response is lost on the way back.

The faults never reach ``/moto-api/``. ``RequestRecorder`` keeps the bodies of chosen operations in
memory only (for example CreateDBCluster, to compare the master password with the secret's); it never
prints or writes them.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

KINDS = ("throttle", "500", "503", "lost")


@dataclass
class Fault:
    kind: str
    status: int
    headers: dict
    body: bytes

    @property
    def lost(self) -> bool:
        return self.kind == "lost"


def protocol_of(path: str, headers, body: bytes) -> str:
    """'json', 'query', 'rest-json' or 'rest-xml' for one request."""
    if headers.get("X-Amz-Target"):
        return "json"
    if "Action=" in (urlparse(path).query or "") or (
            body and "x-www-form-urlencoded" in (headers.get("Content-Type") or "") and b"Action=" in body):
        return "query"
    from bench.proxy import service_of

    return "rest-xml" if service_of(headers) in ("s3", "cloudfront", "route53") else "rest-json"


def error_response(protocol: str, service: str, kind: str) -> tuple[int, dict, bytes]:
    """(status, headers, body) of an AWS error of ``kind`` ('throttle', '500', '503') for the protocol."""
    rid = str(uuid.uuid4())
    if kind == "throttle":
        status, code, message = 400, "Throttling", "Rate exceeded"
    elif kind == "503":
        status, code, message = 503, "ServiceUnavailable", "Service is unavailable, try again later"
    else:
        status, code, message = 500, "InternalError", "We encountered an internal error. Please try again."
    if protocol == "json":
        code = {"Throttling": "ThrottlingException", "InternalError": "InternalFailure"}.get(code, code)
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": rid}, body
    if protocol == "rest-json":
        if kind == "throttle":
            status, code, message = 429, "TooManyRequestsException", "Too Many Requests"
        body = json.dumps({"message": message}).encode()
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:", "x-amzn-RequestId": rid}, body
    if service == "ec2":
        if kind == "throttle":
            status, code = 503, "RequestLimitExceeded"
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>").encode()
        return status, {"Content-Type": "text/xml"}, body
    if protocol == "rest-xml" and service == "s3":
        if kind == "throttle":
            status, code, message = 503, "SlowDown", "Please reduce your request rate."
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message>"
                f"<RequestId>{rid}</RequestId></Error>").encode()
        return status, {"Content-Type": "application/xml"}, body
    body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>"
            f"{'Sender' if status < 500 else 'Receiver'}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>").encode()
    return status, {"Content-Type": "text/xml"}, body


class FaultInjector:
    """Decides, per AWS call, whether to answer with a fault. Thread-safe; counts what it injected."""

    def __init__(self, rate: float = 0.3, kinds: tuple[str, ...] = KINDS, seed: int | None = None,
                 lost_ops: tuple[str, ...] | None = None):
        self.rate = rate
        self.kinds = tuple(kinds)
        self.random = random.Random(seed)
        # "lost" only for these operations (None: any); other picks of "lost" become a 500.
        self.lost_ops = lost_ops
        self.injected: Counter = Counter()
        self.calls = 0
        self.lock = threading.Lock()
        self.enabled = True

    def decide(self, method: str, path: str, headers, body: bytes) -> Fault | None:
        if not self.enabled or path.startswith("/moto-api"):
            return None
        from bench.proxy import classify

        service, op, _resource = classify(method, path, headers, body)
        with self.lock:
            self.calls += 1
            if self.random.random() >= self.rate:
                return None
            kind = self.random.choice(self.kinds)
        if kind == "lost" and self.lost_ops is not None and op not in self.lost_ops:
            kind = "500"
        status, hdrs, payload = error_response(protocol_of(path, headers, body), service,
                                               "500" if kind == "lost" else kind)
        with self.lock:
            self.injected[kind] += 1
        return Fault(kind, status, hdrs, payload)

    def summary(self) -> dict:
        with self.lock:
            return {"calls": self.calls, "injected": dict(self.injected), "rate": self.rate}


def operation_params(path: str, headers, body: bytes) -> dict:
    """The parameters of a query or JSON request as a flat dict (first value of each query key)."""
    if headers.get("X-Amz-Target"):
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return {}
    params = parse_qs(urlparse(path).query)
    if body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        params.update(parse_qs(body.decode("utf-8", "replace")))
    return {k: v[0] for k, v in params.items()}


class RequestRecorder:
    """Keeps, in memory only, the parameters of the operations named in ``ops`` (for example
    ``{"CreateDBCluster", "ModifyDBCluster"}``). Never prints or writes them: the values may be secrets."""

    def __init__(self, ops):
        self.ops = set(ops)
        self.records: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, method: str, path: str, headers, body: bytes, status: int) -> None:
        from bench.proxy import classify

        _service, op, _resource = classify(method, path, headers, body)
        if op in self.ops and status < 400:
            with self.lock:
                self.records.append((op, operation_params(path, headers, body)))

    def values(self, op: str, key: str) -> list:
        with self.lock:
            return [params[key] for name, params in self.records if name == op and key in params]

    def __repr__(self) -> str:  # never show the recorded values
        return f"RequestRecorder(ops={sorted(self.ops)}, records={len(self.records)})"
