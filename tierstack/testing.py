"""Helpers for tests that read a deployed stack back from the endpoint with boto3."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from tierstack import REPO_ROOT
from tierstack.emulator import endpoint_url

DEFAULT_REGION = "ap-southeast-1"


def endpoint() -> str:
    """The endpoint the tests talk to: AWS_ENDPOINT_URL, else the emulator's default."""
    return os.environ.get("AWS_ENDPOINT_URL") or endpoint_url()


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


@lru_cache(maxsize=None)
def client(service: str, region_name: str | None = None):
    """A boto3 client for the emulator (or for real AWS when TIERSTACK_TARGET=aws)."""
    import boto3

    kwargs = {"region_name": region_name or region()}
    if os.environ.get("TIERSTACK_TARGET", "emulator") == "emulator":
        kwargs.update(
            endpoint_url=endpoint(),
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return boto3.client(service, **kwargs)


def scenario_suffix(default: str) -> str:
    """The suffix a scenario's verify tests read back: the scenario's own, or TIERSTACK_TEST_SUFFIX where
    another scenario's converge holds the same tiers (extensions/molecule/default verifies vpc, data and container
    against its whole stack)."""
    return os.environ.get("TIERSTACK_TEST_SUFFIX") or default


def outputs_path(suffix: str):
    return REPO_ROOT / "outputs" / suffix / "flat-outputs.json"


def outputs(suffix: str) -> dict:
    """The stack's flat-outputs.json as a dict."""
    return json.loads(outputs_path(suffix).read_text())


def tags_of(resource: dict, key: str = "Tags") -> dict:
    """Tags of an EC2-style resource as a plain dict."""
    return {t["Key"]: t["Value"] for t in resource.get(key) or []}


def stack_outputs(suffix: str, region_name: str) -> dict:
    """The stack's outputs as the account records them (SSM Parameter Store, tierstack.state), read
    from the endpoint in the stack's region: what a profile scenario's verify checks against."""
    from tierstack import state

    return state.outputs(suffix, region_name, client=client("ssm", region_name))


def stack_fixtures(suffix: str, region_name: str):
    """The ``outputs`` and ``aws`` fixtures of a profile scenario's conftest.py: the stack's outputs from
    the account's record, and a function from a service name to a client in the profile's region."""
    import pytest

    @pytest.fixture(name="outputs", scope="module")
    def outputs_fixture():
        return stack_outputs(suffix, region_name)

    @pytest.fixture(name="aws", scope="module")
    def aws_fixture():
        return lambda service: client(service, region_name)

    return outputs_fixture, aws_fixture


def as_list(value) -> list:
    """An IAM policy field (Action, Resource) that may be one string or a list, as a list."""
    return value if isinstance(value, list) else [value]


def role_statements(iam, role: str) -> list[dict]:
    """Every statement of a role's inline policies (role by name or ARN)."""
    name = role.rsplit("/", 1)[-1]
    out = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        out += as_list(doc["Statement"])
    return out


def attached_policies(iam, role: str) -> list[str]:
    """The names of the managed policies attached to a role (by name or ARN), sorted."""
    name = role.rsplit("/", 1)[-1]
    return sorted(p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])


# An endpoint where nothing listens: a playbook run against it fails on its first API
# call, so a failure that names our variable proves the check ran before any call.
NO_API_ENDPOINT = "http://127.0.0.1:9"


def run_playbook(playbook: str, extra_vars: dict, endpoint: str | None = None, check: bool = False, timeout: int = 1800):
    """Run a playbook from the repository root; returns the CompletedProcess (stdout has stderr folded in)."""
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    bin_dir = Path(sys.executable).parent
    cmd = [str(bin_dir / "ansible-playbook"), playbook, "-e", json.dumps(extra_vars)]
    if check:
        cmd += ["--check", "--diff"]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=False, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)


