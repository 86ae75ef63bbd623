"""Read the whole ecommerce profile back from the endpoint, in us-east-1."""

import json

from tierstack import profile_checks, testing
from tierstack.testing import as_list, tags_of

SUFFIX = "mol-ec"
REGION = "us-east-1"
ZONES = ["us-east-1a", "us-east-1b"]
TAGS = {"Environment": SUFFIX, "Project": "tierstack", "Owner": "platform-team"}
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
STATIC_PATHS = {"/static/*", "/assets/*", "/images/*"}


def test_the_account_records_the_stack_in_its_region(aws):
    profile_checks.check_stack_record(aws, SUFFIX, "ecommerce", REGION,
                                      ["vpc", "rds_aurora", "ecr", "alb", "ecs_fargate", "cloudfront", "cloudwatch"])


# --- network ----------------------------------------------------------------------------------------------


def test_two_azs_two_public_and_four_private_24s(aws, outputs):
    profile_checks.check_subnet_tiers(aws, outputs, ZONES,
                                      {"PublicSubnetIds": "public", "PrivateSubnetIds": "application", "DbSubnetIds": "data"})


def test_the_private_subnets_go_out_through_the_nat_gateway_of_their_az(aws, outputs):
    profile_checks.check_nat_per_az(aws, outputs, ZONES, ["PrivateSubnetIds", "DbSubnetIds"])


# --- data -------------------------------------------------------------------------------------------------


def test_aurora_serverless_v2_half_to_one_acu_backed_up_7_days(aws, outputs):
    cluster = profile_checks.aurora_cluster(aws, outputs)
    assert cluster["Engine"] == "aurora-postgresql" and cluster["DBClusterArn"].split(":")[3] == REGION
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 1.0}
    assert cluster["BackupRetentionPeriod"] == 7 and cluster["StorageEncrypted"] is True
    assert cluster["DatabaseName"] == outputs["DBName"] == "shop"


def test_writer_and_reader_in_different_azs_of_the_data_subnets_admitting_only_the_app_tier(aws, outputs):
    profile_checks.check_aurora_placement(aws, outputs, "DbSubnetIds", ZONES)


