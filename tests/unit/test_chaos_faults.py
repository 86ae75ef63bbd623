"""bench/faults.py: each injected fault parses, with botocore's own parser for the protocol, into the
error code AWS sends (throttling or transient, which botocore retries)."""

import pytest
from botocore.parsers import create_parser

from bench.faults import FaultInjector, RequestRecorder, error_response, protocol_of

AUTH = "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-southeast-1/{}/aws4_request"
THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "SlowDown"}
TRANSIENT = {"InternalError", "InternalFailure", "ServiceUnavailable"}


@pytest.mark.parametrize("protocol,service", [("query", "ec2"), ("query", "rds"), ("json", "ecs"),
                                              ("rest-json", "apigateway"), ("rest-xml", "s3"), ("rest-xml", "cloudfront")])
@pytest.mark.parametrize("kind", ["throttle", "500", "503"])
def test_faults_parse_as_aws_errors(protocol, service, kind):
    status, headers, body = error_response(protocol, service, kind)
    botocore_protocol = "ec2" if service == "ec2" else protocol
    headers = {k.lower(): v for k, v in headers.items()}  # as botocore sees HTTP headers
    parsed = create_parser(botocore_protocol).parse({"status_code": status, "headers": headers, "body": body}, None)
    code = parsed["Error"]["Code"]
    assert code in (THROTTLING if kind == "throttle" else TRANSIENT), parsed
    assert status >= 400


def test_protocol_detection():
    assert protocol_of("/", {"X-Amz-Target": "AmazonSSM.GetParameter"}, b"") == "json"
    assert protocol_of("/", {"Content-Type": "application/x-www-form-urlencoded"}, b"Action=DescribeVpcs") == "query"
    assert protocol_of("/restapis", {"Authorization": AUTH.format("apigateway")}, b"") == "rest-json"
    assert protocol_of("/bucket", {"Authorization": AUTH.format("s3")}, b"") == "rest-xml"


def test_the_injector_keeps_its_rate_and_spares_the_emulator_api():
    inj = FaultInjector(rate=0.3, seed=1)
    headers = {"X-Amz-Target": "AmazonSSM.GetParameter", "Authorization": AUTH.format("ssm")}
    faults = [inj.decide("POST", "/", headers, b"{}") for _i in range(2000)]
    share = sum(f is not None for f in faults) / len(faults)
    assert 0.26 < share < 0.34
    assert {f.kind for f in faults if f} == {"throttle", "500", "503", "lost"}
    assert inj.decide("POST", "/moto-api/reset", {}, b"") is None


def test_the_recorder_never_shows_what_it_holds():
    rec = RequestRecorder({"CreateDBCluster"})
    body = b"Action=CreateDBCluster&DBClusterIdentifier=aurora-x&MasterUserPassword=s3cr3t-value"
    rec("POST", "/", {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH.format("rds")}, body, 200)
    assert rec.values("CreateDBCluster", "MasterUserPassword") == ["s3cr3t-value"]
    assert "s3cr3t" not in repr(rec) and "s3cr3t" not in str(rec)
