#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_task_family
short_description: Deregister the old or all revisions of an Amazon ECS task definition family
version_added: 1.0.0
description:
  - With O(state=absent), deregisters every ACTIVE revision of a task definition family, so that a teardown
    leaves none behind. C(community.aws.ecs_taskdefinition) removes one revision at a time and needs its number.
  - With O(state=present) and O(keep), deregisters all but the newest O(keep) ACTIVE revisions.
options:
  family:
    description: Name of the task definition family.
    type: str
    required: true
  keep:
    description: With O(state=present), how many of the newest ACTIVE revisions to keep.
    type: int
    default: 5
  state:
    description: V(absent) deregisters every revision, V(present) prunes to O(keep).
    type: str
    choices: [present, absent]
    default: absent
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deregister every revision of a family
  tierstack.aws.ecs_task_family:
    family: backend-dev1
    state: absent
"""

RETURN = r"""
deregistered:
  description: ARNs of the revisions that were (or, in check mode, would be) deregistered.
  returned: always
  type: list
  elements: str
remaining:
  description: ARNs of the ACTIVE revisions left.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def split_revisions(arns, keep):
    """(to_keep, to_drop) of task definition ARNs, newest ``keep`` kept (by revision number)."""
    ordered = sorted(arns, key=lambda a: int(a.rsplit(":", 1)[1]), reverse=True)
    keep = max(int(keep), 0)
    return ordered[:keep], ordered[keep:]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            family=dict(type="str", required=True),
            keep=dict(type="int", default=5),
            state=dict(type="str", choices=["present", "absent"], default="absent"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    try:
        listed = paginate_items(client, "list_task_definitions", "taskDefinitionArns", familyPrefix=p["family"], status="ACTIVE")
        # familyPrefix matches prefixes: keep only this exact family.
        arns = [a for a in listed if a.split("/")[-1].rsplit(":", 1)[0] == p["family"]]
        keep, drop = split_revisions(arns, 0 if p["state"] == "absent" else p["keep"])
        if not module.check_mode:
            for arn in drop:
                client.deregister_task_definition(aws_retry=True, taskDefinition=arn)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't deregister the revisions of task family {p['family']}")
    module.exit_json(
        changed=bool(drop),
        deregistered=drop,
        remaining=keep,
        diff={"before": {"active": sorted(arns)}, "after": {"active": sorted(keep)}},
    )


if __name__ == "__main__":
    main()
