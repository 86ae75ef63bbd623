#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: efs_file_system
short_description: An EFS file system with its lifecycle policy, file system policy and mount targets
version_added: 1.1.0
description:
  - Creates, updates or deletes an Amazon EFS file system, found by its creation token (O(name)); encryption,
    performance and throughput modes, the lifecycle policy (transition to Infrequent Access), an optional
    file system policy, a mount target in each of O(subnet_ids) with O(security_group_ids), and tags.
  - Tags are read with ListTagsForResource; C(community.aws.efs) calls the deprecated DescribeTags instead.
    The Name tag is always O(name); without O(tags) the other tags are left alone.
  - With O(state=absent) the file system's access points and mount targets are deleted first, then the
    file system itself.
options:
  name:
    description: Creation token and Name tag of the file system.
    type: str
    required: true
  encrypted:
    description: Encrypt at rest (used at creation; AWS cannot change it later).
    type: bool
    default: true
  kms_key_id:
    description: KMS key for encryption at rest (the AWS managed C(aws/elasticfilesystem) key when empty).
    type: str
    default: ""
  performance_mode:
    description: Performance mode (creation only).
    type: str
    choices: [generalPurpose, maxIO]
    default: generalPurpose
  throughput_mode:
    description: Throughput mode.
    type: str
    choices: [bursting, elastic, provisioned]
    default: bursting
  provisioned_throughput_in_mibps:
    description: Throughput in MiB/s with O(throughput_mode=provisioned).
    type: float
  transition_to_ia:
    description: When files move to Infrequent Access, for example V(AFTER_30_DAYS); V(NONE) for never.
    type: str
    choices: [NONE, AFTER_1_DAY, AFTER_7_DAYS, AFTER_14_DAYS, AFTER_30_DAYS, AFTER_60_DAYS, AFTER_90_DAYS,
              AFTER_180_DAYS, AFTER_270_DAYS, AFTER_365_DAYS]
    default: NONE
  transition_to_primary_storage_class:
    description: Move a file back to Standard storage on its first access (V(AFTER_1_ACCESS)), or V(NONE).
    type: str
    choices: [NONE, AFTER_1_ACCESS]
    default: NONE
  secure_transport_only:
    description:
      - Set a file system policy that denies every request not made over TLS, so that clients must mount
        with transit encryption. V(false) removes any file system policy.
    type: bool
    default: true
  subnet_ids:
    description: A mount target in each of these subnets (one per AZ); mount targets in other subnets are deleted.
    type: list
    elements: str
    default: []
  security_group_ids:
    description: Security groups of the mount targets.
    type: list
    elements: str
    default: []
  wait_timeout:
    description: Seconds to wait for the file system and its mount targets.
    type: int
    default: 600
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Shared storage, Infrequent Access after 30 days, a mount target per private subnet
  tierstack.aws.efs_file_system:
    name: media-dev1
    transition_to_ia: AFTER_30_DAYS
    subnet_ids: [subnet-1, subnet-2]
    security_group_ids: [sg-123]
    tags:
      Environment: dev1
"""

RETURN = r"""
file_system_id:
  description: Id of the file system (empty when absent).
  returned: always
  type: str
file_system_arn:
  description: ARN of the file system (empty when absent).
  returned: always
  type: str
mount_targets:
  description: Mount targets (snake_case keys).
  returned: when present
  type: list
  elements: dict
"""

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import WaitTimeout
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import poll


def find(client, token):
    found = client.describe_file_systems(aws_retry=True, CreationToken=token)["FileSystems"]
    return found[0] if found else None


def lifecycle_policies(transition_to_ia, transition_to_primary):
    policies = []
    if transition_to_ia != "NONE":
        policies.append({"TransitionToIA": transition_to_ia})
    if transition_to_primary != "NONE":
        policies.append({"TransitionToPrimaryStorageClass": transition_to_primary})
    return policies


def secure_transport_policy(arn):
    """The file system policy that refuses any request not made over TLS."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }


def wait_until(module, what, check):
    """Poll check() every 5 s until it is true or wait_timeout passes (EFS has no boto3 waiters)."""
    try:
        poll(check, timeout=module.params["wait_timeout"], delay=5)
    except WaitTimeout:
        module.fail_json(msg=f"Timed out waiting for {what}")


