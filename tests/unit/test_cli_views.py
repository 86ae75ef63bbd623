"""The CLI's streaming of the callback's lines, run folders and their pruning, and the DOT of a stack."""

import io
import os
import time

from tierstack import api, cli, diagram, live


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_stream_progress_plain_when_not_a_terminal():
    out = io.StringIO()
    stream = cli.StreamProgress(out)
    stream({"event": "playbook_on_task_start", "event_data": {"role": "vpc", "task": "vpc : Create the VPC"}, "stdout": ""})
    stream({"event": "runner_on_ok", "event_data": {}, "stdout": "\x1b[32mok\x1b[0m vpc  [####] 1/1\r\n"})
    stream.close()
    assert out.getvalue() == "ok vpc  [####] 1/1\n"


def test_stream_progress_live_line_on_a_terminal():
    out = _Tty()
    stream = cli.StreamProgress(out)
    stream({"event": "playbook_on_task_start", "event_data": {"role": "vpc", "task": "vpc : Create the VPC"}})
    assert out.getvalue().endswith(".. vpc: task 1, 0s: Create the VPC")
    stream({"event": "runner_on_ok", "event_data": {}, "stdout": "ok vpc done\n"})
    assert "\r\x1b[2Kok vpc done\n" in out.getvalue()
    stream.close()


def test_rerun_command_names_the_tier_placeholder():
    args = cli.build_parser().parse_args(["deploy", "dev1", "--profile", "ecommerce", "-e", "x=1"])
    assert cli._rerun_command(args) == "python -m tierstack deploy dev1 --profile ecommerce -e x=1 --tiers {tier}"


def test_run_dirs_are_per_run_and_pruned(tmp_path):
    made = []
    for i in range(4):
        run = api.new_run_dir("dev1", "playbooks/teardown.yml", tmp_path, keep=2)
        os.utime(run, (time.time() + i, time.time() + i))
        made.append(run)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 2 and made[-1].name in left
    assert made[-1].name.startswith("dev1-teardown-")


def _stack():
    s = live.Stack("dev1", "ap-southeast-1")
    s.vpc = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "Tags": [{"Key": "Environment", "Value": "dev1"}]}
    s.subnets = [
        {"SubnetId": "subnet-a", "AvailabilityZone": "az-a", "CidrBlock": "10.0.0.0/20", "Tags": [{"Key": "Tier", "Value": "public"}]},
        {"SubnetId": "subnet-b", "AvailabilityZone": "az-b", "CidrBlock": "10.0.16.0/20", "Tags": [{"Key": "Tier", "Value": "private"}]},
    ]
    s.nat_gateways = [{"NatGatewayId": "nat-1", "SubnetId": "subnet-a", "State": "available"}]
    s.load_balancers = [{"LoadBalancerName": "alb-dev1", "LoadBalancerArn": "arn:lb", "DNSName": "alb-dev1.elb", "State": {"Code": "active"}}]
    s.target_groups = [{"TargetGroupName": "web-blue-dev1", "TargetGroupArn": "arn:tg", "LoadBalancerArns": ["arn:lb"], "Port": 8080, "_health": ["healthy"]}]
    s.clusters = [{"clusterName": "cluster-dev1", "clusterArn": "arn:cl"}]
    s.services = [{"serviceName": "web-dev1", "serviceArn": "arn:svc", "clusterArn": "arn:cl", "runningCount": 2, "desiredCount": 2,
                   "loadBalancers": [{"targetGroupArn": "arn:tg", "containerPort": 8080}]}]
    s.db_clusters = [{"DBClusterIdentifier": "aurora-dev1", "Endpoint": "w.rds", "ReaderEndpoint": "r.rds", "Port": 5432, "Status": "available",
                      "DBClusterMembers": [{"DBInstanceIdentifier": "aurora-dev1-1", "IsClusterWriter": True},
                                           {"DBInstanceIdentifier": "aurora-dev1-2", "IsClusterWriter": False}]}]
    s.distributions = [{"Id": "E1", "ARN": "arn:cf", "DomainName": "d1.cloudfront.net", "Status": "Deployed", "_origins": ["alb-dev1.elb"]}]
    s.secrets = [{"Name": "db-credentials-dev1", "ARN": "arn:sec", "RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 30}}]
    return s


def test_dot_draws_every_resource_and_the_traffic_path():
    dot = diagram.to_dot(_stack())
    for text in ("vpc-1", "subnet-a", "subnet-b", "az-a", "nat-1", "alb-dev1", "web-blue-dev1", "web-dev1", "aurora-dev1-1",
                 "aurora-dev1-2", "w.rds", "r.rds", "d1.cloudfront.net", "db-credentials-dev1", "arn:sec"):
        assert text in dot, text
    ids = {}
    for line in dot.splitlines():
        line = line.strip()
        if line.startswith("n") and "[label=" in line and " -> " not in line:
            ids[line.split(" ", 1)[0]] = line
    edges = [line.strip().split(" [", 1)[0] for line in dot.splitlines() if " -> " in line]

    def node(text):
        return next(k for k, v in ids.items() if text in v.split("tooltip=")[0])

    for a, b in (("CloudFront", "ALB alb-dev1"), ("ALB alb-dev1", "web-blue-dev1"), ("web-blue-dev1", "service web-dev1"),
                 ("service web-dev1", "writer endpoint")):
        assert f"{node(a)} -> {node(b)}" in edges, (a, b)


def test_named_matches_the_suffix_as_a_whole_word():
    assert live.named("alb-dev1", "dev1") and live.named("frontend-blue-dev1", "dev1") and live.named("/tierstack/dev1/x", "dev1")
    assert not live.named("alb-dev10", "dev1") and not live.named("xdev1", "dev1") and not live.named(None, "dev1")


def test_status_lines_show_health_rotation_and_drift_per_tier():
    from pathlib import Path

    from tierstack import status

    s = _stack()
    lines = "\n".join(status.deployed_lines(s))
    assert "vpc-1 10.0.0.0/16, 2 AZs" in lines and "1 NAT (1 available)" in lines
    assert "web-blue-dev1 1/1" in lines and "web-dev1 2/2" in lines
    assert "1 writer, 1 reader;" in lines and "rotation every 30 days" in lines
    result = api.RunResult("site.yml", "dev1", "successful", 0, Path("."), Path("."), 1.0, tiers=[
        api.TierProgress("Check", "vpc", 0.0, 1.0, tasks=3),
        api.TierProgress("Deploy", "vpc", 0.0, 1.0, tasks=9, changed=0),
        api.TierProgress("Deploy", "alb", 0.0, 1.0, tasks=9, changed=2),
        api.TierProgress("Deploy", "outputs", 0.0, 1.0, tasks=3, changed=1),
        api.TierProgress("Deploy", "alb", 0.0, 1.0, tasks=1, changed=1),  # a role's second unit (a deferred wait)
    ])
    drift = "\n".join(status.drift_lines(result))
    assert "1 tier drifted: alb" in drift and "vpc in sync" in drift and "alb 3 would change" in drift and "outputs" not in drift
    assert drift.count("alb ") == 1, drift
    result.tiers[2].changed = result.tiers[4].changed = 0
    assert "no drift" in status.drift_lines(result)[0]
