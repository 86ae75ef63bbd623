"""The stack lock's helpers, the preflight filters and the proxy's lock-call classification (no AWS call)."""

import datetime
import json

import pytest

from bench.proxy import classify, is_lock_call
from plugins.filter import tierstack_preflight as pf
from plugins.modules.stack_lock import describe_holder, is_stale, lock_document, parse_document
from tierstack import REPO_ROOT


def test_lock_document_names_the_holder():
    doc = lock_document("run1", "site.yml (suffix x)", {"awx_job_id": 42}, 60)
    assert doc["run_id"] == "run1" and doc["operation"] == "site.yml (suffix x)" and doc["awx_job_id"] == "42"
    assert doc["user"] and doc["host"] and doc["lease_seconds"] == 60
    text = describe_holder(doc)
    assert "run1" in text and doc["host"] in text and "site.yml" in text and "awx_job_id=42" in text


def test_staleness_follows_the_lease():
    doc = lock_document("r", "", {}, 60)
    since = datetime.datetime.strptime(doc["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert not is_stale(doc, at=since + datetime.timedelta(seconds=59))
    assert is_stale(doc, at=since + datetime.timedelta(seconds=61))
    assert is_stale({"run_id": "r"})  # unreadable: reported stale (still never broken without force)


def test_a_foreign_value_is_kept_readable():
    assert parse_document("not json") == {"raw": "not json"}
    assert "unreadable" in describe_holder(parse_document("not json"))
    assert parse_document(json.dumps({"run_id": "a"})) == {"run_id": "a"}


def _ssm(op, name):
    headers = {"X-Amz-Target": f"AmazonSSM.{op}",
               "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-southeast-1/ssm/aws4_request"}
    return classify("POST", "/", headers, json.dumps({"Name": name, "Value": "v"}).encode())


def test_the_proxy_counts_lock_calls_apart():
    assert _ssm("PutParameter", "/tierstack/x/lock")[2] == "lock"
    assert _ssm("DeleteParameter", "/tierstack/x/lock")[2] == "lock"
    assert _ssm("PutParameter", "/tierstack/x/lockout")[2] == "write"
    assert _ssm("PutParameter", "/tierstack/x/db-endpoint")[2] == "write"
    assert _ssm("GetParameter", "/tierstack/x/lock")[2] == "read"
    assert not is_lock_call("ssm", "PutParameter", b"")


def test_known_regions_come_from_botocore():
    regions = pf.known_regions()
    assert {"ap-southeast-1", "us-east-1", "eu-west-1", "us-gov-west-1"} <= set(regions)
    assert not pf.aws_region_known("ap-southeast-9")
    assert pf.aws_region_known("ap-southeast-9", ["ap-southeast-9"])
    assert not pf.aws_region_known(None)


def test_known_profiles_and_tiers_are_read_from_the_collection():
    profiles = pf.known_profiles([str(REPO_ROOT / "group_vars"), "/nonexistent"])
    assert {"media_streaming", "ecommerce", "flask_api", "media_processing"} <= set(profiles)
    assert "all" not in profiles
    tiers = pf.tier_roles(str(REPO_ROOT / "roles"))
    assert {"vpc", "rds_aurora", "alb", "cloudwatch"} <= set(tiers)
    assert not set(pf.NOT_TIERS) & set(tiers)


@pytest.mark.parametrize("value,ok", [(30, True), ("30", True), (3653, True), (31, False), (0, False), ("x", False),
                                      (None, False), (-30, False)])
def test_log_retention(value, ok):
    assert pf.valid_log_retention(value) is ok


@pytest.mark.parametrize("msg,expected", [
    ("Could not connect to the endpoint URL: \"http://127.0.0.1:9/\"", "cannot be reached"),
    ("Failed to retrieve caller identity: Unable to locate credentials", "No AWS credentials"),
    ("An error occurred (InvalidClientTokenId) when calling GetCallerIdentity", "were rejected"),
    ("Module result deserialization failed: No start of json char found", "does not answer as the AWS API"),
])
def test_endpoint_failures_become_one_line(msg, expected):
    line = pf.endpoint_failure({"msg": msg}, "http://e", "ap-southeast-1")
    assert expected in line and "\n" not in line


def test_endpoint_reachable_tells_a_listening_port_from_a_closed_one():
    import socket

    from ansible.errors import AnsibleLookupError

    from plugins.lookup import endpoint_reachable as er

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert er.reachable(f"http://127.0.0.1:{port}", 2) is True
    # The same port once nothing listens there any more: refused at once, not after a timeout.
    assert er.reachable(f"http://127.0.0.1:{port}", 2) is False
    assert er.host_and_port("https://sts.eu-west-2.amazonaws.com") == ("sts.eu-west-2.amazonaws.com", 443)
    assert er.host_and_port("http://localhost") == ("localhost", 80)
    for bad in ("127.0.0.1:4566", "ftp://host", "http://host:99999"):
        with pytest.raises(AnsibleLookupError):
            er.host_and_port(bad)
    assert pf.endpoint_unreachable("http://e", "eu-west-2") == pf.endpoint_failure(
        {"msg": "Could not connect to the endpoint URL"}, "http://e", "eu-west-2")
