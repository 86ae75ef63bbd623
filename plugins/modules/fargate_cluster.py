#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fargate_cluster
short_description: Manage an Amazon ECS cluster with Container Insights, capacity providers and tags
version_added: 1.0.0
description:
  - Creates, updates or deletes an ECS cluster with its Container Insights setting, its capacity providers
    (such as FARGATE and FARGATE_SPOT), its default capacity provider strategy and its tags.
  - C(community.aws.ecs_cluster) has no option for cluster settings (Container Insights) or tags, and a re-run
    fails with a KeyError on C(capacityProviders) when the cluster description lacks that key; this module
    compares each of these fields and only writes what differs.
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  container_insights:
    description: The C(containerInsights) cluster setting.
    type: str
    choices: [enabled, enhanced, disabled]
    default: enabled
  capacity_providers:
    description: Capacity providers of the cluster.
    type: list
    elements: str
    default: [FARGATE, FARGATE_SPOT]
  default_capacity_provider_strategy:
    description: The default capacity provider strategy of the cluster.
    type: list
    elements: dict
    default: []
    suboptions:
      capacity_provider:
        description: Name of a capacity provider in O(capacity_providers).
        type: str
        required: true
      weight:
        description: Relative share of tasks (0 to 1000).
        type: int
        default: 1
      base:
        description: Tasks placed on this provider first (0 to 100000; at most one provider may have a base).
        type: int
        default: 0
  state:
    description: V(present) or V(absent). Deleting needs the cluster to have no services left.
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
- name: Fargate cluster, 70% Spot and 30% on-demand with one on-demand task first
  tierstack.aws.fargate_cluster:
    name: app-dev1
    container_insights: enabled
    capacity_providers: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      - {capacity_provider: FARGATE, weight: 30, base: 1}
      - {capacity_provider: FARGATE_SPOT, weight: 70}
    tags:
      Environment: dev1
"""

RETURN = r"""
cluster:
  description: The cluster after the change (snake_case), absent when deleted.
  returned: when state is present
  type: dict
  contains:
    cluster_arn:
      description: ARN of the cluster.
      type: str
    cluster_name:
      description: Name of the cluster.
      type: str
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import ecs_tags_to_dict
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags


def normalise_strategy(strategy):
    """Sorted [{capacity_provider, weight, base}] from API (camelCase) or module (snake_case) items."""
    out = []
    for item in strategy or []:
        out.append(
            {
                "capacity_provider": item.get("capacity_provider", item.get("capacityProvider")),
                "weight": int(item.get("weight", 0) or 0),
                "base": int(item.get("base", 0) or 0),
            }
        )
    return sorted(out, key=lambda i: i["capacity_provider"])


def cluster_view(cluster):
    """Comparable view of a described cluster."""
    settings = {s["name"]: s["value"] for s in cluster.get("settings") or []}
    return {
        "container_insights": settings.get("containerInsights", "disabled"),
        "capacity_providers": sorted(cluster.get("capacityProviders") or []),
        "default_capacity_provider_strategy": normalise_strategy(cluster.get("defaultCapacityProviderStrategy")),
        "tags": ecs_tags_to_dict(cluster.get("tags")),
    }


def describe_cluster(client, name):
    clusters = client.describe_clusters(aws_retry=True, clusters=[name], include=["SETTINGS", "TAGS"]).get("clusters", [])
    for cluster in clusters:
        if cluster.get("status") != "INACTIVE":
            return cluster
    return None


def api_strategy(strategy):
    return [{"capacityProvider": s["capacity_provider"], "weight": s["weight"], "base": s["base"]} for s in strategy]


def ensure_present(module, client, cluster):
    p = module.params
    want = {
        "container_insights": p["container_insights"],
        "capacity_providers": sorted(p["capacity_providers"]),
        "default_capacity_provider_strategy": normalise_strategy(p["default_capacity_provider_strategy"]),
    }
    tags = normalise_tags(p["tags"])
    settings = [{"name": "containerInsights", "value": p["container_insights"]}]
    if cluster is None:
        after = dict(want, tags=tags or {})
        if module.check_mode:
            module.exit_json(changed=True, diff={"before": {}, "after": after})
        kwargs = {
            "clusterName": p["name"],
            "settings": settings,
            "capacityProviders": p["capacity_providers"],
            "defaultCapacityProviderStrategy": api_strategy(want["default_capacity_provider_strategy"]),
        }
        if tags:
            kwargs["tags"] = create_tags("ecs", tags)
        cluster = client.create_cluster(aws_retry=True, **kwargs)["cluster"]
        module.exit_json(changed=True, cluster=camel_dict_to_snake_dict(cluster), diff={"before": {}, "after": after})

    before = cluster_view(cluster)
    changed = False
    if before["container_insights"] != want["container_insights"]:
        changed = True
        if not module.check_mode:
            client.update_cluster_settings(aws_retry=True, cluster=p["name"], settings=settings)
    if (
        before["capacity_providers"] != want["capacity_providers"]
        or before["default_capacity_provider_strategy"] != want["default_capacity_provider_strategy"]
    ):
        changed = True
        if not module.check_mode:
            client.put_cluster_capacity_providers(
                aws_retry=True,
                cluster=p["name"],
                capacityProviders=p["capacity_providers"],
                defaultCapacityProviderStrategy=api_strategy(want["default_capacity_provider_strategy"]),
            )
    tag_plan = reconcile_tags(module, client, "ecs", cluster["clusterArn"], tags, p["purge_tags"], current=before["tags"])
    changed |= tag_plan.changed
    after_tags = tag_plan.after
    if changed and not module.check_mode:
        cluster = describe_cluster(client, p["name"]) or cluster
    module.exit_json(
        changed=changed,
        cluster=camel_dict_to_snake_dict(cluster, ignore_list=["tags"]),
        diff={"before": before, "after": dict(want, tags=after_tags)},
    )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            container_insights=dict(type="str", choices=["enabled", "enhanced", "disabled"], default="enabled"),
            capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
            default_capacity_provider_strategy=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=1),
                    base=dict(type="int", default=0),
                ),
            ),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    unknown = {s["capacity_provider"] for s in p["default_capacity_provider_strategy"]} - set(p["capacity_providers"])
    if unknown:
        module.fail_json(msg=f"default_capacity_provider_strategy names providers not in capacity_providers: {sorted(unknown)}")
    if len([s for s in p["default_capacity_provider_strategy"] if s["base"]]) > 1:
        module.fail_json(msg="Only one provider of default_capacity_provider_strategy may have a base")
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    try:
        cluster = describe_cluster(client, p["name"])
        if p["state"] == "present":
            ensure_present(module, client, cluster)
        if cluster is None:
            module.exit_json(changed=False, diff={"before": {}, "after": {}})
        if not module.check_mode:
            client.delete_cluster(aws_retry=True, cluster=p["name"])
        module.exit_json(changed=True, diff={"before": cluster_view(cluster), "after": {}})
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply ECS cluster {p['name']}")


if __name__ == "__main__":
    main()
