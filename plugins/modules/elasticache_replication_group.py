#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: A Redis (or Valkey) replication group with cluster mode disabled
version_added: 1.1.0
description:
  - Creates, updates or deletes an ElastiCache replication group with cluster mode disabled (a primary
    and O(num_cache_clusters) - 1 replicas, automatic failover, Multi-AZ, encryption at rest and in transit).
  - The AUTH token is read from Secrets Manager (O(auth_token_secret_id)) when the group is created, and only
    then; it never appears in the task's arguments, results or logs.
  - Settings AWS cannot change on an existing group (subnet group, port, encryption at rest, transit
    encryption) make the module fail with a message rather than silently differ.
  - community.aws has no module for replication groups (C(community.aws.elasticache) manages single cache clusters).
  - Without O(tags) the group's tags are left alone.
options:
  replication_group_id:
    description: Identifier of the group (1 to 40 lowercase letters, digits and hyphens).
    type: str
    required: true
  description:
    description: Description of the group.
    type: str
    default: ""
  engine:
    description: Cache engine.
    type: str
    choices: [redis, valkey]
    default: redis
  engine_version:
    description: Engine version, used at creation (AWS's default when empty).
    type: str
    default: ""
  node_type:
    description: Cache node type, for example C(cache.r7g.large).
    type: str
  num_cache_clusters:
    description: Nodes in the group, the primary included (1 to 6).
    type: int
    default: 2
  preferred_cache_cluster_azs:
    description: Availability zones of the nodes, primary first, used at creation.
    type: list
    elements: str
    default: []
  automatic_failover:
    description: Promote a replica automatically when the primary fails (needs at least one replica).
    type: bool
    default: true
  multi_az:
    description: Multi-AZ (needs automatic failover).
    type: bool
    default: true
  cache_subnet_group:
    description: Cache subnet group, used at creation.
    type: str
  security_group_ids:
    description: VPC security groups of the nodes.
    type: list
    elements: str
    default: []
  port:
    description: Port of the nodes.
    type: int
    default: 6379
  at_rest_encryption:
    description: Encrypt data at rest.
    type: bool
    default: true
  kms_key_id:
    description: KMS key for encryption at rest (the ElastiCache default key when empty).
    type: str
    default: ""
  transit_encryption:
    description: Encrypt in transit (TLS); the AUTH token needs it.
    type: bool
    default: true
  auth_token_secret_id:
    description:
      - Secrets Manager secret (name or ARN) holding the AUTH token, read at creation only.
      - Needs O(transit_encryption=true).
    type: str
  auth_token_json_key:
    description: Key of the token when the secret's value is a JSON object; the whole value otherwise.
    type: str
  snapshot_retention_limit:
    description: Days automatic snapshots are kept (0 turns them off).
    type: int
    default: 7
  snapshot_window:
    description: Daily snapshot window (UTC, C(hh24:mi-hh24:mi)); AWS picks one when empty.
    type: str
    default: ""
  wait:
    description: Wait until the group is available (or deleted).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 3600
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
- name: Redis for sessions, a primary and a replica
  tierstack.aws.elasticache_replication_group:
    replication_group_id: sessions-dev1
    description: Sessions of tierstack dev1
    node_type: cache.r7g.large
    num_cache_clusters: 2
    cache_subnet_group: sessions-dev1
    security_group_ids: [sg-123]
    auth_token_secret_id: redis-auth-dev1
"""

RETURN = r"""
arn:
  description: ARN of the group (empty when absent).
  returned: always
  type: str
primary_endpoint:
  description: Address of the primary endpoint.
  returned: when present
  type: str
reader_endpoint:
  description: Address of the reader endpoint.
  returned: when present
  type: str
port:
  description: Port of the endpoints.
  returned: when present
  type: int
member_clusters:
  description: Member cache clusters.
  returned: when present
  type: list
  elements: str
replication_group:
  description: The group as described (snake_case keys).
  returned: when present
  type: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import apply_tag_plan
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import read_tag_plan

AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, botocore.exceptions.WaiterError) \
    if "botocore" in globals() else ()


def describe(client, group_id):
    try:
        return client.describe_replication_groups(aws_retry=True, ReplicationGroupId=group_id)["ReplicationGroups"][0]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None


def mutable_state(group):
    """The settings ModifyReplicationGroup can change, as described."""
    return {
        "description": group.get("Description", ""),
        "node_type": group.get("CacheNodeType"),
        "automatic_failover": group.get("AutomaticFailover") in ("enabled", "enabling"),
        "multi_az": group.get("MultiAZ") == "enabled",
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit", 0),
        "snapshot_window": group.get("SnapshotWindow", ""),
    }


