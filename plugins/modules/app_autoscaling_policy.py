#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: app_autoscaling_policy
short_description: Manage one Application Auto Scaling policy (target tracking or step scaling)
version_added: 1.0.0
description:
  - Creates, updates or deletes one scaling policy of a registered scalable target, comparing its whole
    configuration with the described policy so that a re-run makes no write call.
  - Unlike C(community.aws.application_autoscaling_policy), it honours check mode (that module writes even with
    C(--check)), finds the policy by its name rather than taking the first policy of the resource, and does not
    register the scalable target (see M(tierstack.aws.app_autoscaling_target)).
options:
  policy_name:
    description: Name of the policy.
    type: str
    required: true
  policy_type:
    description: Type of the policy. Required when O(state=present).
    type: str
    choices: [TargetTrackingScaling, StepScaling]
  target_tracking:
    description: The C(TargetTrackingScalingPolicyConfiguration), in the API's CamelCase shape.
    type: dict
  step_scaling:
    description: The C(StepScalingPolicyConfiguration), in the API's CamelCase shape.
    type: dict
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
- name: Keep CPU at 70%, scale out only
  tierstack.aws.app_autoscaling_policy:
    policy_name: backend-dev1-cpu-target
    resource_id: service/tierstack-dev1/backend-dev1
    policy_type: TargetTrackingScaling
    target_tracking:
      TargetValue: 70
      PredefinedMetricSpecification:
        PredefinedMetricType: ECSServiceAverageCPUUtilization
      ScaleOutCooldown: 60
      ScaleInCooldown: 300
      DisableScaleIn: true

- name: Remove one task per alarm period while CPU is low
  tierstack.aws.app_autoscaling_policy:
    policy_name: backend-dev1-cpu-scale-in
    resource_id: service/tierstack-dev1/backend-dev1
    policy_type: StepScaling
    step_scaling:
      AdjustmentType: ChangeInCapacity
      Cooldown: 300
      MetricAggregationType: Average
      StepAdjustments:
        - {MetricIntervalUpperBound: 0, ScalingAdjustment: -1}
"""

RETURN = r"""
policy_arn:
  description: ARN of the policy (alarm actions point at it).
  returned: when state is present and the policy exists
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.application_autoscaling import SCALABLE_TARGET_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.application_autoscaling import scalable_target_ident
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.compare import numbers_as_floats as normalise

CONFIG_KEY = {"TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration", "StepScaling": "StepScalingPolicyConfiguration"}


def find_policy(policies, name):
    for policy in policies:
        if policy.get("PolicyName") == name:
            return policy
    return None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            policy_name=dict(type="str", required=True),
            **SCALABLE_TARGET_ARGUMENT_SPEC,
            policy_type=dict(type="str", choices=["TargetTrackingScaling", "StepScaling"]),
            target_tracking=dict(type="dict"),
            step_scaling=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[
            ("state", "present", ["policy_type"]),
            ("policy_type", "TargetTrackingScaling", ["target_tracking"]),
            ("policy_type", "StepScaling", ["step_scaling"]),
        ],
        mutually_exclusive=[("target_tracking", "step_scaling")],
        supports_check_mode=True,
    )
    p = module.params
    ident = scalable_target_ident(p)
    client = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    try:
        described = client.describe_scaling_policies(aws_retry=True, PolicyNames=[p["policy_name"]], **ident)
        # Filter by name here too: an endpoint may ignore the PolicyNames filter.
        policy = find_policy(described.get("ScalingPolicies", []), p["policy_name"])
        if p["state"] == "absent":
            if policy and not module.check_mode:
                client.delete_scaling_policy(aws_retry=True, PolicyName=p["policy_name"], **ident)
            module.exit_json(changed=bool(policy), diff={"before": policy and {"policy_type": policy["PolicyType"]} or {}, "after": {}})
        key = CONFIG_KEY[p["policy_type"]]
        config = p["target_tracking"] if p["policy_type"] == "TargetTrackingScaling" else p["step_scaling"]
        before = {"policy_type": policy["PolicyType"], "configuration": policy.get(key, {})} if policy else {}
        after = {"policy_type": p["policy_type"], "configuration": config}
        changed = policy is None or policy["PolicyType"] != p["policy_type"] or normalise(policy.get(key, {})) != normalise(config)
        arn = policy["PolicyARN"] if policy else None
        if changed and not module.check_mode:
            arn = client.put_scaling_policy(
                aws_retry=True, PolicyName=p["policy_name"], PolicyType=p["policy_type"], **{key: config}, **ident
            )["PolicyARN"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply scaling policy {p['policy_name']}")
    result = dict(changed=changed, diff={"before": before, "after": after})
    if arn:
        result["policy_arn"] = arn
    module.exit_json(**result)


if __name__ == "__main__":
    main()
