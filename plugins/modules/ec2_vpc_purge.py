#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_vpc_purge
short_description: Delete a VPC with everything the network tier made in it, in one module run
version_added: 1.2.0
description:
  - Deletes, in the order AWS requires, the NAT gateways of the VPC (then releases their Elastic IPs), its
    security groups (each emptied of its rules first, since they refer to each other), its network ACLs and
    route tables (their subnet associations removed first), its subnets, its internet gateways and the VPC.
  - The default security group, the default network ACL and the main route table go with the VPC.
  - A deletion that AWS refuses with C(DependencyViolation) (a network interface that a deleted NAT gateway or
    Lambda function still holds for a while) is retried until O(wait_timeout).
  - What amazon.aws's ec2_vpc_nat_gateway, ec2_security_group, ec2_vpc_nacl, ec2_vpc_route_table,
    ec2_vpc_subnet, ec2_vpc_igw and ec2_vpc_net do with C(state=absent), one resource per module run, this
    module does for the whole VPC in one run, reading the VPC once.
  - In check mode it reports what it would delete.
options:
  vpc_id:
    description:
      - The VPC to delete. Nothing happens when it does not exist.
      - Everything in it that is listed above is deleted, not only what carries the stack's tags.
    type: str
    required: true
  wait_timeout:
    description: How long, in seconds, to wait for the NAT gateways to be deleted and to retry refused deletions.
    type: int
    default: 900
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the stack's VPC
  amazon.aws.ec2_vpc_net_info:
    filters:
      "tag:Name": vpc-dev1
  register: found

- name: Delete it with its NAT gateways, security groups, network ACLs, route tables, subnets and gateway
  tierstack.aws.ec2_vpc_purge:
    vpc_id: "{{ found.vpcs[0].id }}"
  when: found.vpcs | length > 0
"""

RETURN = r"""
deleted:
  description: The ids of what was deleted (in check mode, of what would be), by kind; empty lists when the VPC was gone.
  returned: always
  type: dict
  contains:
    nat_gateways:
      description: NAT gateway ids.
      type: list
      elements: str
    elastic_ips:
      description: Allocation ids of the Elastic IPs the NAT gateways held, released.
      type: list
      elements: str
    security_groups:
      description: Security group ids.
      type: list
      elements: str
    network_acls:
      description: Network ACL ids.
      type: list
      elements: str
    route_tables:
      description: Route table ids.
      type: list
      elements: str
    subnets:
      description: Subnet ids.
      type: list
      elements: str
    internet_gateways:
      description: Internet gateway ids.
      type: list
      elements: str
    vpcs:
      description: The VPC id, or nothing.
      type: list
      elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import WaitTimeout
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import poll
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import retry_while

KINDS = ("nat_gateways", "elastic_ips", "security_groups", "network_acls", "route_tables", "subnets", "internet_gateways", "vpcs")
# Seconds between two tries of a refused deletion, and between two looks at the deleting NAT gateways.
DELAY = 5


def describe(client, vpc_id):
    """Everything in the VPC that the purge deletes, or None when the VPC does not exist."""
    try:
        client.describe_vpcs(aws_retry=True, VpcIds=[vpc_id])
    except is_boto3_error_code("InvalidVpcID.NotFound"):
        return None
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    nats = [n for n in paginate_items(client, "describe_nat_gateways", "NatGateways", Filters=in_vpc)
            if n.get("VpcId") == vpc_id and n["State"] in ("pending", "available", "deleting", "failed")]
    return {
        "nat_gateways": nats,
        "security_groups": [g for g in paginate_items(client, "describe_security_groups", "SecurityGroups", Filters=in_vpc)
                            if g["GroupName"] != "default"],
        "network_acls": [a for a in paginate_items(client, "describe_network_acls", "NetworkAcls", Filters=in_vpc) if not a.get("IsDefault")],
        "route_tables": [t for t in paginate_items(client, "describe_route_tables", "RouteTables", Filters=in_vpc)
                         if not any(a.get("Main") for a in t.get("Associations", []))],
        "subnets": paginate_items(client, "describe_subnets", "Subnets", Filters=in_vpc),
        "internet_gateways": paginate_items(client, "describe_internet_gateways", "InternetGateways",
                                            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]),
    }


def plan(vpc_id, found):
    """The ids the purge deletes, by kind (KINDS)."""
    if found is None:
        return {kind: [] for kind in KINDS}
    return {
        "nat_gateways": [n["NatGatewayId"] for n in found["nat_gateways"]],
        "elastic_ips": sorted({a["AllocationId"] for n in found["nat_gateways"] for a in n.get("NatGatewayAddresses", [])
                               if a.get("AllocationId")}),
        "security_groups": [g["GroupId"] for g in found["security_groups"]],
        "network_acls": [a["NetworkAclId"] for a in found["network_acls"]],
        "route_tables": [t["RouteTableId"] for t in found["route_tables"]],
        "subnets": [s["SubnetId"] for s in found["subnets"]],
        "internet_gateways": [g["InternetGatewayId"] for g in found["internet_gateways"]],
        "vpcs": [vpc_id],
    }


