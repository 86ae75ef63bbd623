"""Bad input to the container tier fails before any API call, naming the variable.

As in test_bad_input_vpc.py, the playbook runs against an endpoint where nothing listens.
"""

import pytest

from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook

TIERS = ["vpc", "ecr", "alb", "ecs_fargate"]
SERVICES = [
    {"name": "frontend", "port": 8080, "path_patterns": []},
    {"name": "backend", "port": 5000, "path_patterns": ["/api/*"]},
]

CASES = {
    "sidecar without an image": (
        {"tierstack_services": [SERVICES[0], dict(SERVICES[1], sidecars=[{"name": "xray-daemon", "port": 2000, "protocol": "udp"}])]},
        ["Service backend of ecs_fargate_services (tierstack_services) is invalid", "sidecars ['xray-daemon'] have no image"],
    ),
    "managed policy given in an unknown format": (
        {"tierstack_services": [SERVICES[0], dict(SERVICES[1], task_role_managed_policies=[
            "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"])]},
        ["task_role_managed_policies/execution_role_managed_policies",
         "['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'] are not AWS managed policy names"],
    ),
    "CPU/memory pair Fargate refuses": (
        {"ecs_fargate_cpu": 256, "ecs_fargate_memory": 4096},
        ["cpu 256 with memory 4096 MiB is not a Fargate size", "[512, 1024, 2048]"],
    ),
    "CPU Fargate does not have": ({"ecs_fargate_cpu": 300}, ["cpu 300 with memory 512 MiB is not a Fargate size", "cpu must be one of"]),
    "per-service memory too large": (
        {"tierstack_services": [SERVICES[0], dict(SERVICES[1], cpu=512, memory=8192)]},
        ["Service backend: cpu 512 with memory 8192 MiB"],
    ),
    "min above max tasks": ({"ecs_fargate_min_tasks": 5, "ecs_fargate_max_tasks": 3},
                            ["0 <= min_tasks <= desired_count <= max_tasks", "got min 5, desired 2, max 3"]),
    "desired below min": ({"ecs_fargate_min_tasks": 3}, ["got min 3, desired 2, max 10"]),
    "capacity weight out of range": (
        {"ecs_fargate_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 2000}]},
        ["ecs_fargate_capacity_provider_strategy must use providers"],
    ),
    "two providers with a base": (
        {"ecs_fargate_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                                                    {"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 1}]},
        ["a base on at most one provider"],
    ),
    "unknown provider": (
        {"ecs_fargate_capacity_provider_strategy": [{"capacity_provider": "EC2_ASG", "weight": 1}]},
        ["ecs_fargate_capacity_provider_strategy must use providers"],
    ),
    "image for a service not in the stack": ({"ecs_fargate_images": {"payments": "x:1"}}, ["may only name services of the stack"]),
    "green image for a service not in the stack": ({"ecs_fargate_green_images": {"api": "x:1"}}, ["may only name services of the stack"]),
    "scale-in threshold above the target": ({"ecs_fargate_scale_in_cpu": 80}, ["ecs_fargate_scale_in_cpu (80) must be above 0 and below the target"]),
    "log retention AWS refuses": ({"ecs_fargate_log_retention_days": 31}, ["ecs_fargate_log_retention_days (31)"]),
    "two default routes": (
        {"tierstack_services": [SERVICES[0], dict(SERVICES[1], path_patterns=[])]},
        ["Exactly one service of alb_services must have no path_patterns"],
    ),
    "service name too long": (
        {"tierstack_services": [SERVICES[0], dict(SERVICES[1], name="backendapi")]},
        ["tierstack_services must be a non-empty list of {name, port, path_patterns}: names of 1 to 9 lowercase letters"],
    ),
    "health check interval too short": ({"alb_health_check_interval": 2}, ["alb_health_check_interval (2) must be 5 to 300"]),
    "initial weight above 100": ({"alb_initial_green_weight": 150}, ["alb_initial_green_weight (150) from 0 to 100"]),
    "certificate that is not an ARN": ({"alb_certificate_arn": "my-cert"}, ["alb_certificate_arn ('my-cert') must be empty or an ACM/IAM certificate ARN"]),
    "TLS policy allowing TLS 1.0": ({"alb_ssl_policy": "ELBSecurityPolicy-2016-08"}, ["alb_ssl_policy ('ELBSecurityPolicy-2016-08')"]),
    "listener priority clash": (
        {"alb_path_rules": [{"priority": 10, "path_patterns": ["/health"], "service": "frontend"}]},
        ["Listener rule priorities clash: 10 used more than once", "alb_path_rules", "service backend"],
    ),
    "two extra rules at one priority": (
        {"alb_path_rules": [{"priority": 30, "path_patterns": ["/a"], "service": "frontend"},
                            {"priority": 30, "path_patterns": ["/b"], "service": "backend"}]},
        ["Listener rule priorities clash: 30 used more than once", "alb_path_rules"],
    ),
    "rule to a service not in the stack": (
        {"alb_path_rules": [{"priority": 30, "path_patterns": ["/pay/*"], "service": "payments"}]},
        ["Each rule of alb_path_rules needs", "one of frontend, backend"],
    ),
    "fixed response with a 3XX status": (
        {"alb_default_fixed_response": {"status_code": "302", "content_type": "text/plain"}},
        ["alb_default_fixed_response needs a status_code of 2XX, 4XX or 5XX"],
    ),
    "certificate both given and requested": (
        {"alb_certificate_arn": "arn:aws:acm:ap-southeast-1:123456789012:certificate/abc", "alb_certificate_domain_name": "api.example.com"},
        ["set one of alb_certificate_arn and alb_certificate_domain_name"],
    ),
    "ECR keep count zero": ({"ecr_keep_images": 0}, ["ecr_keep_images must be from 1 to 1000"]),
    "KMS without a key": ({"ecr_encryption_type": "KMS"}, ["ecr_kms_key ('') must name a KMS key"]),
}


@pytest.mark.parametrize("extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_input_fails_before_any_api_call(extra_vars, expected):
    result = run_playbook("site.yml", dict({"suffix": "badct", "tierstack_tiers": TIERS}, **extra_vars), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)


@pytest.mark.parametrize("extra_vars,expected", [
    ({"service": "payments", "green_weight": 10}, "-e service=<one of frontend, backend>"),
    ({"service": "backend", "green_weight": 101}, "-e green_weight=<integer 0 to 100>"),
    ({"service": "backend", "green_weight": -5}, "-e green_weight=<integer 0 to 100>"),
    ({"service": "backend"}, "-e green_weight=<integer 0 to 100>"),
], ids=["unknown service", "weight above 100", "negative weight", "no weight"])
def test_switch_traffic_rejects_bad_input_before_any_api_call(extra_vars, expected):
    result = run_playbook("playbooks/switch_traffic.yml", dict({"suffix": "badct"}, **extra_vars), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, expected)
