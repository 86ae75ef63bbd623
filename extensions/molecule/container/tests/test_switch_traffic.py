"""Blue/green with playbooks/switch_traffic.yml against the deployed stack.

The emulator runs no tasks, so ECS never registers targets: the tests register an IP in the
target group themselves, as ECS would for a running task. The emulator reports any registered
target as healthy (it does not probe), so "unhealthy" is exercised as "no registered target".
"""

from __future__ import annotations

import pytest

from tierstack.testing import run_playbook
from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-ct")


def _weights(aws, outputs):
    rules = aws("elbv2").describe_rules(ListenerArn=outputs["ALBListenerArn"])["Rules"]
    [rule] = [r for r in rules if not r["IsDefault"]]
    groups = {g["TargetGroupArn"]: g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]}
    return groups[outputs["BackendBlueTargetGroupArn"]], groups[outputs["BackendGreenTargetGroupArn"]]


def _switch(**extra):
    check = extra.pop("check", False)
    return run_playbook("playbooks/switch_traffic.yml", dict({"suffix": SUFFIX, "switch_health_timeout": 2, "switch_health_delay": 1}, **extra), check=check)


@pytest.fixture()
def registered(aws, outputs):
    """A target in both backend target groups, as ECS registers running tasks; removed afterwards."""
    elb = aws("elbv2")
    arns = [outputs["BackendBlueTargetGroupArn"], outputs["BackendGreenTargetGroupArn"]]
    for i, arn in enumerate(arns):
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": f"10.0.16.{10 + i}", "Port": 5000}])
    yield
    for i, arn in enumerate(arns):
        elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": f"10.0.16.{10 + i}", "Port": 5000}])


def test_refuses_to_send_traffic_to_a_green_with_no_healthy_target(aws, outputs):
    assert _weights(aws, outputs) == (100, 0)
    result = _switch(service="backend", green_weight=50)
    assert result.returncode != 0
    assert _weights(aws, outputs) == (100, 0)


def test_check_mode_shows_the_shift_and_changes_nothing(aws, outputs, registered):
    result = _switch(service="backend", green_weight=25, check=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "green_weight: 25" in result.stdout.replace('"', "") or "green_weight': 25" in result.stdout
    assert _weights(aws, outputs) == (100, 0)


def test_shift_then_roll_back(aws, outputs, registered):
    result = _switch(service="backend", green_weight=10)
    assert result.returncode == 0, result.stdout[-3000:]
    assert _weights(aws, outputs) == (90, 10)
    again = _switch(service="backend", green_weight=10)
    assert again.returncode == 0 and "changed=0" in again.stdout
    result = _switch(service="backend", rollback=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert _weights(aws, outputs) == (100, 0)


@pytest.mark.parametrize("extra, text", [
    ({"service": "payments", "green_weight": 10}, "-e service=<one of frontend, backend>"),
    ({"service": "backend", "green_weight": 101}, "green_weight=<integer 0 to 100>"),
    ({"service": "backend", "green_weight": "ten"}, "green_weight=<integer 0 to 100>"),
])
def test_bad_input_fails_clearly(aws, outputs, extra, text):
    result = _switch(**extra)
    assert result.returncode != 0
    assert text in result.stdout
    assert _weights(aws, outputs) == (100, 0)
