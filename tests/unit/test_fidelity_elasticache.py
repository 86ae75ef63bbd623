"""The ElastiCache fidelity patches, shown against moto in-process (mock_aws)."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tierstack.fidelity import (
    elasticache_delete_cache_subnet_group,
    elasticache_delete_replication_group,
    elasticache_replicas,
)

pytestmark = pytest.mark.usefixtures("in_process_aws")

REGION = "eu-west-2"


@pytest.fixture()
def elasticache():
    for patch in (elasticache_replicas, elasticache_delete_replication_group, elasticache_delete_cache_subnet_group):
        patch.apply()
    with mock_aws():
        # Start from an empty ElastiCache backend even where another test left a mock active.
        from moto.elasticache.models import elasticache_backends

        elasticache_backends.reset()
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
            for i, az in enumerate("ab")
        ]
        client = boto3.client("elasticache", region_name=REGION)
        client.create_cache_subnet_group(
            CacheSubnetGroupName="csg", CacheSubnetGroupDescription="test", SubnetIds=subnets
        )
        yield client


def _create(client, num_cache_clusters):
    client.create_replication_group(
        ReplicationGroupId="rg", ReplicationGroupDescription="test", Engine="redis",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=num_cache_clusters, CacheSubnetGroupName="csg",
        AutomaticFailoverEnabled=num_cache_clusters > 1, MultiAZEnabled=num_cache_clusters > 1,
        PreferredCacheClusterAZs=[f"{REGION}a", f"{REGION}b", f"{REGION}a"][:num_cache_clusters],
    )
    return client.describe_replication_groups(ReplicationGroupId="rg")["ReplicationGroups"][0]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_num_cache_clusters_members_and_reader_endpoint(elasticache, count):
    group = _create(elasticache, count)
    assert group["MemberClusters"] == [f"rg-{i:03d}" for i in range(1, count + 1)]
    members = group["NodeGroups"][0]["NodeGroupMembers"]
    assert [m["CurrentRole"] for m in members] == ["primary"] + ["replica"] * (count - 1)
    assert members[0]["PreferredAvailabilityZone"] == f"{REGION}a"
    if count > 1:
        assert members[1]["PreferredAvailabilityZone"] == f"{REGION}b"
    reader = group["NodeGroups"][0]["ReaderEndpoint"]
    assert reader["Address"].startswith("replica.rg.") and reader["Port"] == 6379
    assert group["NodeGroups"][0]["PrimaryEndpoint"]["Address"].startswith("master.rg.")


def test_deleted_replication_group_is_gone(elasticache):
    _create(elasticache, 2)
    assert elasticache.delete_replication_group(ReplicationGroupId="rg")["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(ClientError) as err:
        elasticache.describe_replication_groups(ReplicationGroupId="rg")
    assert err.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_delete_cache_subnet_group(elasticache):
    _create(elasticache, 1)
    with pytest.raises(ClientError) as err:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="csg")
    assert err.value.response["Error"]["Code"] == "CacheSubnetGroupInUse"
    elasticache.delete_replication_group(ReplicationGroupId="rg")
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName="csg")
    assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    with pytest.raises(ClientError) as err:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="csg")
    assert err.value.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"
