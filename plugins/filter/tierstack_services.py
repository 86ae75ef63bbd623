# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters of the container tier (ecs_fargate role): managed policy names, secret references."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

# An AWS managed policy name, with its optional path (service-role/, job-function/, aws-service-role/).
MANAGED_POLICY_RE = re.compile(r"^((service-role|job-function|aws-service-role)/)?[A-Za-z0-9+=,.@_-]{1,128}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def valid_managed_policy_name(name):
    """True for an AWS managed policy name such as AWSXRayDaemonWriteAccess or service-role/X (not an ARN)."""
    return isinstance(name, str) and bool(MANAGED_POLICY_RE.match(name))


def managed_policy_arn(name, partition="aws"):
    """The ARN of the AWS managed policy ``name``."""
    if not valid_managed_policy_name(name):
        raise AnsibleFilterError(f"{name!r} is not an AWS managed policy name (such as AWSXRayDaemonWriteAccess)")
    return f"arn:{partition}:iam::aws:policy/{name}"


def secret_value_from(arn, json_key=None):
    """The container secret valueFrom: the whole secret, or one JSON key of its current version."""
    if not arn:
        raise AnsibleFilterError("secret_value_from needs a secret ARN")
    return f"{arn}:{json_key}::" if json_key else arn


def valid_env_name(name):
    """True for an environment variable name: letters, digits and underscores, not starting with a digit."""
    return isinstance(name, str) and bool(ENV_NAME_RE.match(name))


def efs_task_volume(volume):
    """The task definition volume of an EFS volume item: transit encryption and IAM auth through its access point.

    rootDirectory is "/" (the access point sets the directory; ECS requires "/" or none with one): ECS describes
    the volume with it, so asking for it explicitly lets a re-run find the registered revision unchanged."""
    return {
        "name": volume["name"],
        "efsVolumeConfiguration": {
            "fileSystemId": volume["file_system_id"],
            "rootDirectory": "/",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": volume["access_point_id"], "iam": "ENABLED"},
        },
    }


def efs_mount_point(volume):
    """The container mount point of an EFS volume item."""
    return {"sourceVolume": volume["name"], "containerPath": volume["container_path"],
            "readOnly": bool(volume.get("read_only", False))}


class FilterModule:
    def filters(self):
        return {
            "valid_managed_policy_name": valid_managed_policy_name,
            "managed_policy_arn": managed_policy_arn,
            "secret_value_from": secret_value_from,
            "valid_env_name": valid_env_name,
            "efs_task_volume": efs_task_volume,
            "efs_mount_point": efs_mount_point,
        }
