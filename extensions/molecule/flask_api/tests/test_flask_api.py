"""Read the whole flask_api profile back from the endpoint, in ap-southeast-2."""

import json

from tierstack import profile_checks, testing
from tierstack.testing import as_list, attached_policies, role_statements

SUFFIX = "mol-fa"
REGION = "ap-southeast-2"
ZONES = ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]
ALIASES = {"ALBDnsName": "ALBDNSName", "ECRRepositoryUri": "FlaskapiRepoURI", "CloudWatchDashboardUrl": "DashboardURL",
           "ECSServiceName": "FlaskapiServiceName", "AuroraDatabaseEndpoint": "RDSClusterEndpoint"}


def test_the_account_records_the_stack_in_its_region(aws):
    profile_checks.check_stack_record(aws, SUFFIX, "flask_api", REGION, ["vpc", "rds_aurora", "ecr", "alb", "ecs_fargate", "cloudwatch"])


# --- network ----------------------------------------------------------------------------------------------


def test_three_azs_public_private_and_isolated_24s(aws, outputs):
    profile_checks.check_subnet_tiers(aws, outputs, ZONES,
                                      {"PublicSubnetIds": "public", "PrivateSubnetIds": "private", "IsolatedSubnetIds": "isolated"})


def test_three_nat_gateways_and_isolated_subnets_without_a_way_out(aws, outputs):
    assert len(profile_checks.ids(outputs, "NatGatewayIds")) == 3
    profile_checks.check_nat_per_az(aws, outputs, ZONES, ["PrivateSubnetIds"], closed_keys=["IsolatedSubnetIds"])


# --- data -------------------------------------------------------------------------------------------------


def test_aurora_serverless_v2_half_to_two_acu_productdb_backed_up_03_to_04_encrypted(aws, outputs):
    cluster = profile_checks.aurora_cluster(aws, outputs)
    assert cluster["Engine"] == "aurora-postgresql" and cluster["DBClusterArn"].split(":")[3] == REGION
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert cluster["DatabaseName"] == outputs["DBName"] == "productdb"
    assert cluster["BackupRetentionPeriod"] == 7 and cluster["PreferredBackupWindow"] == "03:00-04:00"
    assert cluster["StorageEncrypted"] is True


def test_writer_and_reader_in_the_isolated_subnets_in_different_azs(aws, outputs):
    assert outputs["DbSubnetIds"] == outputs["IsolatedSubnetIds"]
    profile_checks.check_aurora_placement(aws, outputs, "IsolatedSubnetIds", ZONES)


# --- registry, service, task ------------------------------------------------------------------------------


def test_the_repository_keeps_the_last_10_images(aws, outputs):
    ecr = aws("ecr")
    [repo] = ecr.describe_repositories(repositoryNames=[f"flaskapi-{SUFFIX}"])["repositories"]
    assert repo["repositoryUri"] == outputs["FlaskapiRepoURI"]
    [rule] = json.loads(ecr.get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
    assert rule["action"] == {"type": "expire"}


def _service(aws, outputs):
    ecs = aws("ecs")
    [svc] = ecs.describe_services(cluster=outputs["ECSClusterName"], services=[outputs["FlaskapiServiceName"]])["services"]
    return svc, ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]


def test_one_service_two_tasks_half_to_double_during_deployments_with_ecs_exec(aws, outputs):
    ecs = aws("ecs")
    assert [a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster=outputs["ECSClusterName"])["serviceArns"]] == [f"flaskapi-{SUFFIX}"]
    svc, _task = _service(aws, outputs)
    assert svc["serviceName"] == f"flaskapi-{SUFFIX}" and svc["desiredCount"] == 2
    deployment = svc["deploymentConfiguration"]
    assert (deployment["minimumHealthyPercent"], deployment["maximumPercent"]) == (50, 200)
    assert svc["enableExecuteCommand"] is True
    assert svc["loadBalancers"] == [{"targetGroupArn": outputs["FlaskapiBlueTargetGroupArn"], "containerName": "flaskapi",
                                     "containerPort": 5000}]


