"""The stack's state in the account: tierstack.aws.ssm_parameter_set (publishing), the stack_outputs
lookup, tierstack.state / the CLI, and the failures for a stack that is not there. Against the emulator;
every check reads the parameters back with boto3."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml

from tierstack import cli, state
from tierstack.testing import client, run_playbook

REGION = "ap-southeast-1"
TAGS = {"Environment": "x", "Project": "tierstack", "Owner": "t", "ManagedBy": "ansible-tierstack"}


def _play(tmp_path, tasks, endpoint):
    path = tmp_path / "play.yml"
    defaults = {"endpoint_url": endpoint, "access_key": "testing", "secret_key": "testing", "region": REGION}
    path.write_text(yaml.safe_dump([{
        "hosts": "tierstack", "gather_facts": False,
        "module_defaults": {"group/tierstack.aws.aws": defaults},
        "tasks": tasks,
    }]))
    return path


def test_publish_is_idempotent_and_scoped_by_tier(endpoint, tmp_path):
    suffix = "st" + uuid.uuid4().hex[:6]
    path = f"/tierstack/{suffix}/outputs"
    ssm = client("ssm", REGION)

    def publish(values, tier="vpc", state_="present"):
        play = _play(tmp_path, [{
            "name": "publish", "register": "r",
            "tierstack.aws.ssm_parameter_set": {"path": path, "parameters": values, "tags": dict(TAGS, Tier=tier),
                                                "owner_tags": {"Tier": tier}, "state": state_},
        }, {"ansible.builtin.debug": {"msg": "CHANGED={{ r.changed }}"}}], endpoint)
        result = run_playbook(str(play), {"suffix": suffix}, endpoint=endpoint)
        assert result.returncode == 0, result.stdout[-2000:]
        return "CHANGED=True" in result.stdout

    assert publish({"VpcId": "vpc-1", "PublicSubnetIds": "s-1,s-2", "IsolatedSubnetIds": ""})
    assert not publish({"VpcId": "vpc-1", "PublicSubnetIds": "s-1,s-2", "IsolatedSubnetIds": ""})
    assert publish({"ALBArn": "arn:alb"}, tier="alb")
    assert publish({"VpcId": "vpc-2"})  # PublicSubnetIds leaves, VpcId changes, alb's key stays
    stored = {p["Name"].rsplit("/", 1)[1]: p["Value"] for p in ssm.get_parameters_by_path(Path=path)["Parameters"]}
    assert stored == {"VpcId": "vpc-2", "ALBArn": "arn:alb"}
    tags = {t["Key"]: t["Value"] for t in ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{path}/VpcId")["TagList"]}
    assert tags == dict(TAGS, Tier="vpc")
    assert state.outputs(suffix, REGION) == {"ALBArn": "arn:alb", "VpcId": "vpc-2"}
    assert publish({}, tier="alb", state_="absent")
    assert publish({}, tier="vpc", state_="absent")
    assert ssm.get_parameters_by_path(Path=path)["Parameters"] == []
    with pytest.raises(state.StackNotFound, match=f"No stack '{suffix}' in region {REGION}"):
        state.outputs(suffix, REGION)


def test_records_are_listed_and_outputs_read_from_the_account(endpoint, monkeypatch, tmp_path, capsys):
    suffix = "sr" + uuid.uuid4().hex[:6]
    ssm = client("ssm", REGION)
    record = {"suffix": suffix, "profile": "ecommerce", "region": REGION, "tiers": ["vpc", "alb"]}
    ssm.put_parameter(Name=f"/tierstack/{suffix}/stack", Value=json.dumps(record), Type="String",
                      Tags=[{"Key": "Tier", "Value": "stack"}])
    ssm.put_parameter(Name=f"/tierstack/{suffix}/outputs/VpcId", Value="vpc-9", Type="String")
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        listed = [r for r in state.stacks(REGION) if r["suffix"] == suffix]
        assert len(listed) == 1 and listed[0]["profile"] == "ecommerce" and listed[0]["tiers"] == ["vpc", "alb"]
        assert listed[0]["updated"]
        assert cli.main(["list", "--region", REGION, "--json"]) == 0
        assert suffix in capsys.readouterr().out
        assert cli.main(["outputs", suffix, "--region", REGION, "--source", "account", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"VpcId": "vpc-9"}
        assert cli.main(["outputs", "nostack" + suffix[:4], "--region", REGION, "--source", "account"]) == 1
        assert f"in region {REGION}" in capsys.readouterr().err
    finally:
        ssm.delete_parameters(Names=[f"/tierstack/{suffix}/stack", f"/tierstack/{suffix}/outputs/VpcId"])


def test_switch_traffic_names_the_suffix_region_and_missing_keys(endpoint):
    suffix = "sm" + uuid.uuid4().hex[:6]
    ssm = client("ssm", REGION)
    result = run_playbook("playbooks/switch_traffic.yml", {"suffix": suffix, "service": "backend", "green_weight": 10},
                          endpoint=endpoint)
    assert result.returncode != 0
    assert f"No stack '{suffix}' in region {REGION}" in result.stdout, result.stdout[-2000:]
    ssm.put_parameter(Name=f"/tierstack/{suffix}/outputs/VpcId", Value="vpc-1", Type="String")
    try:
        result = run_playbook("playbooks/switch_traffic.yml", {"suffix": suffix, "service": "backend", "green_weight": 10},
                              endpoint=endpoint)
        assert result.returncode != 0
        assert (f"Stack {suffix} in region {REGION} lacks the outputs ALBListenerArn, BackendBlueTargetGroupArn, "
                "BackendGreenTargetGroupArn") in " ".join(result.stdout.split()), result.stdout[-2000:]
    finally:
        ssm.delete_parameters(Names=[f"/tierstack/{suffix}/outputs/VpcId"])
