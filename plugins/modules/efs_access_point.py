#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: efs_access_point
short_description: An EFS access point, found by its Name tag
version_added: 1.1.0
description:
  - Creates or deletes an access point of an EFS file system (a root directory (created with an owner and
    permissions) and the POSIX user every request through it acts as).
  - AWS cannot change an access point's path or user; when they differ, the module replaces the access point
    (a new id and ARN). Tags are reconciled in place. The Name tag is always O(name); without O(tags) the
    other tags are left alone.
options:
  file_system_id:
    description: The file system.
    type: str
    required: true
  name:
    description: Name tag of the access point (unique within the file system).
    type: str
    required: true
  path:
    description: Absolute root directory of the access point.
    type: str
    default: /
  posix_user:
    description: The POSIX identity of every request through the access point.
    type: dict
    suboptions:
      uid:
        description: User id.
        type: int
        required: true
      gid:
        description: Group id.
        type: int
        required: true
  owner_uid:
    description: Owner of the root directory when EFS creates it.
    type: int
    default: 1000
  owner_gid:
    description: Group of the root directory when EFS creates it.
    type: int
    default: 1000
  permissions:
    description: Octal mode of the root directory when EFS creates it, for example C(0750).
    type: str
    default: "0750"
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
- name: The media directory, owned by uid 1000
  tierstack.aws.efs_access_point:
    file_system_id: fs-123
    name: media-dev1
    path: /media
    posix_user: {uid: 1000, gid: 1000}
    permissions: "0750"
"""

RETURN = r"""
access_point_id:
  description: Id of the access point (empty when absent).
  returned: always
  type: str
access_point_arn:
  description: ARN of the access point (empty when absent).
  returned: always
  type: str
"""

import hashlib
import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import WaitTimeout
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import poll


def find(client, fs_id, name):
    try:
        points = client.describe_access_points(aws_retry=True, FileSystemId=fs_id).get("AccessPoints", [])
    except is_boto3_error_code("FileSystemNotFound"):
        return None
    for point in points:
        if boto3_tag_list_to_ansible_dict(point.get("Tags", [])).get("Name") == name:
            return point
    return None


def shape(path, posix_user, owner_uid, owner_gid, permissions):
    """The immutable settings of an access point, as DescribeAccessPoints gives them."""
    result = {"Path": path, "CreationInfo": {"OwnerUid": owner_uid, "OwnerGid": owner_gid,
                                             "Permissions": permissions.lstrip("0").rjust(3, "0")}}
    if posix_user:
        result["PosixUser"] = {"Uid": posix_user["uid"], "Gid": posix_user["gid"]}
    return result


def described_shape(point):
    root = point.get("RootDirectory", {})
    info = root.get("CreationInfo", {})
    result = {"Path": root.get("Path", "/"), "CreationInfo": {
        "OwnerUid": info.get("OwnerUid"), "OwnerGid": info.get("OwnerGid"),
        "Permissions": str(info.get("Permissions", "")).lstrip("0").rjust(3, "0")}}
    if point.get("PosixUser"):
        result["PosixUser"] = {"Uid": point["PosixUser"]["Uid"], "Gid": point["PosixUser"]["Gid"]}
    return result


def delete(client, point):
    client.delete_access_point(aws_retry=True, AccessPointId=point["AccessPointId"])


def client_token(fs_id, name, wanted):
    """The create's idempotency token: the same file system, name and shape give the same token, so a retried or
    repeated create returns the access point made first. A new file system (after a teardown) or a new shape (a
    replacement) gives a new one."""
    seed = json.dumps([fs_id, name, wanted], sort_keys=True)
    return hashlib.sha256(seed.encode()).hexdigest()[:64]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            file_system_id=dict(type="str", required=True),
            name=dict(type="str", required=True),
            path=dict(type="str", default="/"),
            posix_user=dict(type="dict", options=dict(uid=dict(type="int", required=True), gid=dict(type="int", required=True))),
            owner_uid=dict(type="int", default=1000),
            owner_gid=dict(type="int", default=1000),
            permissions=dict(type="str", default="0750"),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not p["path"].startswith("/"):
        module.fail_json(msg=f"path must be absolute; got {p['path']}")
    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())
    fs_id, name = p["file_system_id"], p["name"]
    try:
        point = find(client, fs_id, name)
        if p["state"] == "absent":
            if point and not module.check_mode:
                delete(client, point)
            module.exit_json(changed=bool(point), access_point_id=(point or {}).get("AccessPointId", ""),
                             access_point_arn=(point or {}).get("AccessPointArn", ""),
                             diff={"before": {"exists": bool(point)}, "after": {"exists": False}})

        wanted = shape(p["path"], p["posix_user"], p["owner_uid"], p["owner_gid"], p["permissions"])
        # The Name tag is always the name (it finds the access point); without tags the others are left alone.
        wanted_tags = None if p["tags"] is None else dict(normalise_tags(p["tags"]), Name=name)
        before = dict(described_shape(point), tags=boto3_tag_list_to_ansible_dict(point.get("Tags", []))) if point else {}
        if wanted_tags is not None:
            after = dict(wanted, tags=wanted_tags)
        elif point:
            after = dict(wanted, tags=before["tags"])  # left alone, also by a replacement
        else:
            after = dict(wanted, tags={"Name": name})
        changed = False
        if point and described_shape(point) != wanted:
            changed = True
            if not module.check_mode:
                delete(client, point)
                try:
                    poll(lambda: not find(client, fs_id, name), timeout=300, delay=2)
                except WaitTimeout:
                    module.fail_json(msg=f"Timed out waiting for access point {point['AccessPointId']} to go")
            point = None
        if point is None:
            changed = True
            if module.check_mode:
                module.exit_json(changed=True, access_point_id="", access_point_arn="", diff={"before": before, "after": after})
            kwargs = dict(ClientToken=client_token(fs_id, name, wanted), FileSystemId=fs_id, Tags=create_tags("efs", after["tags"]),
                          RootDirectory={"Path": p["path"], "CreationInfo": wanted["CreationInfo"]})
            if "PosixUser" in wanted:
                kwargs["PosixUser"] = wanted["PosixUser"]
            point = client.create_access_point(aws_retry=True, **kwargs)
        else:
            tag_plan = reconcile_tags(module, client, "efs", point["AccessPointId"], wanted_tags, p["purge_tags"], current=before["tags"])
            changed |= tag_plan.changed
            after["tags"] = tag_plan.after
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't manage EFS access point {name} of {fs_id}")
    module.exit_json(changed=changed, access_point_id=point["AccessPointId"], access_point_arn=point["AccessPointArn"],
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
