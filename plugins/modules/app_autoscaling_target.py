#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: app_autoscaling_target
short_description: Register or deregister an Application Auto Scaling scalable target
version_added: 1.0.0
description:
  - Registers a scalable target (such as the desired count of an ECS service) with its minimum and maximum
    capacity, updates them when they differ, or deregisters the target, which also deletes its scaling policies.
  - C(community.aws.application_autoscaling_policy) registers a target as a side effect of a policy but
    cannot deregister one, so a teardown would leave it behind.
options:
  min_capacity:
    description: Minimum capacity. Required when O(state=present).
    type: int
  max_capacity:
    description: Maximum capacity. Required when O(state=present).
    type: int
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - tierstack.aws.application_autoscaling
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scale an ECS service between 2 and 10 tasks
  tierstack.aws.app_autoscaling_target:
    resource_id: service/app-dev1/backend-dev1
    min_capacity: 2
    max_capacity: 10
"""

RETURN = r"""
scalable_target:
  description: The scalable target after the change (snake_case).
  returned: when state is present and the target exists
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.application_autoscaling import SCALABLE_TARGET_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.application_autoscaling import scalable_target_ident
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS


def describe_target(client, ident):
    targets = client.describe_scalable_targets(
        aws_retry=True,
        ServiceNamespace=ident["ServiceNamespace"],
        ResourceIds=[ident["ResourceId"]],
        ScalableDimension=ident["ScalableDimension"],
    ).get("ScalableTargets", [])
    return targets[0] if targets else None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            **SCALABLE_TARGET_ARGUMENT_SPEC,
            min_capacity=dict(type="int"),
            max_capacity=dict(type="int"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["min_capacity", "max_capacity"])],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present" and not 0 <= p["min_capacity"] <= p["max_capacity"]:
        module.fail_json(msg=f"min_capacity ({p['min_capacity']}) must be from 0 to max_capacity ({p['max_capacity']})")
    ident = scalable_target_ident(p)
    client = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    try:
        target = describe_target(client, ident)
        before = {"min_capacity": target["MinCapacity"], "max_capacity": target["MaxCapacity"]} if target else {}
        if p["state"] == "absent":
            if target and not module.check_mode:
                client.deregister_scalable_target(aws_retry=True, **ident)
            module.exit_json(changed=bool(target), diff={"before": before, "after": {}})
        after = {"min_capacity": p["min_capacity"], "max_capacity": p["max_capacity"]}
        changed = before != after
        if changed and not module.check_mode:
            client.register_scalable_target(aws_retry=True, MinCapacity=p["min_capacity"], MaxCapacity=p["max_capacity"], **ident)
            target = describe_target(client, ident)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply the scalable target {p['resource_id']}")
    module.exit_json(
        changed=changed,
        scalable_target=camel_dict_to_snake_dict(target) if target else {},
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()