def assert_rerun_is_read_only(extra_vars: dict) -> dict:
    """Re-run site.yml with ``extra_vars`` through bench's counting proxy in front of the lane's emulator and
    assert what an idempotent run must be: changed=0, and no write call besides the stack lock's own two
    (taken and released). Returns the proxy's counts."""

    def rerun(url):
        result = run_playbook("site.yml", extra_vars, endpoint=url)
        assert result.returncode == 0, result.stdout[-3000:]
        assert recap(result.stdout)["changed"] == 0, result.stdout[-3000:]

    return assert_read_only(rerun)


def assert_read_only(run) -> dict:
    """Call ``run(endpoint_url)`` with the URL of bench's counting proxy in front of the lane's emulator (``run``
    asserts its own result), then assert that the calls were those of an idempotent run: reads, and no write
    call besides the stack lock's own two (taken and released). Returns the proxy's counts."""
    from bench.proxy import CountingProxy
    from tierstack.emulator import endpoint_port

    proxy = CountingProxy(endpoint_port(os.environ)).start()
    try:
        proxy.phase = "rerun"
        run(proxy.url)
        stats = proxy.take("rerun").as_dict()
    finally:
        proxy.stop()
    assert stats["reads"] > 50, stats
    assert stats["writes"] == 0, stats["write_ops"]
    assert stats["lock_calls"] == 2, stats
    return stats


def assert_fails_before_any_api_call(result, *expected: str) -> None:
    """The run failed, its message names what is expected, and no AWS endpoint was contacted."""
    out = result.stdout
    assert result.returncode != 0, out[-3000:]
    for text in expected:
        assert text in out, f"{text!r} not in output:\n{out[-3000:]}"
    for sign in API_CALL_SIGNS:
        assert sign not in out, f"an API call was attempted before validation:\n{out[-3000:]}"


# One line of the tierstack.aws.tiers callback: mark, unit, bar, done/total, changed[, failed], time.
PROGRESS_LINE = r"^(ok|!!|\.\.) (\S+)\s+\[[#.]+\]\s+(\d+)/(\d+|\?)\s+(\d+) changed(?:, (\d+) failed)?\s+(.*)$"


def progress_units(screen: str) -> list[tuple]:
    """(mark, unit, done, changed, failed) for each finished line of the tierstack.aws.tiers callback."""
    import re

    pattern = re.compile(PROGRESS_LINE)
    return [(m.group(1), m.group(2), int(m.group(3)), int(m.group(5)), int(m.group(6) or 0))
            for m in map(pattern.match, screen.splitlines()) if m and m.group(1) != ".."]


def recap(log: str) -> dict:
    """The totals of the PLAY RECAP in a run's log (one host)."""
    import re

    match = re.search(r"^\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", log, re.M)
    assert match, log[-2000:]
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(4))}


def check_progress_lines(screen: str, log: str, tiers: list[str]) -> None:
    """The callback's screen: plain text, the tiers in order between the checks and the outputs,
    every line ok, and changed counts that add up to the log's play recap and the summary line."""
    assert "\x1b[" not in screen, screen[-2000:]
    units = progress_units(screen)
    names = [u[1] for u in units]
    assert [n for n in names if n in tiers] == list(tiers), screen[-3000:]
    assert names.index("validate") < names.index(tiers[0]), names
    # After the tiers: the deferred waits (site.yml), the outputs, the stack lock's release.
    assert "outputs" in names[names.index(tiers[-1]):], names
    assert all(u[0] == "ok" for u in units), screen[-3000:]
    totals = recap(log)
    assert sum(u[3] for u in units) == totals["changed"], (units, totals)
    assert f"OK: {totals['changed']} changed, 0 failed, {totals['ok']} ok" in screen, screen[-1500:]
    assert "PLAY RECAP" in log and "TASK [" in log


# What a run prints once it has called the (absent) endpoint: botocore's own words, or the one line of
# the endpoint check (roles/preflight/tasks/endpoint.yml) that runs before the first tier.
API_CALL_SIGNS = ("Could not connect to the endpoint", "EndpointConnectionError", "Connection refused",
                  "cannot be reached (no connection)")


def reached_the_api(result) -> bool:
    """The run got as far as calling the endpoint (the control case of the bad-input tests)."""
    return any(sign in result.stdout for sign in API_CALL_SIGNS)