class Purge:
    """The deletions, in AWS's order; each retried while AWS refuses it for a dependency still going away."""

    def __init__(self, module, client, vpc_id, found):
        self.module, self.client, self.vpc_id, self.found = module, client, vpc_id, found
        self.timeout = module.params["wait_timeout"]

    def _retried(self, call, codes=("DependencyViolation",)):
        return retry_while(call, lambda e: _code(e) in codes, timeout=self.timeout, delay=DELAY)

    def nat_gateways(self):
        for nat in self.found["nat_gateways"]:
            if nat["State"] in ("pending", "available", "failed"):
                try:
                    self.client.delete_nat_gateway(aws_retry=True, NatGatewayId=nat["NatGatewayId"])
                except is_boto3_error_code("NatGatewayNotFound"):
                    pass
        ids = [n["NatGatewayId"] for n in self.found["nat_gateways"]]
        if ids:
            try:
                poll(lambda: not self._nat_gateways_left(ids), timeout=self.timeout, delay=DELAY)
            except WaitTimeout:
                self.module.fail_json(msg=f"Timed out after {self.timeout} s waiting for the NAT gateways {', '.join(ids)} to be deleted")

    def _nat_gateways_left(self, ids):
        described = paginate_items(self.client, "describe_nat_gateways", "NatGateways", Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}])
        return [n["NatGatewayId"] for n in described if n["NatGatewayId"] in ids and n["State"] != "deleted"]

    def elastic_ips(self, allocation_ids):
        for allocation_id in allocation_ids:
            try:
                # The address stays associated for a moment after its NAT gateway is deleted.
                self._retried(lambda a=allocation_id: self.client.release_address(aws_retry=True, AllocationId=a),
                              codes=("InvalidIPAddress.InUse", "AuthFailure"))
            except is_boto3_error_code("InvalidAllocationID.NotFound"):
                pass

    def security_groups(self):
        for group in self.found["security_groups"]:
            if group.get("IpPermissions"):
                self.client.revoke_security_group_ingress(aws_retry=True, GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
            if group.get("IpPermissionsEgress"):
                self.client.revoke_security_group_egress(aws_retry=True, GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
        for group in self.found["security_groups"]:
            self._retried(lambda g=group["GroupId"]: self.client.delete_security_group(aws_retry=True, GroupId=g))

    def network_acls(self):
        in_vpc = [{"Name": "vpc-id", "Values": [self.vpc_id]}]
        default = [a["NetworkAclId"] for a in paginate_items(self.client, "describe_network_acls", "NetworkAcls", Filters=in_vpc) if a.get("IsDefault")]
        for acl in self.found["network_acls"]:
            for association in acl.get("Associations", []):
                if default:
                    self.client.replace_network_acl_association(aws_retry=True, AssociationId=association["NetworkAclAssociationId"],
                                                                NetworkAclId=default[0])
            self.client.delete_network_acl(aws_retry=True, NetworkAclId=acl["NetworkAclId"])

    def route_tables(self):
        for table in self.found["route_tables"]:
            for association in table.get("Associations", []):
                if association.get("RouteTableAssociationId"):
                    try:
                        self.client.disassociate_route_table(aws_retry=True, AssociationId=association["RouteTableAssociationId"])
                    except is_boto3_error_code("InvalidAssociationID.NotFound"):
                        pass
            self.client.delete_route_table(aws_retry=True, RouteTableId=table["RouteTableId"])

    def subnets(self):
        for subnet in self.found["subnets"]:
            self._retried(lambda s=subnet["SubnetId"]: self.client.delete_subnet(aws_retry=True, SubnetId=s))

    def internet_gateways(self):
        for gateway in self.found["internet_gateways"]:
            self._retried(lambda g=gateway["InternetGatewayId"]: self.client.detach_internet_gateway(
                aws_retry=True, InternetGatewayId=g, VpcId=self.vpc_id))
            self.client.delete_internet_gateway(aws_retry=True, InternetGatewayId=gateway["InternetGatewayId"])

    def vpc(self):
        self._retried(lambda: self.client.delete_vpc(aws_retry=True, VpcId=self.vpc_id))


def _code(error):
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            vpc_id=dict(type="str", required=True),
            wait_timeout=dict(type="int", default=900),
        ),
        supports_check_mode=True,
    )
    vpc_id = module.params["vpc_id"]
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    step = "read"
    try:
        found = describe(client, vpc_id)
        deleted = plan(vpc_id, found)
        changed = found is not None
        if changed and not module.check_mode:
            purge = Purge(module, client, vpc_id, found)
            for step in ("nat_gateways", "security_groups", "network_acls", "route_tables", "subnets", "internet_gateways", "vpc"):
                getattr(purge, step)()
                if step == "nat_gateways":
                    step = "elastic_ips"
                    purge.elastic_ips(deleted["elastic_ips"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't delete VPC {vpc_id} ({step.replace('_', ' ')})")
    before = {kind: ids for kind, ids in deleted.items() if ids}
    module.exit_json(changed=changed, deleted=deleted, diff={"before": before, "after": {}})


if __name__ == "__main__":
    main()