def test_credentials_rotate_every_30_days_encrypted_with_kms(aws, outputs):
    sm = aws("secretsmanager")
    secret = sm.describe_secret(SecretId=outputs["DBSecretArn"])
    assert secret["Name"] == f"db-credentials-{SUFFIX}"
    assert secret["RotationEnabled"] is True and secret["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert secret["RotationLambdaARN"] == outputs["RotationFunctionArn"]
    # The profile names no key of its own: Secrets Manager encrypts with the account's AWS managed key.
    assert secret.get("KmsKeyId", "alias/aws/secretsmanager") == "alias/aws/secretsmanager"
    key = aws("kms").describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert key["Enabled"] is True and key["KeyUsage"] == "ENCRYPT_DECRYPT"
    current = next(v for v, stages in secret["VersionIdsToStages"].items() if "AWSCURRENT" in stages)
    value = json.loads(sm.get_secret_value(SecretId=outputs["DBSecretArn"], VersionId=current)["SecretString"])
    assert value["host"] == outputs["RDSClusterEndpoint"] and value["dbname"] == "shop"


# --- edge -------------------------------------------------------------------------------------------------


def _distribution(aws, outputs):
    return aws("cloudfront").get_distribution(Id=outputs["CloudFrontDistributionId"])["Distribution"]


def test_static_assets_come_from_the_private_bucket_through_origin_access_control(aws, outputs):
    cf = aws("cloudfront")
    config = _distribution(aws, outputs)["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    bucket = outputs["StaticAssetsBucket"]
    assert bucket == f"tierstack-assets-{SUFFIX}-123456789012"
    s3_origin = origins["s3-assets"]
    assert s3_origin["DomainName"] == f"{bucket}.s3.{REGION}.amazonaws.com"
    controls = {c["Name"]: c["Id"] for c in cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]}
    assert s3_origin["OriginAccessControlId"] == controls[f"assets-oac-{SUFFIX}"]
    oac = cf.get_origin_access_control(Id=s3_origin["OriginAccessControlId"])["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningProtocol"], oac["SigningBehavior"]) == ("s3", "sigv4", "always")
    assert s3_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_the_bucket_is_private_and_readable_only_by_this_distribution(aws, outputs):
    s3 = aws("s3")
    bucket = outputs["StaticAssetsBucket"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    [statement] = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert as_list(statement["Action"]) == ["s3:GetObject"]
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"] == _distribution(aws, outputs)["ARN"]


def test_static_paths_are_cached_from_the_bucket_and_https_is_enforced(aws, outputs):
    config = _distribution(aws, outputs)["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    assert STATIC_PATHS <= set(behaviours)
    for path in STATIC_PATHS:
        assert behaviours[path]["TargetOriginId"] == "s3-assets"
        assert behaviours[path]["CachePolicyId"] == CACHING_OPTIMIZED
    for behaviour in [config["DefaultCacheBehavior"], *behaviours.values()]:
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    assert config["ViewerCertificate"]["CloudFrontDefaultCertificate"] is True
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "alb"


def test_the_alb_has_a_regional_web_acl_with_a_per_ip_rate_limit_and_the_common_rules(aws, outputs):
    waf = aws("wafv2")
    assert waf.get_web_acl_for_resource(ResourceArn=outputs["ALBArn"])["WebACL"]["ARN"] == outputs["ALBWebACLArn"]
    name, acl_id = outputs["ALBWebACLArn"].split("/")[-2:]
    assert ":regional/webacl/" in outputs["ALBWebACLArn"] and name == f"alb-waf-{SUFFIX}"
    rules = waf.get_web_acl(Name=name, Scope="REGIONAL", Id=acl_id)["WebACL"]["Rules"]
    [rate] = [r for r in rules if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {"Limit": 2000, "EvaluationWindowSec": 300, "AggregateKeyType": "IP"}
    assert "Block" in rate["Action"]
    managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"]: r["Statement"]["ManagedRuleGroupStatement"]["VendorName"]
               for r in rules if "ManagedRuleGroupStatement" in r["Statement"]}
    assert managed.get("AWSManagedRulesCommonRuleSet") == "AWS"


# --- web tier ---------------------------------------------------------------------------------------------


def _web(aws, outputs):
    ecs = aws("ecs")
    [svc] = ecs.describe_services(cluster=outputs["ECSClusterName"], services=[outputs["WebServiceName"]], include=["TAGS"])["services"]
    return svc, ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]


def test_the_web_tier_runs_exactly_two_fargate_tasks_behind_blue(aws, outputs):
    svc, task = _web(aws, outputs)
    assert svc["serviceName"] == f"web-{SUFFIX}" and task["family"] == f"web-{SUFFIX}"
    assert svc["status"] == "ACTIVE" and svc["desiredCount"] == 2
    assert [s["capacityProvider"] for s in svc["capacityProviderStrategy"]] == ["FARGATE"]
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert set(svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == set(profile_checks.ids(outputs, "PrivateSubnetIds"))
    assert svc["loadBalancers"] == [{"targetGroupArn": outputs["WebBlueTargetGroupArn"], "containerName": "web", "containerPort": 8080}]


def test_scaling_tracks_70_percent_cpu_from_two_tasks(aws, outputs):
    target, policies = profile_checks.scaling_policies(aws, outputs, outputs["WebServiceName"])
    assert target["MinCapacity"] == 2 and target["MaxCapacity"] == 6
    config = policies["TargetTrackingScaling"]["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 70.0
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_blue_and_green_target_groups_check_health_on_health(aws, outputs):
    groups = profile_checks.blue_green_target_groups(aws, outputs, "web", SUFFIX, 8080)
    [default] = [r for r in aws("elbv2").describe_rules(ListenerArn=outputs["ALBListenerArn"])["Rules"] if r["IsDefault"]]
    assert profile_checks.forward_weights(default["Actions"][0]) == {groups["blue"]["TargetGroupArn"]: 100,
                                                                     groups["green"]["TargetGroupArn"]: 0}
    _svc, task = _web(aws, outputs)
    [container] = task["containerDefinitions"]
    assert container["healthCheck"]["command"][1].startswith("wget -q -O /dev/null http://127.0.0.1:8080/health ")


def test_the_web_tier_logs_to_cloudwatch(aws, outputs):
    _svc, task = _web(aws, outputs)
    [container] = task["containerDefinitions"]
    log = container["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-group"] == outputs["WebLogGroupName"] == f"/ecs/web-{SUFFIX}"
    assert log["options"]["awslogs-region"] == REGION
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=outputs["WebLogGroupName"])["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(f"/ecs/web-{SUFFIX}", 30)]


def test_the_web_task_reads_only_its_database_secret(aws, outputs):
    _svc, task = _web(aws, outputs)
    assert task["taskRoleArn"] == outputs["WebTaskRoleArn"] and task["taskRoleArn"].endswith(f"/web-task-{SUFFIX}")
    profile_checks.check_reads_only_the_db_secret(aws, outputs, task, "web")


# --- tags and names ---------------------------------------------------------------------------------------


def _main_resource_tags(aws, outputs):
    yield "vpc", tags_of(aws("ec2").describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0])
    for subnet in aws("ec2").describe_subnets(SubnetIds=profile_checks.ids(outputs, "DbSubnetIds"))["Subnets"]:
        yield subnet["SubnetId"], tags_of(subnet)
    yield "aurora", tags_of(profile_checks.aurora_cluster(aws, outputs), "TagList")
    yield "secret", tags_of(aws("secretsmanager").describe_secret(SecretId=outputs["DBSecretArn"]))
    repo = aws("ecr").describe_repositories(repositoryNames=[f"web-{SUFFIX}"])["repositories"][0]
    yield "repository", {t["Key"]: t["Value"] for t in aws("ecr").list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]}
    elb = aws("elbv2")
    for arn in (outputs["ALBArn"], outputs["WebBlueTargetGroupArn"], outputs["WebGreenTargetGroupArn"]):
        yield arn, tags_of(elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0])
    svc, _task = _web(aws, outputs)
    yield "web service", {t["key"]: t["value"] for t in svc["tags"]}
    cf = aws("cloudfront")
    yield "distribution", tags_of(cf.list_tags_for_resource(Resource=_distribution(aws, outputs)["ARN"])["Tags"], "Items")
    yield "alb web acl", tags_of(aws("wafv2").list_tags_for_resource(ResourceARN=outputs["ALBWebACLArn"])["TagInfoForResource"], "TagList")
    yield "bucket", tags_of(aws("s3").get_bucket_tagging(Bucket=outputs["StaticAssetsBucket"]), "TagSet")
    yield "log group", aws("logs").list_tags_log_group(logGroupName=outputs["WebLogGroupName"])["tags"]


def test_resources_carry_environment_project_and_owner(aws, outputs):
    seen = []
    for what, tags in _main_resource_tags(aws, outputs):
        seen.append(what)
        assert tags.items() >= TAGS.items(), (what, tags)
    assert len(seen) == 14


def test_names_are_service_dash_suffix(outputs):
    assert outputs["WebServiceName"] == f"web-{SUFFIX}"
    assert outputs["WebRepoURI"].endswith(f".dkr.ecr.{REGION}.amazonaws.com/web-{SUFFIX}")
    assert outputs["ECSClusterName"] == f"tierstack-{SUFFIX}"
    assert outputs["RDSClusterIdentifier"] == f"aurora-{SUFFIX}"
    assert outputs["WebTaskRoleArn"].endswith(f":role/web-task-{SUFFIX}")


def test_zz_a_re_run_makes_no_write_call():
    """Last (pytest keeps file order): the whole profile re-run through a counting proxy, changed=0 and no
    write call besides the stack lock's two."""
    testing.assert_rerun_is_read_only({"suffix": SUFFIX, "tierstack_profile": "ecommerce"})
