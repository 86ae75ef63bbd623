"""site.yml through ansible-runner, as an AWX job template runs it, against the emulator.

A fresh suffix is deployed with exactly the extra variables the "tierstack deploy" job template's
survey passes (suffix, tierstack_profile, tierstack_region), for whatever tierstack_tiers is. The
test checks the runner's status and artifacts, the outputs, and reads the VPC back with boto3;
then it tears the stack down through the API and checks that the VPC is gone.
TIERSTACK_RUNNER_TEST_TIERS=vpc,rds_aurora narrows the tiers (for a quicker local run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml

from tierstack import REPO_ROOT, api
from tierstack.testing import client

STACK_VARS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())
PROFILE = STACK_VARS["tierstack_profile"]
REGION = "ap-southeast-1"
TIERS = [t for t in os.environ.get("TIERSTACK_RUNNER_TEST_TIERS", "").split(",") if t] or STACK_VARS["tierstack_tiers"]


@pytest.fixture(scope="module")
def stack(endpoint):
    suffix = "rn" + uuid.uuid4().hex[:6]
    state = {"suffix": suffix, "destroyed": False}
    extravars = {"tierstack_tiers": TIERS} if os.environ.get("TIERSTACK_RUNNER_TEST_TIERS") else None
    state["deploy"] = api.deploy(
        suffix,
        profile=PROFILE,
        region=REGION,
        extravars=extravars,
        envvars={"AWS_ENDPOINT_URL": endpoint},
        on_tier=lambda tp: None,
    )
    state["extravars"] = extravars
    yield state
    if not state["destroyed"]:
        api.destroy(suffix, profile=PROFILE, region=REGION, extravars=extravars, envvars={"AWS_ENDPOINT_URL": endpoint})


def _vpcs(suffix):
    return client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"tierstack-{suffix}"]}])["Vpcs"]


def test_the_deploy_succeeds(stack):
    result = stack["deploy"]
    tail = (result.artifact_dir / "stdout").read_text(errors="replace")[-3000:] if result.artifact_dir.exists() else ""
    assert result.status == "successful", tail
    assert result.rc == 0
    assert result.stats["failures"] == {} and result.stats["dark"] == {}


def test_the_runner_artifacts(stack):
    result = stack["deploy"]
    art = result.artifact_dir
    assert art.is_dir() and art.parent.parent == result.private_data_dir
    assert (art / "rc").read_text().strip() == "0"
    assert (art / "status").read_text().strip() == "successful"
    assert "PLAY RECAP" in (art / "stdout").read_text()
    events = [json.loads(p.read_text()) for p in (art / "job_events").glob("*.json")]
    kinds = {e["event"] for e in events}
    assert {"playbook_on_start", "playbook_on_play_start", "runner_on_ok", "playbook_on_stats"} <= kinds
    assert {e["event_data"].get("playbook") for e in events if e["event"] == "playbook_on_start"} == {"site.yml"}
    # The extra variables are exactly those of the job template's survey.
    extravars = yaml.safe_load((result.private_data_dir / "env" / "extravars").read_text())
    expected = {"suffix": stack["suffix"], "tierstack_profile": PROFILE, "tierstack_region": REGION}
    assert extravars == {**expected, **(stack["extravars"] or {})}


def test_every_tier_ran_in_order(stack):
    tiers = stack["deploy"].tiers
    # The first play only checks inputs (tasks_from: validate); the tiers deploy in a later one.
    deployed = [t.role for t in tiers if t.role in TIERS and t.play != tiers[0].play]
    assert deployed == TIERS
    assert all(t.failed == 0 for t in stack["deploy"].tiers)


def test_the_outputs_match_the_emulator(stack):
    suffix, outputs = stack["suffix"], stack["deploy"].outputs
    assert outputs == api.outputs(suffix)
    assert outputs["VpcId"].startswith("vpc-")
    (vpc,) = _vpcs(suffix)
    assert vpc["VpcId"] == outputs["VpcId"]
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]}["Environment"] == suffix
    subnets = client("ec2").describe_subnets(SubnetIds=outputs["PrivateSubnetIds"].split(","))["Subnets"]
    assert {s["VpcId"] for s in subnets} == {outputs["VpcId"]}


def test_the_cli_prints_the_outputs(stack):
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "tierstack", "outputs", stack["suffix"]], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(None, 1) for line in proc.stdout.splitlines()[2:] if len(line.split(None, 1)) == 2)
    assert rows["VpcId"] == stack["deploy"].outputs["VpcId"]


def test_destroy_removes_the_stack(stack, endpoint):
    suffix = stack["suffix"]
    result = api.destroy(suffix, profile=PROFILE, region=REGION, extravars=stack["extravars"], envvars={"AWS_ENDPOINT_URL": endpoint})
    stack["destroyed"] = True
    assert result.ok, (result.artifact_dir / "stdout").read_text()[-3000:]
    assert _vpcs(suffix) == []
    assert not api.outputs_path(suffix).exists()
