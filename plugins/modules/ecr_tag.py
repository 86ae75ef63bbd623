#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecr_tag
short_description: Manage the tags of an Amazon ECR repository
version_added: 1.0.0
description:
  - Sets or removes the tags of an existing Amazon ECR repository.
  - C(community.aws.ecs_ecr) manages the repository itself but has no tags option; this module fills
    that gap so that every repository carries the stack's tags.
options:
  repository_name:
    description: Name of the repository.
    type: str
    required: true
  tags:
    description: Tags the repository should carry.
    type: dict
    required: true
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags).
    type: bool
    default: false
  state:
    description: V(present) sets O(tags), V(absent) removes the keys of O(tags).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Tag a repository
  tierstack.aws.ecr_tag:
    repository_name: backend-dev1
    tags:
      Environment: dev1
      Project: tierstack
"""

RETURN = r"""
repository_arn:
  description: ARN of the repository.
  returned: always
  type: str
tags:
  description: Tags of the repository after the change.
  returned: always
  type: dict
added_tags:
  description: Tags that were (or would be) added or changed.
  returned: always
  type: dict
removed_tags:
  description: Keys that were (or would be) removed.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_APIS
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import plan_tags as plan_wanted_tags


def plan_tags(current, wanted, state, purge):
    """Return (to_set, to_remove, result) for the current and wanted tag dicts."""
    if state == "present":
        plan = plan_wanted_tags(current, wanted, purge)
        return plan.to_set, sorted(plan.to_remove), plan.after
    to_remove = sorted(k for k, v in wanted.items() if k in current and (v is None or current[k] == v))
    return {}, to_remove, {k: v for k, v in current.items() if k not in to_remove}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            repository_name=dict(type="str", required=True),
            tags=dict(type="dict", required=True, aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    name = module.params["repository_name"]
    try:
        repo = client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
        current = get_tags(module, client, "ecr", repo["repositoryArn"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the tags of ECR repository {name}")

    wanted = normalise_tags(module.params["tags"] or {})
    to_set, to_remove, result = plan_tags(current, wanted, module.params["state"], module.params["purge_tags"])
    changed = bool(to_set or to_remove)
    if changed and not module.check_mode:
        try:
            _read, write, delete = TAG_APIS["ecr"]
            if to_remove:
                delete(client, repo["repositoryArn"], to_remove)
            if to_set:
                write(client, repo["repositoryArn"], to_set)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Couldn't update the tags of ECR repository {name}")
    module.exit_json(
        changed=changed,
        repository_arn=repo["repositoryArn"],
        tags=result,
        added_tags=to_set,
        removed_tags=to_remove,
        diff={"before": {"tags": current}, "after": {"tags": result}},
    )


if __name__ == "__main__":
    main()
