"""bench/latency.py: the AWS latency model rewrites describe answers to in-progress states until the
modelled creation time has passed (a fake clock stands in for time), and computes the critical path."""

from __future__ import annotations

import json

from bench import latency

RDS = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-southeast-1/rds/aws4_request, SignedHeaders=x",
       "Content-Type": "application/x-www-form-urlencoded"}
ELB = dict(RDS, Authorization=RDS["Authorization"].replace("/rds/", "/elasticloadbalancing/"))
ECS = {"Authorization": RDS["Authorization"].replace("/rds/", "/ecs/"),
       "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeServices"}

CLUSTERS = b"""<?xml version="1.0"?><DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
<DescribeDBClustersResult><DBClusters>
<DBCluster><DBClusterIdentifier>db-a</DBClusterIdentifier><Status>available</Status></DBCluster>
<DBCluster><DBClusterIdentifier>db-b</DBClusterIdentifier><Status>available</Status></DBCluster>
</DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>"""

LBS = b"""<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
<DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerArn>arn:lb/1</LoadBalancerArn>
<AvailabilityZones><member><ZoneName>a</ZoneName></member></AvailabilityZones>
<State><Code>active</Code></State></member></LoadBalancers></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>"""


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_cluster_reports_creating_until_its_modelled_time_passes():
    clock = Clock()
    model = latency.LatencyModel(scale=0.1, clock=clock)
    model("POST", "/", RDS, b"Action=CreateDBCluster&DBClusterIdentifier=db-a", 200, b"<ok/>")
    clock.now += 11.9  # 120 s * 0.1 = 12 s
    out = model("POST", "/", RDS, b"Action=DescribeDBClusters", 200, CLUSTERS)
    assert out.count(b">creating<") == 1 and out.count(b">available<") == 1  # db-b was never created here
    clock.now += 0.2
    assert model("POST", "/", RDS, b"Action=DescribeDBClusters", 200, CLUSTERS) == CLUSTERS
    row = model.summary()["resources"][0]
    assert (row["kind"], row["id"], row["created"], row["ready"]) == ("aurora_cluster", "db-a", 0.0, 12.0)
    assert model.summary()["pending_answers"] == {"aurora_cluster": 1}


def test_load_balancer_id_comes_from_the_create_response():
    clock = Clock()
    model = latency.LatencyModel(scale=0.1, clock=clock)
    model("POST", "/", ELB, b"Action=CreateLoadBalancer&Name=x", 200, LBS.replace(b"Describe", b"Create"))
    out = model("POST", "/", ELB, b"Action=DescribeLoadBalancers", 200, LBS)
    assert b">provisioning<" in out and b">active<" not in out


def test_ecs_service_is_in_progress_with_no_running_task():
    clock = Clock()
    model = latency.LatencyModel(scale=0.1, clock=clock)
    svc = {"serviceArn": "arn:svc/1", "runningCount": 2,
           "deployments": [{"rolloutState": "COMPLETED", "runningCount": 2}]}
    create = dict(ECS, **{"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateService"})
    model("POST", "/", create, b"{}", 200, json.dumps({"service": svc}).encode())
    out = json.loads(model("POST", "/", ECS, b"{}", 200, json.dumps({"services": [svc]}).encode()))
    assert out["services"][0]["deployments"][0] == {"rolloutState": "IN_PROGRESS", "runningCount": 0}


def test_critical_path_and_sequential_sum():
    seconds, path = latency.critical_path(scale=1)
    assert path == ["aurora_cluster", "aurora_instance"] and seconds == 720
    assert latency.critical_path(["nat_gateway", "load_balancer", "ecs_service"], scale=1) == (
        360, ["load_balancer", "ecs_service"])
    assert latency.sequential_sum({"nat_gateway": 3, "aurora_instance": 2}, scale=0.5) == 735


def test_every_kind_has_a_source_and_a_dependency_entry():
    for kind in latency.DURATIONS:
        assert kind.source and kind.seconds > 0 and kind.key in latency.DEPENDENCIES
    assert "| NAT gateway | vpc | 90 | 4.5 |" in latency.table_markdown()


def test_timeline_is_an_svg_with_a_row_per_tier():
    svg = latency.timeline_svg({"vpc": [0, 5], "alb": [5, 8]},
                               [{"kind": "load_balancer", "id": "lb", "tier": "alb", "created": 6, "ready": 15}], 16, 15)
    assert svg.startswith("<svg") and ">vpc<" in svg and ">alb<" in svg and "critical path 15 s" in svg
