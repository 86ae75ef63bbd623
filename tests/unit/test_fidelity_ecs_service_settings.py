"""tierstack.fidelity.ecs_service_settings: CreateService keeps the strategy, deployment configuration,
ECS Exec flag and grace period, and DescribeServices shows them as AWS does."""

import boto3
import pytest
from moto import mock_aws

from tierstack.fidelity import ecs_service_settings

pytestmark = pytest.mark.usefixtures("in_process_aws")

REGION = "ap-southeast-2"


def _create(ecs, ec2, name, **extra):
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName=f"sg-{name}", Description="x", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="c1", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(family="f1", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 512}],
                                 networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512")
    ecs.create_service(cluster="c1", serviceName=name, taskDefinition="f1", desiredCount=2,
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}, **extra)
    return ecs.describe_services(cluster="c1", services=[name])["services"][0]


@mock_aws
def test_with_the_patch_describe_shows_what_create_was_sent():
    ecs_service_settings.apply()
    ecs, ec2 = boto3.client("ecs", region_name=REGION), boto3.client("ec2", region_name=REGION)
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 70, "base": 0},
                {"capacityProvider": "FARGATE", "weight": 30, "base": 1}]
    deployment = {"minimumHealthyPercent": 50, "maximumPercent": 200,
                  "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    svc = _create(ecs, ec2, "s1", capacityProviderStrategy=strategy, deploymentConfiguration=deployment,
                  enableExecuteCommand=True, healthCheckGracePeriodSeconds=60)
    assert svc["capacityProviderStrategy"] == strategy
    assert "launchType" not in svc
    assert svc["deploymentConfiguration"] == deployment
    assert svc["enableExecuteCommand"] is True
    assert svc["healthCheckGracePeriodSeconds"] == 60


@mock_aws
def test_with_the_patch_defaults_are_described_as_aws_does():
    ecs_service_settings.apply()
    ecs, ec2 = boto3.client("ecs", region_name=REGION), boto3.client("ec2", region_name=REGION)
    svc = _create(ecs, ec2, "s2", launchType="FARGATE")
    assert svc["launchType"] == "FARGATE"
    assert svc["enableExecuteCommand"] is False
    assert svc["deploymentConfiguration"] == ecs_service_settings.DEFAULT_DEPLOYMENT_CONFIGURATION
