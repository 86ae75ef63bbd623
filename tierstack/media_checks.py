"""Checks of the Redis, EFS, Kinesis and application-secret tiers, read back from the endpoint.

Shared by the molecule scenarios `media` (the three tiers on a VPC) and `media_processing` (the whole
profile): each takes the stack's outputs and what the scenario asked for, and asserts on described state.
"""

from __future__ import annotations

import json

from tierstack.testing import client


def _tags(items, key="Key", value="Value"):
    return {t[key]: t[value] for t in items or []}


def _ingress_only_from(ec2, region_group_id, port, source_group_id):
    group = ec2.describe_security_groups(GroupIds=[region_group_id])["SecurityGroups"][0]
    perms = group["IpPermissions"]
    assert len(perms) == 1, perms
    assert perms[0]["IpProtocol"] == "tcp" and perms[0]["FromPort"] == port == perms[0]["ToPort"]
    assert [p["GroupId"] for p in perms[0]["UserIdGroupPairs"]] == [source_group_id]
    assert not perms[0].get("IpRanges") and not perms[0].get("Ipv6Ranges")
    assert group.get("IpPermissionsEgress", []) == [], group.get("IpPermissionsEgress")
    return group


def check_redis(outputs, region, suffix, name, node_type, replicas, tags):
    ec = client("elasticache", region)
    group_id = f"{name}-{suffix}"
    group = ec.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
    assert group["Status"] == "available"
    assert group["CacheNodeType"] == node_type
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert group["AtRestEncryptionEnabled"] is True and group["TransitEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    assert group["SnapshotRetentionLimit"] == 7
    assert group["ClusterEnabled"] is False
    node_group = group["NodeGroups"][0]
    members = node_group["NodeGroupMembers"]
    assert [m["CurrentRole"] for m in members] == ["primary"] + ["replica"] * replicas
    assert group["MemberClusters"] == outputs["RedisMemberClusters"].split(",")
    zones = outputs["AvailabilityZones"].split(",")
    assert members[0]["PreferredAvailabilityZone"] != members[1]["PreferredAvailabilityZone"]
    assert {m["PreferredAvailabilityZone"] for m in members} <= set(zones)
    assert node_group["PrimaryEndpoint"]["Address"] == outputs["RedisPrimaryEndpoint"]
    assert node_group["ReaderEndpoint"]["Address"] == outputs["RedisReaderEndpoint"]
    assert outputs["RedisPort"] == "6379" == str(node_group["PrimaryEndpoint"]["Port"])
    group_tags = _tags(ec.list_tags_for_resource(ResourceName=group["ARN"])["TagList"])
    assert group_tags.items() >= tags.items(), group_tags

    subnet_group = ec.describe_cache_subnet_groups(CacheSubnetGroupName=group_id)["CacheSubnetGroups"][0]
    assert {s["SubnetIdentifier"] for s in subnet_group["Subnets"]} == set(outputs["PrivateSubnetIds"].split(","))
    assert _tags(ec.list_tags_for_resource(ResourceName=subnet_group["ARN"])["TagList"]).items() >= tags.items()

    ec2 = client("ec2", region)
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [group_id]},
                                                  {"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["SecurityGroups"]
    assert len(found) == 1
    _ingress_only_from(ec2, found[0]["GroupId"], 6379, outputs["AppSecurityGroupId"])

    # The AUTH token: only in Secrets Manager, generated (64 letters and digits), never in the outputs.
    sm = client("secretsmanager", region)
    secret = sm.describe_secret(SecretId=outputs["RedisAuthSecretArn"])
    assert secret["Name"] == f"{name}-auth-{suffix}"
    assert _tags(secret["Tags"]).items() >= tags.items()
    token = sm.get_secret_value(SecretId=outputs["RedisAuthSecretArn"])["SecretString"]
    assert len(token) == 64 and token.isalnum()
    assert token not in json.dumps(outputs)


def check_efs(outputs, region, suffix, name, path, tags):
    efs = client("efs", region)
    fs_id = outputs["EfsFileSystemId"]
    fs = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert fs["Encrypted"] is True
    assert fs["CreationToken"] == fs["Name"] == f"{name}-{suffix}"
    assert fs["FileSystemArn"] == outputs["EfsFileSystemArn"]
    assert _tags(efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]).items() >= tags.items()
    assert efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"] == [{"TransitionToIA": "AFTER_30_DAYS"}]
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == fs["FileSystemArn"]

    targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted(outputs["PrivateSubnetIds"].split(","))
    assert len({t["AvailabilityZoneName"] for t in targets}) == len(targets)
    ec2 = client("ec2", region)
    group_ids = {g for t in targets for g in efs.describe_mount_target_security_groups(MountTargetId=t["MountTargetId"])["SecurityGroups"]}
    assert len(group_ids) == 1
    group = _ingress_only_from(ec2, group_ids.pop(), 2049, outputs["AppSecurityGroupId"])
    assert group["GroupName"] == f"{name}-efs-{suffix}"

    points = efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]
    assert [p["AccessPointId"] for p in points] == [outputs["EfsAccessPointId"]]
    point = points[0]
    assert point["AccessPointArn"] == outputs["EfsAccessPointArn"]
    assert point["RootDirectory"]["Path"] == path
    assert point["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}
    assert point["PosixUser"]["Uid"] == 1000 and point["PosixUser"]["Gid"] == 1000
    assert _tags(point["Tags"]).items() >= tags.items()


def check_kinesis(outputs, region, suffix, shards, hours, tags):
    ks = client("kinesis", region)
    name = f"analytics-{suffix}"
    assert outputs["KinesisStreamName"] == name
    summary = ks.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["StreamARN"] == outputs["KinesisStreamArn"]
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == shards
    assert summary["RetentionPeriodHours"] == hours
    assert summary["EncryptionType"] == "KMS" and summary["KeyId"] == "alias/aws/kinesis"
    assert _tags(ks.list_tags_for_stream(StreamName=name)["Tags"]).items() >= tags.items()


def check_app_secret(outputs, region, suffix, tags):
    sm = client("secretsmanager", region)
    secret = sm.describe_secret(SecretId=outputs["AppSecretApiKeysArn"])
    assert secret["Name"] == f"api-keys-{suffix}"
    assert _tags(secret["Tags"]).items() >= tags.items()
    value = json.loads(sm.get_secret_value(SecretId=outputs["AppSecretApiKeysArn"])["SecretString"])
    assert list(value) == ["api_key"] and len(value["api_key"]) == 40 and value["api_key"].isalnum()