def test_seventy_percent_spot_and_the_first_task_on_demand(aws, outputs):
    svc, _task = _service(aws, outputs)
    assert svc["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 70, "base": 0},
                                               {"capacityProvider": "FARGATE", "weight": 30, "base": 1}]
    assert "launchType" not in svc


def test_the_task_is_512_cpu_1024_mib_the_api_on_5000_and_the_xray_daemon_on_udp_2000(aws, outputs):
    _svc, task = _service(aws, outputs)
    assert (task["cpu"], task["memory"]) == ("512", "1024") and task["requiresCompatibilities"] == ["FARGATE"]
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    assert sorted(containers) == ["flaskapi", "xray-daemon"]
    assert [(p["containerPort"], p["protocol"]) for p in containers["flaskapi"]["portMappings"]] == [(5000, "tcp")]
    assert [(p["containerPort"], p["protocol"]) for p in containers["xray-daemon"]["portMappings"]] == [(2000, "udp")]
    assert containers["xray-daemon"]["image"].startswith("public.ecr.aws/xray/aws-xray-daemon:")
    assert {"name": "AWS_XRAY_DAEMON_ADDRESS", "value": "127.0.0.1:2000"} in containers["flaskapi"]["environment"]
    logs = {name: c["logConfiguration"]["options"]["awslogs-group"] for name, c in containers.items()}
    assert logs == {"flaskapi": f"/ecs/flask-api-{SUFFIX}", "xray-daemon": f"/ecs/xray-daemon-{SUFFIX}"}
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]
    assert {g["logGroupName"] for g in groups if g["logGroupName"].endswith(f"-{SUFFIX}")} == set(logs.values())


def test_db_values_come_as_separate_secrets_from_the_json_keys(aws, outputs):
    _svc, task = _service(aws, outputs)
    profile_checks.check_reads_only_the_db_secret(aws, outputs, task, "flaskapi")


def test_roles_xray_on_the_task_role_ecs_exec_channels_and_the_execution_policy(aws, outputs):
    iam = aws("iam")
    _svc, task = _service(aws, outputs)
    assert task["taskRoleArn"] == outputs["FlaskapiTaskRoleArn"]
    assert attached_policies(iam, task["taskRoleArn"]) == ["AWSXRayDaemonWriteAccess"]
    assert attached_policies(iam, task["executionRoleArn"]) == ["AmazonECSTaskExecutionRolePolicy"]
    channels = {a for s in role_statements(iam, task["taskRoleArn"]) for a in as_list(s["Action"]) if a.startswith("ssmmessages:")}
    assert channels == {"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel"}


# --- load balancer ----------------------------------------------------------------------------------------


def test_target_groups_port_5000_ip_health_every_30s_deregistration_30s(aws, outputs):
    elb = aws("elbv2")
    for group in profile_checks.blue_green_target_groups(aws, outputs, "flaskapi", SUFFIX, 5000).values():
        assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (30, 5)
        assert (group["HealthyThresholdCount"], group["UnhealthyThresholdCount"]) == (2, 3)
        described = elb.describe_target_group_attributes(TargetGroupArn=group["TargetGroupArn"])["Attributes"]
        attributes = {a["Key"]: a["Value"] for a in described}
        assert attributes["deregistration_delay.timeout_seconds"] == "30"


def test_listener_answers_404_itself_and_routes_api_at_10_and_health_at_20(aws, outputs):
    rules = aws("elbv2").describe_rules(ListenerArn=outputs["ALBListenerArn"])["Rules"]
    [default] = [r for r in rules if r["IsDefault"]]
    assert default["Actions"] == [{"Type": "fixed-response", "FixedResponseConfig": {
        "MessageBody": "Not Found", "StatusCode": "404", "ContentType": "text/plain"}}]
    paths = {r["Priority"]: r for r in rules if not r["IsDefault"]}
    assert sorted(paths) == ["10", "20"]
    for priority, pattern in (("10", "/api/*"), ("20", "/health")):
        [condition] = paths[priority]["Conditions"]
        assert condition["Field"] == "path-pattern" and condition["PathPatternConfig"]["Values"] == [pattern]
        assert profile_checks.forward_weights(paths[priority]["Actions"][0]) == {
            outputs["FlaskapiBlueTargetGroupArn"]: 100, outputs["FlaskapiGreenTargetGroupArn"]: 0}


