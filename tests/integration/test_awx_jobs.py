"""Every AWX job template of awx/, run the way AWX runs it, each from its own fresh checkout
(tierstack.awx_jobs), on a stack of its own: the deploy job creates the default profile's whole stack, as
the deploy template's survey deploys it; every later job runs in another checkout, so it finds the stack
only through its outputs and record in the account (SSM Parameter Store). The verify job, a check-mode run
of every tier from such a checkout, must find nothing to change; the teardown job must leave nothing.

make test runs the deploy (as a counted re-run), verify, switch traffic and rotate now jobs against
extensions/molecule/default's converge instead (its tests/test_stack.py), and this file in make test-all.
"""

from __future__ import annotations

import uuid

import pytest
import yaml

from tierstack import REPO_ROOT, api, awx_jobs, state
from tierstack.testing import client

REGION = "ap-southeast-1"
TIERS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tierstack_tiers"]


@pytest.fixture(scope="module")
def stack(endpoint):
    """A fresh suffix for the deploy job; whatever the test leaves is removed from the repository."""
    suffix = "awx" + uuid.uuid4().hex[:5]
    yield suffix
    if state.record(suffix, REGION) is not None:
        api.destroy(suffix, region=REGION, envvars={"AWS_ENDPOINT_URL": endpoint})


def test_every_job_template_works_from_a_fresh_checkout(stack, endpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    suffix = stack
    assert set(awx_jobs.TEMPLATES) == {"tierstack deploy", "tierstack verify", "tierstack teardown",
                                       "tierstack switch traffic", "tierstack rotate now"}, "a new job template needs a run here"
    assert state.record(suffix, REGION) is None

    # Deploy: creates the profile's whole stack from a fresh checkout, and records it in the account.
    runner, _job = awx_jobs.run_job("tierstack deploy", tmp_path, endpoint, suffix=suffix)
    assert sum((runner.stats.get("changed") or {}).values()) > 0
    record = state.record(suffix, REGION)
    assert record["tiers"] == TIERS and record["profile"] == "media_streaming"
    outputs = state.outputs(suffix, REGION)
    assert outputs["VpcId"].startswith("vpc-") and outputs["DBSecretArn"].startswith("arn:aws:secretsmanager:")

    # Verify, from another checkout: every tier in check mode finds the stack and nothing to change.
    runner, _job = awx_jobs.run_job("tierstack verify", tmp_path, endpoint, suffix=suffix)
    drift = awx_jobs.changed_tasks(runner)
    assert drift == [], drift
    assert state.outputs(suffix, REGION) == outputs

    awx_jobs.run_day2_jobs(tmp_path, endpoint, suffix, outputs, REGION)

    awx_jobs.run_job("tierstack teardown", tmp_path, endpoint, suffix=suffix)
    ssm = client("ssm", REGION)
    left = ssm.get_parameters_by_path(Path=f"/tierstack/{suffix}", Recursive=True)["Parameters"]
    assert left == [], [p["Name"] for p in left]
    ec2 = client("ec2", REGION)
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"] == []
