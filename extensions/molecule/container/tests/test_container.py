"""Read the container tier back from the endpoint and compare it with what the roles promise."""

from __future__ import annotations

import json

import pytest

from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-ct")
SERVICES = {"frontend": 8080, "backend": 5000}


def _forward(action):
    return {g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}


def test_outputs_name_every_resource(outputs):
    for key in ("ALBDNSName", "ALBArn", "ALBListenerArn", "ECSClusterName", "FrontendRepoURI", "BackendRepoURI",
                "FrontendServiceName", "BackendServiceName", "FrontendBlueTargetGroupArn", "FrontendGreenTargetGroupArn",
                "BackendBlueTargetGroupArn", "BackendGreenTargetGroupArn"):
        assert outputs.get(key), key
    assert outputs["ECSClusterName"] == f"tierstack-{SUFFIX}"
    assert outputs["BackendServiceName"] == f"backend-{SUFFIX}"
    assert outputs["BackendRepoURI"].endswith(f"/backend-{SUFFIX}")


def test_alb_is_internet_facing_in_the_public_subnets(aws, outputs):
    lb = aws("elbv2").describe_load_balancers(LoadBalancerArns=[outputs["ALBArn"]])["LoadBalancers"][0]
    assert lb["Scheme"] == "internet-facing" and lb["Type"] == "application"
    assert lb["DNSName"] == outputs["ALBDNSName"]
    assert {z["SubnetId"] for z in lb["AvailabilityZones"]} == set(outputs["PublicSubnetIds"].split(","))
    assert lb["SecurityGroups"] == [outputs["AlbSecurityGroupId"]]
    tags = {t["Key"]: t["Value"] for t in aws("elbv2").describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]}
    assert tags["Environment"] == SUFFIX and tags["ManagedBy"] == "ansible-tierstack"


def test_api_paths_go_to_the_backend_and_the_rest_to_the_frontend(aws, outputs):
    elb = aws("elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=outputs["ALBArn"])["Listeners"]
    assert [(l["Port"], l["Protocol"]) for l in listeners] == [(80, "HTTP")]  # no certificate given
    assert listeners[0]["ListenerArn"] == outputs["ALBListenerArn"]
    rules = elb.describe_rules(ListenerArn=outputs["ALBListenerArn"])["Rules"]
    default = [r for r in rules if r["IsDefault"]]
    paths = [r for r in rules if not r["IsDefault"]]
    assert len(default) == 1 and len(paths) == 1
    conditions = paths[0]["Conditions"]
    assert [c["Field"] for c in conditions] == ["path-pattern"]
    assert (conditions[0].get("PathPatternConfig", {}).get("Values") or conditions[0]["Values"]) == ["/api/*"]
    assert _forward(paths[0]["Actions"][0]) == {outputs["BackendBlueTargetGroupArn"]: 100, outputs["BackendGreenTargetGroupArn"]: 0}
    assert _forward(default[0]["Actions"][0]) == {outputs["FrontendBlueTargetGroupArn"]: 100, outputs["FrontendGreenTargetGroupArn"]: 0}


def test_target_groups_are_ip_with_health_checks_on_health_every_30s(aws, outputs):
    arns = {f"{s}-{c}": outputs[f"{s.capitalize()}{c.capitalize()}TargetGroupArn"] for s in SERVICES for c in ("blue", "green")}
    groups = aws("elbv2").describe_target_groups(TargetGroupArns=list(arns.values()))["TargetGroups"]
    assert len(groups) == 4
    for tg in groups:
        service = tg["TargetGroupName"].split("-")[0]
        assert tg["TargetGroupName"] in {f"{k}-{SUFFIX}" for k in arns}
        assert tg["TargetType"] == "ip" and tg["Protocol"] == "HTTP" and tg["Port"] == SERVICES[service]
        assert tg["VpcId"] == outputs["VpcId"]
        assert tg["HealthCheckPath"] == "/health"
        assert tg["HealthCheckIntervalSeconds"] == 30


def test_repositories_scan_on_push_are_immutable_encrypted_and_keep_10(aws, outputs):
    ecr = aws("ecr")
    for service in SERVICES:
        repo = ecr.describe_repositories(repositoryNames=[f"{service}-{SUFFIX}"])["repositories"][0]
        assert repo["repositoryUri"] == outputs[f"{service.capitalize()}RepoURI"]
        assert repo["imageScanningConfiguration"]["scanOnPush"] is True
        assert repo["imageTagMutability"] == "IMMUTABLE"
        assert repo["encryptionConfiguration"]["encryptionType"] in ("AES256", "KMS")
        policy = json.loads(ecr.get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"])
        [rule] = policy["rules"]
        assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
        assert rule["action"]["type"] == "expire"
        tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]}
        assert tags["Environment"] == SUFFIX


