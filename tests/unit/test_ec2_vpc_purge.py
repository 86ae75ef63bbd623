"""tierstack.aws.ec2_vpc_purge: what it deletes, from what DescribeX answered (a pure function).

The deletions themselves are proven against the emulator by every molecule scenario's destroy, whose
nothing_left checks list what is left in the account."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.modules.ec2_vpc_purge import KINDS, plan


def test_a_missing_vpc_deletes_nothing():
    assert plan("vpc-1", None) == {kind: [] for kind in KINDS}


def test_every_part_and_the_nat_gateways_addresses():
    found = {
        "nat_gateways": [{"NatGatewayId": "nat-1", "NatGatewayAddresses": [{"AllocationId": "eipalloc-1"}]},
                         {"NatGatewayId": "nat-2", "NatGatewayAddresses": [{"PublicIp": "1.2.3.4"}]}],
        "security_groups": [{"GroupId": "sg-1"}],
        "network_acls": [{"NetworkAclId": "acl-1"}],
        "route_tables": [{"RouteTableId": "rtb-1"}],
        "subnets": [{"SubnetId": "subnet-1"}, {"SubnetId": "subnet-2"}],
        "internet_gateways": [{"InternetGatewayId": "igw-1"}],
    }
    assert plan("vpc-1", found) == {
        "nat_gateways": ["nat-1", "nat-2"], "elastic_ips": ["eipalloc-1"], "security_groups": ["sg-1"],
        "network_acls": ["acl-1"], "route_tables": ["rtb-1"], "subnets": ["subnet-1", "subnet-2"],
        "internet_gateways": ["igw-1"], "vpcs": ["vpc-1"],
    }