def wanted_state(params, current):
    wanted = {
        "description": params["description"],
        "node_type": params["node_type"],
        "automatic_failover": params["automatic_failover"],
        "multi_az": params["multi_az"],
        "snapshot_retention_limit": params["snapshot_retention_limit"],
        # An empty window means "AWS picks one": keep whatever it picked.
        "snapshot_window": params["snapshot_window"] or current.get("snapshot_window", ""),
    }
    return wanted


def fixed_differences(params, group):
    """Settings that cannot change on an existing group and differ from the described ones."""
    problems = []
    endpoint = (group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}
    if endpoint.get("Port") and endpoint["Port"] != params["port"]:
        problems.append(f"port {endpoint['Port']} -> {params['port']}")
    if bool(group.get("AtRestEncryptionEnabled")) != params["at_rest_encryption"]:
        problems.append(f"at_rest_encryption {bool(group.get('AtRestEncryptionEnabled'))} -> {params['at_rest_encryption']}")
    if bool(group.get("TransitEncryptionEnabled")) != params["transit_encryption"]:
        problems.append(f"transit_encryption {bool(group.get('TransitEncryptionEnabled'))} -> {params['transit_encryption']}")
    return problems


def read_auth_token(client, secret_id, json_key):
    value = client.get_secret_value(aws_retry=True, SecretId=secret_id)["SecretString"]
    return json.loads(value)[json_key] if json_key else value


def summary(group):
    node_group = (group.get("NodeGroups") or [{}])[0]
    return dict(
        arn=group.get("ARN", ""),
        primary_endpoint=(node_group.get("PrimaryEndpoint") or {}).get("Address", ""),
        reader_endpoint=(node_group.get("ReaderEndpoint") or {}).get("Address", ""),
        port=(node_group.get("PrimaryEndpoint") or {}).get("Port", 0),
        member_clusters=group.get("MemberClusters", []),
        replication_group=camel_dict_to_snake_dict(group),
    )