# --- scaling, alarms, dashboard ---------------------------------------------------------------------------


def test_scaling_2_to_10_at_70_percent_cpu_with_60s_cooldowns_and_the_step_scale_in(aws, outputs):
    target, policies = profile_checks.scaling_policies(aws, outputs, outputs["FlaskapiServiceName"])
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    tracking = policies["TargetTrackingScaling"]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert tracking["TargetValue"] == 70.0
    assert (tracking["ScaleOutCooldown"], tracking["ScaleInCooldown"]) == (60, 60)
    # Target tracking only scales out; the step policy removes one task while CPU stays below 30%.
    assert tracking["DisableScaleIn"] is True
    step = policies["StepScaling"]
    assert step["StepScalingPolicyConfiguration"]["Cooldown"] == 60
    assert step["StepScalingPolicyConfiguration"]["StepAdjustments"] == [{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1}]
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[f"flaskapi-cpu-low-{SUFFIX}"])["MetricAlarms"]
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"]) == ("CPUUtilization", "LessThanThreshold", 30.0)
    assert alarm["AlarmActions"] == [step["PolicyARN"]]


def _alarm(aws, name):
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[f"{name}-{SUFFIX}"])["MetricAlarms"]
    stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    return alarm, stats


def test_high_cpu_alarm_above_80_for_2_of_2(aws, outputs):
    alarm, stats = _alarm(aws, "high-cpu-alarm")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 80.0)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert [(s["Metric"]["Namespace"], s["Metric"]["MetricName"], s["Period"]) for s in stats] == [("AWS/ECS", "CPUUtilization", 300)]
    assert {d["Name"]: d["Value"] for d in stats[0]["Metric"]["Dimensions"]} == {
        "ClusterName": outputs["ECSClusterName"], "ServiceName": outputs["FlaskapiServiceName"]}
    assert alarm["AlarmActions"] == [outputs["AlarmTopicArn"]]


def test_low_task_alarm_below_2_running_tasks_for_2_periods(aws, outputs):
    alarm, stats = _alarm(aws, "low-task-alarm")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 2.0)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert [s["Metric"]["MetricName"] for s in stats] == ["RunningTaskCount"]
    assert alarm["AlarmActions"] == [outputs["AlarmTopicArn"]]


def test_dashboard_has_cpu_memory_response_time_requests_tasks_and_healthy_hosts(aws, outputs):
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"])
    metrics = {w["properties"]["title"]: {m[1] for m in w["properties"].get("metrics", []) if isinstance(m[0], str)}
               for w in body["widgets"]}
    wanted = {"ECS CPU per service (%)": "CPUUtilization", "ECS memory per service (%)": "MemoryUtilization",
              "ALB target response time (s)": "TargetResponseTime", "Requests per target group": "RequestCount",
              "ECS running tasks per service": "RunningTaskCount", "Healthy hosts per target group": "HealthyHostCount"}
    for title, metric in wanted.items():
        assert metric in metrics[title], title
    assert outputs["DashboardURL"].endswith(f"region={REGION}#dashboards:name={outputs['DashboardName']}")


# --- outputs ----------------------------------------------------------------------------------------------


def test_outputs_also_under_the_cdk_stack_names(outputs):
    for alias, key in ALIASES.items():
        assert outputs[alias] == outputs[key] != "", alias
    assert outputs["ECSClusterName"] == f"tierstack-{SUFFIX}"
    assert outputs["VpcId"].startswith("vpc-")
    assert outputs["ECSServiceName"] == f"flaskapi-{SUFFIX}"
    assert outputs["ECRRepositoryUri"].endswith(f".dkr.ecr.{REGION}.amazonaws.com/flaskapi-{SUFFIX}")


def test_zz_a_re_run_makes_no_write_call():
    """Last (pytest keeps file order): the whole profile re-run through a counting proxy, changed=0 and no
    write call besides the stack lock's two."""
    testing.assert_rerun_is_read_only({"suffix": SUFFIX, "tierstack_profile": "flask_api"})
