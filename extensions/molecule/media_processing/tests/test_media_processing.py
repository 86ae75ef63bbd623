"""Read the whole media_processing profile back from the endpoint, in eu-west-2."""

import json

from tierstack import media_checks, testing

SUFFIX = "mol-mp"
REGION = "eu-west-2"
TAGS = {"Environment": SUFFIX, "Project": "tierstack", "Owner": "platform-team", "ManagedBy": "ansible-tierstack",
        "Repository": "github.com/streamflix/media-processing", "Author": "media-platform-team"}


def _tags(items, key="Key", value="Value"):
    return {t[key]: t[value] for t in items or []}


def test_network_two_azs_two_public_two_private_24s(aws, outputs):
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0]
    assert _tags(vpc["Tags"]).items() >= TAGS.items()
    zones = outputs["AvailabilityZones"].split(",")
    assert zones == ["eu-west-2a", "eu-west-2b"]
    for key in ("PublicSubnetIds", "PrivateSubnetIds"):
        subnets = ec2.describe_subnets(SubnetIds=outputs[key].split(","))["Subnets"]
        assert len(subnets) == 2 and all(s["CidrBlock"].endswith("/24") for s in subnets)
        assert sorted(s["AvailabilityZone"] for s in subnets) == zones
    app = ec2.describe_security_groups(GroupIds=[outputs["AppSecurityGroupId"]])["SecurityGroups"][0]
    egress_ports = {(p.get("FromPort"), p.get("ToPort")) for p in app["IpPermissionsEgress"]}
    assert {(6379, 6379), (2049, 2049)} <= egress_ports


def test_aurora_serverless_v2_with_rds_managed_password(aws, outputs):
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier=outputs["RDSClusterIdentifier"])["DBClusters"][0]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    assert cluster["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 16
    assert cluster["DatabaseName"] == "streamflixdb" and cluster["MasterUsername"] == "streamflix_admin"
    assert cluster["MasterUserSecret"]["SecretArn"]
    assert cluster["BackupRetentionPeriod"] == 7 and cluster["StorageEncrypted"] is True
    assert sorted(m["IsClusterWriter"] for m in cluster["DBClusterMembers"]) == [False, True]
    assert ":eu-west-2:" in cluster["DBClusterArn"]


def test_redis(outputs):
    media_checks.check_redis(outputs, REGION, SUFFIX, "sessions", "cache.r7g.large", 1, TAGS)


def test_efs(outputs):
    media_checks.check_efs(outputs, REGION, SUFFIX, "media", "/media", TAGS)


def test_kinesis(outputs):
    media_checks.check_kinesis(outputs, REGION, SUFFIX, 4, 24, TAGS)


def test_app_secret(outputs):
    media_checks.check_app_secret(outputs, REGION, SUFFIX, TAGS)


def _media_service(aws, outputs):
    ecs = aws("ecs")
    svc = ecs.describe_services(cluster=outputs["ECSClusterName"], services=[outputs["MediaServiceName"]])["services"][0]
    return svc, ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]