def wait_for(module, client, name, group_id):
    if module.params["wait"]:
        client.get_waiter(name).wait(
            ReplicationGroupId=group_id,
            WaiterConfig={"Delay": 15, "MaxAttempts": max(1, module.params["wait_timeout"] // 15)},
        )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            replication_group_id=dict(type="str", required=True),
            description=dict(type="str", default=""),
            engine=dict(type="str", choices=["redis", "valkey"], default="redis"),
            engine_version=dict(type="str", default=""),
            node_type=dict(type="str"),
            num_cache_clusters=dict(type="int", default=2),
            preferred_cache_cluster_azs=dict(type="list", elements="str", default=[]),
            automatic_failover=dict(type="bool", default=True),
            multi_az=dict(type="bool", default=True),
            cache_subnet_group=dict(type="str"),
            security_group_ids=dict(type="list", elements="str", default=[]),
            port=dict(type="int", default=6379),
            at_rest_encryption=dict(type="bool", default=True),
            kms_key_id=dict(type="str", default="", no_log=False),
            transit_encryption=dict(type="bool", default=True),
            auth_token_secret_id=dict(type="str", no_log=False),
            auth_token_json_key=dict(type="str", no_log=False),
            snapshot_retention_limit=dict(type="int", default=7),
            snapshot_window=dict(type="str", default=""),
            **TAG_ARGUMENT_SPEC,
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["node_type", "cache_subnet_group"])],
        supports_check_mode=True,
    )
    p = module.params
    group_id = p["replication_group_id"].lower()
    if p["state"] == "present":
        if p["multi_az"] and not p["automatic_failover"]:
            module.fail_json(msg="multi_az needs automatic_failover")
        if p["automatic_failover"] and p["num_cache_clusters"] < 2:
            module.fail_json(msg="automatic_failover needs num_cache_clusters of at least 2")
        if p["auth_token_secret_id"] and not p["transit_encryption"]:
            module.fail_json(msg="auth_token_secret_id needs transit_encryption")
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    try:
        current = describe(client, group_id)
        if current and current.get("Status") == "deleting":
            if p["state"] == "absent":
                if not module.check_mode:
                    wait_for(module, client, "replication_group_deleted", group_id)
                module.exit_json(changed=False, arn=current["ARN"])
            module.fail_json(msg=f"Replication group {group_id} is being deleted; run again once it is gone.")

        if p["state"] == "absent":
            if current and not module.check_mode:
                client.delete_replication_group(aws_retry=True, ReplicationGroupId=group_id)
                wait_for(module, client, "replication_group_deleted", group_id)
            module.exit_json(changed=bool(current), arn=(current or {}).get("ARN", ""),
                             diff={"before": {"exists": bool(current)}, "after": {"exists": False}})

        wanted_tags = normalise_tags(p["tags"])
        if current is None:
            after = wanted_state(p, {})
            after.update(num_cache_clusters=p["num_cache_clusters"], tags=wanted_tags or {})
            if module.check_mode:
                module.exit_json(changed=True, arn="", diff={"before": {}, "after": after})
            kwargs = dict(
                ReplicationGroupId=group_id, ReplicationGroupDescription=p["description"], Engine=p["engine"],
                CacheNodeType=p["node_type"], NumCacheClusters=p["num_cache_clusters"],
                AutomaticFailoverEnabled=p["automatic_failover"], MultiAZEnabled=p["multi_az"],
                CacheSubnetGroupName=p["cache_subnet_group"], Port=p["port"],
                AtRestEncryptionEnabled=p["at_rest_encryption"], TransitEncryptionEnabled=p["transit_encryption"],
                SnapshotRetentionLimit=p["snapshot_retention_limit"],
            )
            for key, value in (("Tags", create_tags("elasticache", wanted_tags)),
                               ("EngineVersion", p["engine_version"]), ("KmsKeyId", p["kms_key_id"]),
                               ("SnapshotWindow", p["snapshot_window"]),
                               ("PreferredCacheClusterAZs", p["preferred_cache_cluster_azs"]),
                               ("SecurityGroupIds", p["security_group_ids"])):
                if value:
                    kwargs[key] = value
            if p["auth_token_secret_id"]:
                kwargs["AuthToken"] = read_auth_token(client_sm(module), p["auth_token_secret_id"], p["auth_token_json_key"])
            client.create_replication_group(aws_retry=True, **kwargs)
            del kwargs
            wait_for(module, client, "replication_group_available", group_id)
            module.exit_json(changed=True, diff={"before": {}, "after": after}, **summary(describe(client, group_id)))

        problems = fixed_differences(p, current)
        if problems:
            module.fail_json(msg=f"Replication group {group_id} cannot change {', '.join(problems)} in place; "
                                 "delete it first (its data goes with it) or keep the settings.")
        before = mutable_state(current)
        after = wanted_state(p, before)
        update = {}
        names = {"description": "ReplicationGroupDescription", "node_type": "CacheNodeType",
                 "automatic_failover": "AutomaticFailoverEnabled", "multi_az": "MultiAZEnabled",
                 "snapshot_retention_limit": "SnapshotRetentionLimit", "snapshot_window": "SnapshotWindow"}
        for key, api_name in names.items():
            if before[key] != after[key]:
                update[api_name] = after[key]
        # The members' security groups: described on the member clusters (AWS always describes them).
        members = current.get("MemberClusters", [])
        if p["security_group_ids"] and members:
            try:
                cluster = client.describe_cache_clusters(aws_retry=True, CacheClusterId=members[0])["CacheClusters"][0]
                before["security_group_ids"] = sorted(g["SecurityGroupId"] for g in cluster.get("SecurityGroups", []))
                after["security_group_ids"] = sorted(p["security_group_ids"])
                if before["security_group_ids"] != after["security_group_ids"]:
                    update["SecurityGroupIds"] = after["security_group_ids"]
            except is_boto3_error_code("CacheClusterNotFound"):
                pass
        before["num_cache_clusters"] = len(members)
        after["num_cache_clusters"] = p["num_cache_clusters"]
        # Without tags the group's tags are left alone (and not read).
        before["tags"] = {} if wanted_tags is None else get_tags(module, client, "elasticache", current["ARN"])
        tag_plan = read_tag_plan(module, client, "elasticache", current["ARN"], wanted_tags, p["purge_tags"], current=before["tags"])
        after["tags"] = tag_plan.after
        changed = bool(update or tag_plan.changed or before["num_cache_clusters"] != after["num_cache_clusters"])
        if changed and not module.check_mode:
            if update:
                client.modify_replication_group(aws_retry=True, ReplicationGroupId=group_id, ApplyImmediately=True, **update)
                wait_for(module, client, "replication_group_available", group_id)
            if after["num_cache_clusters"] > before["num_cache_clusters"]:
                client.increase_replica_count(aws_retry=True, ReplicationGroupId=group_id, ApplyImmediately=True,
                                              NewReplicaCount=after["num_cache_clusters"] - 1)
                wait_for(module, client, "replication_group_available", group_id)
            elif after["num_cache_clusters"] < before["num_cache_clusters"]:
                client.decrease_replica_count(aws_retry=True, ReplicationGroupId=group_id, ApplyImmediately=True,
                                              NewReplicaCount=after["num_cache_clusters"] - 1)
                wait_for(module, client, "replication_group_available", group_id)
            apply_tag_plan(module, client, "elasticache", current["ARN"], tag_plan)
            current = describe(client, group_id)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't manage replication group {group_id}")
    module.exit_json(changed=changed, diff={"before": before, "after": after}, **summary(current))


def client_sm(module):
    return module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())


if __name__ == "__main__":
    main()