def test_cluster_has_container_insights_and_fargate_capacity_providers(aws, outputs):
    cluster = aws("ecs").describe_clusters(clusters=[outputs["ECSClusterName"]], include=["SETTINGS", "TAGS"])["clusters"][0]
    assert {s["name"]: s["value"] for s in cluster["settings"]}["containerInsights"] == "enabled"
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"]
    assert {t["key"]: t["value"] for t in cluster["tags"]}["Environment"] == SUFFIX


@pytest.mark.parametrize("service", SERVICES)
def test_services_run_two_fargate_tasks_in_private_subnets_behind_blue(aws, outputs, service):
    ecs = aws("ecs")
    svc = ecs.describe_services(cluster=outputs["ECSClusterName"], services=[outputs[f"{service.capitalize()}ServiceName"]], include=["TAGS"])["services"][0]
    assert svc["status"] == "ACTIVE" and svc["desiredCount"] == 2
    net = svc["networkConfiguration"]["awsvpcConfiguration"]
    assert set(net["subnets"]) == set(outputs["PrivateSubnetIds"].split(","))
    assert net["securityGroups"] == [outputs["AppSecurityGroupId"]]
    assert net["assignPublicIp"] == "DISABLED"
    assert svc["loadBalancers"] == [{"targetGroupArn": outputs[f"{service.capitalize()}BlueTargetGroupArn"],
                                     "containerName": service, "containerPort": SERVICES[service]}]
    assert {t["key"]: t["value"] for t in svc["tags"]}["Environment"] == SUFFIX
    task = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert task["requiresCompatibilities"] == ["FARGATE"] and task["networkMode"] == "awsvpc"
    # The stack-wide default strategy (roles/ecs_fargate/defaults): Fargate only, so no launch type.
    assert svc["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in svc


@pytest.mark.parametrize("service", SERVICES)
def test_deployments_use_the_circuit_breaker_with_rollback(aws, outputs, service):
    svc = aws("ecs").describe_services(cluster=outputs["ECSClusterName"], services=[outputs[f"{service.capitalize()}ServiceName"]])["services"][0]
    dc = svc["deploymentConfiguration"]
    assert dc["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert dc["minimumHealthyPercent"] == 100 and dc["maximumPercent"] == 200
    assert svc["healthCheckGracePeriodSeconds"] == 60


@pytest.mark.parametrize("service", SERVICES)
def test_task_definitions_check_health_log_and_lock_the_root_filesystem(aws, outputs, service):
    ecs = aws("ecs")
    svc = ecs.describe_services(cluster=outputs["ECSClusterName"], services=[outputs[f"{service.capitalize()}ServiceName"]])["services"][0]
    task = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert (task["cpu"], task["memory"]) == ("256", "512")
    [container] = task["containerDefinitions"]
    assert container["portMappings"][0]["containerPort"] == SERVICES[service]
    assert container["healthCheck"]["command"][0] == "CMD-SHELL"
    assert f":{SERVICES[service]}/health" in container["healthCheck"]["command"][1]
    assert container["readonlyRootFilesystem"] is True
    log = container["logConfiguration"]
    assert log["logDriver"] == "awslogs" and log["options"]["awslogs-group"] == f"/ecs/{service}-{SUFFIX}"
    assert task["executionRoleArn"].endswith(f"/tierstack-ecs-exec-{SUFFIX}")
    assert task["taskRoleArn"].endswith(f"/{service}-task-{SUFFIX}")
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    if service == "backend" and "DBSecretArn" in outputs:
        assert secrets["DB_SECRET"] == outputs["DBSecretArn"]
        assert secrets["DB_HOST"].endswith(f":parameter{outputs['SSMParameterPath']}writer_endpoint")
    if service == "frontend":
        assert secrets == {}


@pytest.mark.parametrize("service", SERVICES)
def test_scaling_is_2_to_10_with_cpu_target_tracking_and_a_step_scale_in_below_30(aws, outputs, service):
    name = outputs[f"{service.capitalize()}ServiceName"]
    resource = f"service/{outputs['ECSClusterName']}/{name}"
    aas = aws("application-autoscaling")
    [target] = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    policies = {p["PolicyType"]: p for p in aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
                if p["ResourceId"] == resource}
    tracking = policies["TargetTrackingScaling"]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert tracking["TargetValue"] == 70.0 and tracking["DisableScaleIn"] is True
    assert tracking["ScaleOutCooldown"] == 60 and tracking["ScaleInCooldown"] == 300
    step = policies["StepScaling"]
    assert step["StepScalingPolicyConfiguration"]["StepAdjustments"] == [{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1}]
    assert step["StepScalingPolicyConfiguration"]["Cooldown"] == 300
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[f"{service}-cpu-low-{SUFFIX}"])["MetricAlarms"]
    assert alarm["MetricName"] == "CPUUtilization" and alarm["Namespace"] == "AWS/ECS"
    assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 30.0
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"ClusterName": outputs["ECSClusterName"], "ServiceName": name}
    assert alarm["AlarmActions"] == [step["PolicyARN"]]


