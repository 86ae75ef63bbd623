"""The container tier's filters (plugins/filter/tierstack_services.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tierstack.aws.plugins.filter.tierstack_services import (
    FilterModule,
    efs_mount_point,
    efs_task_volume,
    managed_policy_arn,
    secret_value_from,
    valid_env_name,
    valid_managed_policy_name,
)


@pytest.mark.parametrize("name", ["AWSXRayDaemonWriteAccess", "service-role/AmazonECSTaskExecutionRolePolicy",
                                  "job-function/ViewOnlyAccess", "CloudWatchAgentServerPolicy"])
def test_valid_managed_policy_names(name):
    assert valid_managed_policy_name(name)


@pytest.mark.parametrize("name", ["", "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", "my policy",
                                  "custom/Path/X", "/AWSXRay", None, 3, "x" * 129])
def test_invalid_managed_policy_names(name):
    assert not valid_managed_policy_name(name)


def test_managed_policy_arn():
    assert managed_policy_arn("AWSXRayDaemonWriteAccess") == "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    assert managed_policy_arn("service-role/X", "aws-cn") == "arn:aws-cn:iam::aws:policy/service-role/X"
    with pytest.raises(AnsibleFilterError, match="not an AWS managed policy name"):
        managed_policy_arn("arn:aws:iam::aws:policy/X")


def test_secret_value_from():
    arn = "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:db-x-AbCdEf"
    assert secret_value_from(arn, "host") == arn + ":host::"
    assert secret_value_from(arn) == arn
    assert secret_value_from(arn, "") == arn
    with pytest.raises(AnsibleFilterError):
        secret_value_from("", "host")


def test_env_names_and_registration():
    assert valid_env_name("DB_HOST") and valid_env_name("_X1")
    assert not valid_env_name("1X") and not valid_env_name("DB-HOST") and not valid_env_name("")
    assert set(FilterModule().filters()) == {"valid_managed_policy_name", "managed_policy_arn", "secret_value_from",
                                             "valid_env_name", "efs_task_volume", "efs_mount_point"}


def test_efs_volume_and_mount_point():
    vol = {"name": "media", "file_system_id": "fs-0123456789abcdef0", "access_point_id": "fsap-0123456789abcdef0",
           "container_path": "/media"}
    assert efs_task_volume(vol) == {"name": "media", "efsVolumeConfiguration": {
        "fileSystemId": "fs-0123456789abcdef0", "rootDirectory": "/", "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-0123456789abcdef0", "iam": "ENABLED"}}}
    assert efs_mount_point(vol) == {"sourceVolume": "media", "containerPath": "/media", "readOnly": False}
    assert efs_mount_point(dict(vol, read_only=True))["readOnly"] is True