def mount_targets(client, fs_id):
    return client.describe_mount_targets(aws_retry=True, FileSystemId=fs_id).get("MountTargets", [])


def delete_everything(module, client, fs):
    fs_id = fs["FileSystemId"]
    for point in client.describe_access_points(aws_retry=True, FileSystemId=fs_id).get("AccessPoints", []):
        client.delete_access_point(aws_retry=True, AccessPointId=point["AccessPointId"])
    for target in mount_targets(client, fs_id):
        client.delete_mount_target(aws_retry=True, MountTargetId=target["MountTargetId"])
    wait_until(module, f"the mount targets of {fs_id} to go", lambda: not mount_targets(client, fs_id))
    client.delete_file_system(aws_retry=True, FileSystemId=fs_id)

    def gone():
        try:
            return not client.describe_file_systems(aws_retry=True, FileSystemId=fs_id)["FileSystems"]
        except is_boto3_error_code("FileSystemNotFound"):
            return True
    wait_until(module, f"file system {fs_id} to go", gone)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            encrypted=dict(type="bool", default=True),
            kms_key_id=dict(type="str", default="", no_log=False),
            performance_mode=dict(type="str", choices=["generalPurpose", "maxIO"], default="generalPurpose"),
            throughput_mode=dict(type="str", choices=["bursting", "elastic", "provisioned"], default="bursting"),
            provisioned_throughput_in_mibps=dict(type="float"),
            transition_to_ia=dict(type="str", default="NONE", choices=[
                "NONE", "AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS",
                "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS"]),
            transition_to_primary_storage_class=dict(type="str", choices=["NONE", "AFTER_1_ACCESS"], default="NONE"),
            secure_transport_only=dict(type="bool", default=True),
            subnet_ids=dict(type="list", elements="str", default=[]),
            security_group_ids=dict(type="list", elements="str", default=[]),
            **TAG_ARGUMENT_SPEC,
            wait_timeout=dict(type="int", default=600),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("throughput_mode", "provisioned", ["provisioned_throughput_in_mibps"])],
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"]
    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())
    changed = False
    try:
        fs = find(client, name)
        if p["state"] == "absent":
            if fs and not module.check_mode:
                delete_everything(module, client, fs)
            module.exit_json(changed=bool(fs), file_system_id=(fs or {}).get("FileSystemId", ""),
                             file_system_arn=(fs or {}).get("FileSystemArn", ""),
                             diff={"before": {"exists": bool(fs)}, "after": {"exists": False}})

        # The Name tag is always the name; without tags the others are left alone (None).
        wanted_tags = None if p["tags"] is None else dict(normalise_tags(p["tags"]), Name=name)
        wanted_lifecycle = lifecycle_policies(p["transition_to_ia"], p["transition_to_primary_storage_class"])
        wanted_subnets = sorted(set(p["subnet_ids"]))
        before, after = {}, {
            "throughput_mode": p["throughput_mode"], "lifecycle_policies": wanted_lifecycle,
            "secure_transport_only": p["secure_transport_only"], "mount_target_subnets": wanted_subnets,
            "tags": dict(wanted_tags or {}, Name=name),
        }
        if fs is None:
            changed = True
            if module.check_mode:
                module.exit_json(changed=True, file_system_id="", file_system_arn="", diff={"before": {}, "after": after})
            kwargs = dict(CreationToken=name, Encrypted=p["encrypted"], PerformanceMode=p["performance_mode"],
                          ThroughputMode=p["throughput_mode"], Tags=create_tags("efs", after["tags"]))
            if p["kms_key_id"]:
                kwargs["KmsKeyId"] = p["kms_key_id"]
            if p["throughput_mode"] == "provisioned":
                kwargs["ProvisionedThroughputInMibps"] = p["provisioned_throughput_in_mibps"]
            fs = client.create_file_system(aws_retry=True, **kwargs)
            fs_id = fs["FileSystemId"]
            wait_until(module, f"file system {fs_id} to be available",
                       lambda: client.describe_file_systems(aws_retry=True, FileSystemId=fs_id)["FileSystems"][0]["LifeCycleState"] == "available")
            current_lifecycle, current_policy, targets = [], {}, []
        else:
            fs_id = fs["FileSystemId"]
            if bool(fs.get("Encrypted")) != p["encrypted"]:
                module.fail_json(msg=f"File system {fs_id} cannot change encryption at rest in place.")
            current_lifecycle = client.describe_lifecycle_configuration(aws_retry=True, FileSystemId=fs_id).get("LifecyclePolicies", [])
            try:
                current_policy = json.loads(client.describe_file_system_policy(aws_retry=True, FileSystemId=fs_id)["Policy"])
            except is_boto3_error_code("PolicyNotFound"):
                current_policy = {}
            targets = mount_targets(client, fs_id)
            before = {
                "throughput_mode": fs.get("ThroughputMode"), "lifecycle_policies": current_lifecycle,
                "secure_transport_only": current_policy == secure_transport_policy(fs["FileSystemArn"]),
                "mount_target_subnets": sorted(t["SubnetId"] for t in targets),
                "tags": get_tags(module, client, "efs", fs_id),
            }
            if fs.get("ThroughputMode") != p["throughput_mode"] or (
                    p["throughput_mode"] == "provisioned"
                    and fs.get("ProvisionedThroughputInMibps") != p["provisioned_throughput_in_mibps"]):
                changed = True
                if not module.check_mode:
                    kwargs = {"ThroughputMode": p["throughput_mode"]}
                    if p["throughput_mode"] == "provisioned":
                        kwargs["ProvisionedThroughputInMibps"] = p["provisioned_throughput_in_mibps"]
                    client.update_file_system(aws_retry=True, FileSystemId=fs_id, **kwargs)

        def canonical(policies):
            return sorted(json.dumps(x, sort_keys=True) for x in policies)
        if canonical(current_lifecycle) != canonical(wanted_lifecycle):
            changed = True
            if not module.check_mode:
                client.put_lifecycle_configuration(aws_retry=True, FileSystemId=fs_id, LifecyclePolicies=wanted_lifecycle)

        wanted_policy = secure_transport_policy(fs["FileSystemArn"]) if p["secure_transport_only"] else {}
        if wanted_policy and (not current_policy or compare_policies(current_policy, wanted_policy)):
            changed = True
            if not module.check_mode:
                client.put_file_system_policy(aws_retry=True, FileSystemId=fs_id, Policy=json.dumps(wanted_policy))
        elif not wanted_policy and current_policy:
            changed = True
            if not module.check_mode:
                client.delete_file_system_policy(aws_retry=True, FileSystemId=fs_id)

        if before:  # an existing file system (a new one was created with its tags)
            tag_plan = reconcile_tags(module, client, "efs", fs_id, wanted_tags, p["purge_tags"], current=before["tags"])
            changed |= tag_plan.changed
            after["tags"] = tag_plan.after

        wanted_groups = sorted(set(p["security_group_ids"]))
        by_subnet = {t["SubnetId"]: t for t in targets}
        for target in targets:
            if target["SubnetId"] not in wanted_subnets:
                changed = True
                if not module.check_mode:
                    client.delete_mount_target(aws_retry=True, MountTargetId=target["MountTargetId"])
            elif wanted_groups:
                groups = client.describe_mount_target_security_groups(aws_retry=True, MountTargetId=target["MountTargetId"])["SecurityGroups"]
                if sorted(groups) != wanted_groups:
                    changed = True
                    if not module.check_mode:
                        client.modify_mount_target_security_groups(aws_retry=True, MountTargetId=target["MountTargetId"],
                                                                   SecurityGroups=wanted_groups)
        for subnet in wanted_subnets:
            if subnet not in by_subnet:
                changed = True
                if not module.check_mode:
                    kwargs = {"FileSystemId": fs_id, "SubnetId": subnet}
                    if wanted_groups:
                        kwargs["SecurityGroups"] = wanted_groups
                    client.create_mount_target(aws_retry=True, **kwargs)
        if changed and not module.check_mode:
            wait_until(module, f"the mount targets of {fs_id}", lambda: sorted(
                t["SubnetId"] for t in mount_targets(client, fs_id) if t["LifeCycleState"] == "available") == wanted_subnets)
            targets = mount_targets(client, fs_id)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't manage EFS file system {name}")
    module.exit_json(changed=changed, file_system_id=fs_id, file_system_arn=fs.get("FileSystemArn", ""),
                     mount_targets=[camel_dict_to_snake_dict(t) for t in targets],
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
