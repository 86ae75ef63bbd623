# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS-managed master user password of an Aurora cluster (ManageMasterUserPassword)."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import WaitTimeout
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import poll


def describe_cluster(tool):
    name = tool.params["rds_cluster_identifier"]
    found = get_or_none(
        tool.module, tool.rds.describe_db_clusters, "DBClusterNotFoundFault", f"Couldn't describe DB cluster {name}", default={}, DBClusterIdentifier=name
    )
    clusters = found.get("DBClusters") or []
    return clusters[0] if clusters else None


def managed_secret_arn(cluster):
    """ARN of the cluster's RDS-managed master user secret, or None."""
    return ((cluster or {}).get("MasterUserSecret") or {}).get("SecretArn")


def ensure_managed_password(tool):
    """Turn on ManageMasterUserPassword for the cluster; return its secret ARN (None in check mode before it exists)."""
    params = tool.params
    name = params["rds_cluster_identifier"]
    cluster = describe_cluster(tool)
    if cluster is None:
        tool.module.fail_json(msg=f"DB cluster {name} not found")
    arn = managed_secret_arn(cluster)
    tool.before["managed_master_user_password"] = bool(arn)
    tool.after["managed_master_user_password"] = True
    if arn:
        return arn
    if not tool.change(f"let RDS manage the master password of {name}"):
        return None
    kwargs = dict(DBClusterIdentifier=name, ManageMasterUserPassword=True, ApplyImmediately=True)
    if params["master_user_secret_kms_key_id"]:
        kwargs["MasterUserSecretKmsKeyId"] = params["master_user_secret_kms_key_id"]
    try:
        tool.rds.modify_db_cluster(aws_retry=True, **kwargs)
    except AWS_ERRORS as e:
        tool.module.fail_json_aws(e, msg=f"Couldn't turn on the RDS-managed master password of {name}")

    # RDS has no waiter for the master user secret: poll the cluster until the secret is active.
    def secret_ready():
        secret = (describe_cluster(tool) or {}).get("MasterUserSecret") or {}
        if secret.get("SecretArn") and secret.get("SecretStatus", "active") == "active":
            return secret["SecretArn"]
        return None

    try:
        return poll(secret_ready, params["wait_timeout"], 5)
    except WaitTimeout:
        tool.module.fail_json(msg=f"RDS did not create the master user secret of {name} within {params['wait_timeout']}s")