def test_media_service_size_count_and_private_placement(aws, outputs):
    svc, task = _media_service(aws, outputs)
    assert (task["cpu"], task["memory"]) == ("2048", "4096")
    assert svc["desiredCount"] == 2
    net = svc["networkConfiguration"]["awsvpcConfiguration"]
    assert set(net["subnets"]) == set(outputs["PrivateSubnetIds"].split(","))
    assert net["assignPublicIp"] == "DISABLED"
    resource = f"service/{outputs['ECSClusterName']}/{outputs['MediaServiceName']}"
    aas = aws("application-autoscaling")
    [target] = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 20)
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    tracking = [p for p in policies if p["PolicyType"] == "TargetTrackingScaling" and p["ResourceId"] == resource]
    assert tracking[0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0


def test_media_service_mounts_the_access_point_with_iam_and_tls(aws, outputs):
    _service, task = _media_service(aws, outputs)
    volumes = {v["name"]: v for v in task.get("volumes", [])}
    efs = volumes["media"]["efsVolumeConfiguration"]
    assert efs["fileSystemId"] == outputs["EfsFileSystemId"]
    assert efs["transitEncryption"] == "ENABLED"
    assert efs["authorizationConfig"] == {"accessPointId": outputs["EfsAccessPointId"], "iam": "ENABLED"}
    [container] = [c for c in task["containerDefinitions"] if c["name"] == "media"]
    assert {"sourceVolume": "media", "containerPath": "/mnt/media", "readOnly": False} in container["mountPoints"]


def _statements(iam, role_arn):
    role = role_arn.rsplit("/", 1)[1]
    out = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        out += doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    return out


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_media_task_role_efs_client_and_kinesis_scoped(aws, outputs):
    _service, task = _media_service(aws, outputs)
    statements = _statements(aws("iam"), task["taskRoleArn"])
    efs = [s for s in statements if any(a.startswith("elasticfilesystem:") for a in _as_list(s["Action"]))]
    assert efs and all(_as_list(s["Resource"]) == [outputs["EfsFileSystemArn"]] for s in efs)
    assert {a for s in efs for a in _as_list(s["Action"])} <= {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
                                                               "elasticfilesystem:ClientRootAccess"}
    kinesis = [s for s in statements if any(a.startswith("kinesis:") for a in _as_list(s["Action"]))]
    assert len(kinesis) == 1
    assert sorted(_as_list(kinesis[0]["Action"])) == ["kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
    assert _as_list(kinesis[0]["Resource"]) == [outputs["KinesisStreamArn"]]


def test_media_service_reads_only_the_secrets_it_names(aws, outputs):
    _service, task = _media_service(aws, outputs)
    [container] = [c for c in task["containerDefinitions"] if c["name"] == "media"]
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    assert secrets["REDIS_AUTH_TOKEN"] == outputs["RedisAuthSecretArn"]
    assert secrets["API_KEY"].startswith(outputs["AppSecretApiKeysArn"]) and secrets["API_KEY"].endswith(":api_key::")
    readable = {r for s in _statements(aws("iam"), task["executionRoleArn"]) if "secretsmanager:GetSecretValue" in _as_list(s["Action"])
                for r in _as_list(s["Resource"])}
    assert "*" not in readable and {outputs["RedisAuthSecretArn"], outputs["AppSecretApiKeysArn"]} <= readable


def test_api_content_route_and_xray(aws, outputs):
    apigw = aws("apigateway")
    api = apigw.get_rest_api(restApiId=outputs["APIGatewayId"])
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api["id"])["items"]}
    method = apigw.get_method(restApiId=api["id"], resourceId=resources["/content"]["id"], httpMethod="GET")
    integration = method["methodIntegration"]
    assert integration["type"] == "HTTP_PROXY" and integration["httpMethod"] == "GET"
    assert integration["uri"] == f"http://{outputs['ALBDNSName']}/content"
    stage = apigw.get_stage(restApiId=api["id"], stageName="prod")
    assert stage["tracingEnabled"] is True
    deployment = apigw.get_deployment(restApiId=api["id"], deploymentId=stage["deploymentId"])
    assert " routes:" in deployment["description"]


def test_log_groups_keep_7_days(aws, outputs):
    logs = aws("logs")
    groups = [g for g in logs.describe_log_groups()["logGroups"] if SUFFIX in g["logGroupName"]]
    assert groups
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {g["logGroupName"]: 7 for g in groups}


def test_alarms_and_widgets_for_the_new_tiers(aws, outputs):
    cw = aws("cloudwatch")
    members = outputs["RedisMemberClusters"].split(",")
    names = [f"cw-redis-cpu-high-{SUFFIX}", f"cw-redis-memory-high-{SUFFIX}", f"cw-redis-evictions-{SUFFIX}",
             f"cw-redis-replication-lag-1-{SUFFIX}", f"cw-efs-burst-credits-low-{SUFFIX}", f"cw-kinesis-iterator-age-high-{SUFFIX}"]
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    assert sorted(alarms) == sorted(names)
    dims = {n: {d["Name"]: d["Value"] for d in a["Dimensions"]} for n, a in alarms.items()}
    assert dims[names[0]] == {"CacheClusterId": members[0]}
    assert dims[names[3]] == {"CacheClusterId": members[1]}
    assert dims[names[4]] == {"FileSystemId": outputs["EfsFileSystemId"]}
    assert dims[names[5]] == {"StreamName": outputs["KinesisStreamName"]}
    body = json.loads(cw.get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"])
    titles = {w["properties"]["title"] for w in body["widgets"]}
    assert {"Redis engine CPU (%)", "Redis memory used (%)", "Redis evictions", "Redis replication lag (s)",
            "EFS throughput (bytes)", "EFS burst credit balance (bytes)", "Kinesis incoming records",
            "Kinesis iterator age (ms)"} <= titles


def test_zz_a_re_run_makes_no_write_call():
    """Last (pytest keeps file order): the whole profile re-run through a counting proxy, changed=0 and no
    write call besides the stack lock's two."""
    testing.assert_rerun_is_read_only({"suffix": SUFFIX, "tierstack_profile": "media_processing"})
