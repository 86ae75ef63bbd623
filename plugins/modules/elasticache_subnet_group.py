#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: elasticache_subnet_group
short_description: An ElastiCache cache subnet group, with tags
version_added: 1.1.0
description:
  - Creates, updates or deletes an ElastiCache cache subnet group and reconciles its tags.
  - C(community.aws.elasticache_subnet_group) has no tags option; this module tags the group like every
    other resource of the stack. Without O(tags) the group's tags are left alone.
options:
  name:
    description: Name of the cache subnet group (lowercase; AWS stores it lowercased).
    type: str
    required: true
  description:
    description: Description of the group.
    type: str
    default: ""
  subnet_ids:
    description: Subnets of the group. Required with O(state=present).
    type: list
    elements: str
    default: []
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
- name: A cache subnet group over the private subnets
  tierstack.aws.elasticache_subnet_group:
    name: redis-dev1
    description: Redis of tierstack dev1
    subnet_ids: [subnet-1, subnet-2]
    tags:
      Environment: dev1
"""

RETURN = r"""
cache_subnet_group:
  description: The group as described after the change (snake_case keys), empty when absent.
  returned: always
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags


def describe(client, name):
    try:
        return client.describe_cache_subnet_groups(aws_retry=True, CacheSubnetGroupName=name)["CacheSubnetGroups"][0]
    except is_boto3_error_code("CacheSubnetGroupNotFoundFault"):
        return None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str", default=""),
            subnet_ids=dict(type="list", elements="str", default=[]),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["subnet_ids"])],
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"].lower()
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    try:
        current = describe(client, name)
        if p["state"] == "absent":
            if current and not module.check_mode:
                client.delete_cache_subnet_group(aws_retry=True, CacheSubnetGroupName=name)
            module.exit_json(changed=bool(current), cache_subnet_group={},
                             diff={"before": {"exists": bool(current)}, "after": {"exists": False}})

        wanted_tags = normalise_tags(p["tags"])
        wanted_subnets = sorted(set(p["subnet_ids"]))
        if current is None:
            if not module.check_mode:
                kwargs = dict(CacheSubnetGroupName=name, CacheSubnetGroupDescription=p["description"], SubnetIds=wanted_subnets)
                if wanted_tags:
                    kwargs["Tags"] = create_tags("elasticache", wanted_tags)
                client.create_cache_subnet_group(aws_retry=True, **kwargs)
                current = describe(client, name)
            module.exit_json(changed=True, cache_subnet_group=camel_dict_to_snake_dict(current or {}),
                             diff={"before": {}, "after": {"description": p["description"], "subnet_ids": wanted_subnets,
                                                           "tags": wanted_tags or {}}})

        current_subnets = sorted(s["SubnetIdentifier"] for s in current.get("Subnets", []))
        before = {"description": current.get("CacheSubnetGroupDescription", ""), "subnet_ids": current_subnets}
        after = {"description": p["description"], "subnet_ids": wanted_subnets}
        changed = before != after
        if changed and not module.check_mode:
            client.modify_cache_subnet_group(aws_retry=True, CacheSubnetGroupName=name,
                                             CacheSubnetGroupDescription=p["description"], SubnetIds=wanted_subnets)
        # Without tags the group's tags are left alone (and not read).
        before["tags"] = {} if wanted_tags is None else get_tags(module, client, "elasticache", current["ARN"])
        tag_plan = reconcile_tags(module, client, "elasticache", current["ARN"], wanted_tags, p["purge_tags"], current=before["tags"])
        tags_changed, after["tags"] = tag_plan.changed, tag_plan.after
        if changed and not module.check_mode:
            current = describe(client, name)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't manage cache subnet group {name}")
    module.exit_json(changed=changed or tags_changed, cache_subnet_group=camel_dict_to_snake_dict(current),
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
