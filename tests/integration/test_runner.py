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
from tierstack.testing import check_progress_lines, recap

STACK_VARS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())
PROFILE = STACK_VARS["tierstack_profile"]
REGION = "ap-southeast-1"
TIERS = [t for t in os.environ.get("TIERSTACK_RUNNER_TEST_TIERS", "").split(",") if t] or STACK_VARS["tierstack_tiers"]


@pytest.fixture(scope="module")
def stack(endpoint, tmp_path_factory):
    """The stack, deployed with the tierstack.aws.tiers callback as the stdout callback (as the CLI runs it)."""
    suffix = "rn" + uuid.uuid4().hex[:6]
    log_dir = tmp_path_factory.mktemp("logs")
    env = {"AWS_ENDPOINT_URL": endpoint, "TIERSTACK_LOG_DIR": str(log_dir), "TIERSTACK_HEARTBEAT": "0"}
    state = {"suffix": suffix, "destroyed": False, "log_dir": log_dir, "env": env}
    extravars = {"tierstack_tiers": TIERS} if os.environ.get("TIERSTACK_RUNNER_TEST_TIERS") else None
    state["deploy"] = api.deploy(
        suffix,
        profile=PROFILE,
        region=REGION,
        extravars=extravars,
        envvars=env,
        on_tier=lambda tp: None,
        stdout_callback="tierstack.aws.tiers",
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
    assert "OK: " in (art / "stdout").read_text()  # the tierstack.aws.tiers summary line
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
    # A tier started without waiting (the database) has its wait after the last tier: count its first run.
    deployed = list(dict.fromkeys(t.role for t in tiers if t.role in TIERS and t.play != tiers[0].play))
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
        [sys.executable, "-m", "tierstack", "outputs", stack["suffix"]], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(None, 1) for line in proc.stdout.splitlines()[2:] if len(line.split(None, 1)) == 2)
    assert rows["VpcId"] == stack["deploy"].outputs["VpcId"]


# Output values that name no resource of the stack: AWS's fixed hosted zone of the region's load
# balancers, and the console link to the dashboard (the dashboard itself is DashboardName).
NOT_RESOURCES = {"ALBCanonicalHostedZoneId", "DashboardURL"}


def test_the_diagram_names_every_resource_of_the_outputs(stack, tmp_path):
    """python -m tierstack diagram draws the live state; every resource an output names is in the SVG."""
    import html
    import shutil

    if not shutil.which("dot"):
        pytest.fail("graphviz's dot is missing: run scripts/ensure_graphviz.sh")
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "tierstack", "diagram", stack["suffix"], "--region", REGION, "-o", str(tmp_path / "stack")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    svg = html.unescape((tmp_path / "stack.svg").read_text())
    assert (tmp_path / "stack.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    outputs = stack["deploy"].outputs
    missing = {k: v for k, v in outputs.items() if k not in NOT_RESOURCES for x in str(v).split(",") if x and x not in svg}
    assert not missing, missing
    assert "(not drawn:" not in proc.stdout, proc.stdout


def test_the_tiers_callback_lines_match_the_recap_and_hide_the_password(stack):
    """One line per tier in order, counts that add up to the recap, the key outputs, no secret anywhere."""
    result = stack["deploy"]
    screen = (result.artifact_dir / "stdout").read_text()
    logs = sorted((stack["log_dir"] / stack["suffix"]).glob("*.log"))
    assert len(logs) == 1
    log = logs[0].read_text()
    check_progress_lines(screen, log, TIERS)
    assert "Key outputs" in screen and result.outputs["VpcId"] in screen
    for key in ("CloudFrontURL", "APIGatewayEndpoint", "RDSClusterEndpoint"):
        assert key not in result.outputs or result.outputs[key] in screen
    assert sum(result.stats["changed"].values()) == recap(log)["changed"]
    if "DBSecretArn" in result.outputs:  # the data tier ran (TIERSTACK_RUNNER_TEST_TIERS may leave it out)
        secret = client("secretsmanager").get_secret_value(SecretId=result.outputs["DBSecretArn"])
        password = json.loads(secret["SecretString"])["password"]
        assert len(password) >= 16
        events = "".join(p.read_text() for p in (result.artifact_dir / "job_events").glob("*.json"))
        for text in (screen, log, events):
            assert password not in text


def test_destroy_removes_the_stack(stack, endpoint):
    suffix = stack["suffix"]
    result = api.destroy(suffix, profile=PROFILE, region=REGION, extravars=stack["extravars"], envvars=stack["env"],
                         stdout_callback="tierstack.aws.tiers")
    stack["destroyed"] = True
    assert result.ok, (result.artifact_dir / "stdout").read_text()[-3000:]
    log = sorted((stack["log_dir"] / suffix).glob("*.log"))[-1].read_text()
    check_progress_lines((result.artifact_dir / "stdout").read_text(), log, list(reversed(TIERS)))
    assert _vpcs(suffix) == []
    assert not api.outputs_path(suffix).exists()