def _statements(iam, role):
    out = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        statements = doc["Statement"]
        out += statements if isinstance(statements, list) else [statements]
    return out


def _resources(statement):
    res = statement["Resource"]
    return res if isinstance(res, list) else [res]


def test_roles_have_no_wildcards_and_only_what_they_need(aws, outputs):
    iam = aws("iam")
    exec_role = f"tierstack-ecs-exec-{SUFFIX}"
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=exec_role)["AttachedPolicies"]]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    roles = [exec_role, f"frontend-task-{SUFFIX}", f"backend-task-{SUFFIX}"]
    for role in roles:
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        for statement in _statements(iam, role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in r for r in _resources(statement)), (role, statement)
            assert all("*" not in a for a in actions), (role, statement)
    assert _statements(iam, f"frontend-task-{SUFFIX}") == []
    assert iam.list_attached_role_policies(RoleName=f"frontend-task-{SUFFIX}")["AttachedPolicies"] == []
    backend = _statements(iam, f"backend-task-{SUFFIX}")
    if "DBSecretArn" in outputs:
        resources = {r for s in backend for r in _resources(s)}
        assert outputs["DBSecretArn"] in resources
        path = outputs["SSMParameterPath"].rstrip("/")
        assert {r.split(":parameter", 1)[1] for r in resources if ":ssm:" in r} >= {path}
        assert all(r == outputs["DBSecretArn"] or r.split(":parameter", 1)[1].startswith(path) for r in resources)
        exec_resources = {r for s in _statements(iam, exec_role) for r in _resources(s)}
        assert outputs["DBSecretArn"] in exec_resources
    else:
        assert backend == []


def test_log_groups_keep_30_days(aws):
    logs = aws("logs")
    for service in SERVICES:
        groups = logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{service}-{SUFFIX}")["logGroups"]
        assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(f"/ecs/{service}-{SUFFIX}", 30)]
