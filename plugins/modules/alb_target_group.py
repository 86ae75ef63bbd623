#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alb_target_group
short_description: Manage an Application Load Balancer target group of IP targets, with check mode and diff
version_added: 1.0.0
description:
  - Creates, updates or deletes an HTTP target group of type C(ip) with its health check, its deregistration
    delay and its tags. Registered targets are left alone (ECS registers and deregisters its tasks).
  - C(community.aws.elb_target_group) does the same but has no check mode, so C(--check --diff) skips it and
    cannot show a change of a health check.
options:
  name:
    description: Name of the target group (at most 32 characters).
    type: str
    required: true
  vpc_id:
    description: VPC of the targets. Required when O(state=present).
    type: str
  port:
    description: Port the targets listen on. Required when O(state=present).
    type: int
  protocol:
    description: Protocol to the targets.
    type: str
    choices: [HTTP, HTTPS]
    default: HTTP
  health_check_path:
    description: Path of the health check.
    type: str
    default: /health
  health_check_interval:
    description: Seconds between health checks.
    type: int
    default: 30
  health_check_timeout:
    description: Seconds before a health check times out.
    type: int
    default: 5
  healthy_threshold:
    description: Consecutive successes before a target is healthy.
    type: int
    default: 3
  unhealthy_threshold:
    description: Consecutive failures before a target is unhealthy.
    type: int
    default: 3
  matcher:
    description: HTTP codes that count as healthy.
    type: str
    default: "200"
  deregistration_delay:
    description: Seconds a deregistering target keeps its in-flight requests.
    type: int
    default: 300
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
- name: Blue target group of the backend
  tierstack.aws.alb_target_group:
    name: backend-blue-dev1
    vpc_id: vpc-123
    port: 5000
    health_check_path: /health
    health_check_interval: 30
    deregistration_delay: 30
    tags:
      Environment: dev1
"""

RETURN = r"""
target_group_arn:
  description: ARN of the target group (absent when it does not exist, or in check mode before creation).
  returned: when the target group exists
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags

FIXED = ("vpc_id", "port", "protocol")


def health_view(tg):
    """Comparable health check settings of a described target group."""
    return {
        "health_check_path": tg.get("HealthCheckPath"),
        "health_check_interval": tg.get("HealthCheckIntervalSeconds"),
        "health_check_timeout": tg.get("HealthCheckTimeoutSeconds"),
        "healthy_threshold": tg.get("HealthyThresholdCount"),
        "unhealthy_threshold": tg.get("UnhealthyThresholdCount"),
        "matcher": (tg.get("Matcher") or {}).get("HttpCode"),
    }


def api_health(p):
    return {
        "HealthCheckProtocol": p["protocol"],
        "HealthCheckPath": p["health_check_path"],
        "HealthCheckIntervalSeconds": p["health_check_interval"],
        "HealthCheckTimeoutSeconds": p["health_check_timeout"],
        "HealthyThresholdCount": p["healthy_threshold"],
        "UnhealthyThresholdCount": p["unhealthy_threshold"],
        "Matcher": {"HttpCode": p["matcher"]},
    }


def describe(module, client, name):
    found = get_or_none(
        module, client.describe_target_groups, "TargetGroupNotFound", f"Couldn't describe target group {name}", Names=[name]
    )
    return found["TargetGroups"][0] if found else None


def set_deregistration_delay(client, arn, seconds):
    client.modify_target_group_attributes(
        aws_retry=True,
        TargetGroupArn=arn,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(seconds)}],
    )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            vpc_id=dict(type="str"),
            port=dict(type="int"),
            protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
            health_check_path=dict(type="str", default="/health"),
            health_check_interval=dict(type="int", default=30),
            health_check_timeout=dict(type="int", default=5),
            healthy_threshold=dict(type="int", default=3),
            unhealthy_threshold=dict(type="int", default=3),
            matcher=dict(type="str", default="200"),
            deregistration_delay=dict(type="int", default=300),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["vpc_id", "port"])],
        supports_check_mode=True,
    )
    p = module.params
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    tags = normalise_tags(p["tags"])
    want = {k: p[k] for k in ("health_check_path", "health_check_interval", "health_check_timeout", "healthy_threshold", "unhealthy_threshold", "matcher")}
    want["deregistration_delay"] = p["deregistration_delay"]
    try:
        tg = describe(module, client, p["name"])
        if p["state"] == "absent":
            if tg and not module.check_mode:
                client.delete_target_group(aws_retry=True, TargetGroupArn=tg["TargetGroupArn"])
            module.exit_json(changed=bool(tg), diff={"before": {"name": p["name"]} if tg else {}, "after": {}})

        if tg is None:
            after = dict(want, vpc_id=p["vpc_id"], port=p["port"], protocol=p["protocol"], tags=tags or {})
            if module.check_mode:
                module.exit_json(changed=True, diff={"before": {}, "after": after})
            kwargs = dict(api_health(p), Name=p["name"], Protocol=p["protocol"], Port=p["port"], VpcId=p["vpc_id"], TargetType="ip")
            if tags:
                kwargs["Tags"] = create_tags("elbv2", tags)
            tg = client.create_target_group(aws_retry=True, **kwargs)["TargetGroups"][0]
            set_deregistration_delay(client, tg["TargetGroupArn"], p["deregistration_delay"])
            module.exit_json(changed=True, target_group_arn=tg["TargetGroupArn"], diff={"before": {}, "after": after})

        fixed_have = {"vpc_id": tg["VpcId"], "port": tg["Port"], "protocol": tg["Protocol"]}
        fixed_want = {"vpc_id": p["vpc_id"], "port": p["port"], "protocol": p["protocol"]}
        if fixed_have != fixed_want or tg.get("TargetType") != "ip":
            module.fail_json(
                msg=f"Target group {p['name']} exists with {fixed_have} (type {tg.get('TargetType')}); these cannot change. "
                "Delete it (teardown) or choose another name.",
            )
        arn = tg["TargetGroupArn"]
        attrs = {a["Key"]: a["Value"] for a in client.describe_target_group_attributes(aws_retry=True, TargetGroupArn=arn)["Attributes"]}
        have = health_view(tg)
        have["deregistration_delay"] = int(attrs.get("deregistration_delay.timeout_seconds", 300))
        current_tags = get_tags(module, client, "elbv2", arn)
        changed = False
        health_differs = any(have[k] != want[k] for k in want if k != "deregistration_delay")
        if health_differs:
            changed = True
            if not module.check_mode:
                client.modify_target_group(aws_retry=True, TargetGroupArn=arn, **api_health(p))
        if have["deregistration_delay"] != want["deregistration_delay"]:
            changed = True
            if not module.check_mode:
                set_deregistration_delay(client, arn, p["deregistration_delay"])
        tag_plan = reconcile_tags(module, client, "elbv2", arn, tags, p["purge_tags"], current=current_tags)
        changed |= tag_plan.changed
        after_tags = tag_plan.after
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply target group {p['name']}")
    module.exit_json(
        changed=changed,
        target_group_arn=arn,
        diff={"before": dict(have, tags=current_tags), "after": dict(want, tags=after_tags)},
    )


if __name__ == "__main__":
    main()
