"""Stack-wide bad input (profile, region, tiers, services, retention) fails before any API call, naming
the variable; and a bad endpoint or missing credentials give one clear line before the first tier."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tierstack import REPO_ROOT
from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook

SERVICES = [{"name": "frontend", "port": 8080, "path_patterns": []}, {"name": "backend", "port": 5000, "path_patterns": ["/api/*"]}]

CASES = {
    "unknown profile": ({"tierstack_profile": "ecomerce"}, ["tierstack_profile 'ecomerce' is not a known profile", "ecommerce",
                                                            "media_streaming", "flask_api"]),
    "plausible unknown region": ({"tierstack_region": "ap-southeast-9"}, ["tierstack_region 'ap-southeast-9' is not an AWS region"]),
    "region typo": ({"tierstack_region": "us-east1"}, ["tierstack_region 'us-east1'"]),
    "unknown tier": ({"tierstack_tiers": ["vpc", "rds"]}, ["tierstack_tiers", "unknown: rds"]),
    "tier twice": ({"tierstack_tiers": ["vpc", "vpc"]}, ["tierstack_tiers", "distinct"]),
    "no tier": ({"tierstack_tiers": []}, ["tierstack_tiers"]),
    "port out of range": ({"tierstack_services": [dict(SERVICES[0], port=70000), SERVICES[1]]}, ["tierstack_services", "ports 1 to 65535"]),
    "port not a number": ({"tierstack_services": [dict(SERVICES[0], port="http"), SERVICES[1]]}, ["tierstack_services"]),
    "duplicate service names": ({"tierstack_services": [SERVICES[1], dict(SERVICES[1], port=5001)]}, ["tierstack_services", "distinct"]),
    "service name too long": ({"tierstack_services": [dict(SERVICES[0], name="frontend-x"), SERVICES[1]]}, ["tierstack_services"]),
    "log retention AWS does not accept": ({"tierstack_log_retention_days": 31}, ["tierstack_log_retention_days (31)", "3653"]),
    "output alias that is an output's own name": (
        {"tierstack_output_aliases": {"VpcId": "VpcCidr"}}, ["tierstack_output_aliases must map new names", "(['VpcId'])"]),
    "output alias name with a dash": ({"tierstack_output_aliases": {"Alb-Dns": "ALBDNSName"}}, ["tierstack_output_aliases must map new names"]),
    "log retention not a number": ({"tierstack_log_retention_days": "month"}, ["tierstack_log_retention_days"]),
}


@pytest.mark.parametrize("extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_stack_input_fails_before_any_api_call(extra_vars, expected):
    extra = {"suffix": "bad2", "tierstack_tiers": ["vpc"], **extra_vars}
    result = run_playbook("site.yml", extra, endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)


def test_teardown_validates_the_profile_too():
    result = run_playbook("playbooks/teardown.yml", {"suffix": "bad2", "tierstack_profile": "nope"}, endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, "tierstack_profile 'nope' is not a known profile")


def _one_line(result, text):
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if text in line]
    assert lines, result.stdout[-3000:]
    assert "Traceback" not in result.stdout and "deserialization" not in lines[0], result.stdout[-3000:]
    # It stopped at the endpoint check: no tier task ran.
    assert "TASK [vpc :" not in result.stdout.split("Check that the AWS endpoint answers")[-1]


def test_an_unreachable_endpoint_is_one_clear_line():
    result = run_playbook("site.yml", {"suffix": "good2", "tierstack_tiers": ["vpc"]}, endpoint=NO_API_ENDPOINT)
    _one_line(result, f"The AWS endpoint {NO_API_ENDPOINT} cannot be reached (no connection)")


@pytest.fixture
def not_aws():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_endpoint_that_is_not_aws_is_one_clear_line(not_aws):
    result = run_playbook("site.yml", {"suffix": "good2", "tierstack_tiers": ["vpc"]}, endpoint=not_aws)
    _one_line(result, f"The endpoint {not_aws} does not answer as the AWS API")


def test_missing_credentials_are_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", AWS_EC2_METADATA_DISABLED="true",
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_REGION="ap-southeast-1")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "inventories/aws", "site.yml",
           "-e", '{"suffix": "good2", "tierstack_tiers": ["vpc"]}']
    result = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                            check=False)
    _one_line(result, "No AWS credentials were found")
