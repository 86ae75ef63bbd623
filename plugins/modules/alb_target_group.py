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
  tags:
    description: Tags of the target group.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags). Only used when O(tags) is given.
    type: bool
    default: true
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers
extends_documentation_fragment:
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

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

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


def describe(client, name):
    try:
        return client.describe_target_groups(aws_retry=True, Names=[name])["TargetGroups"][0]
    except botocore.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") == "TargetGroupNotFound":
            return None
        raise


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
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["vpc_id", "port"])],
        supports_check_mode=True,
    )
    p = module.params
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    tags = {k: str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    want = {k: p[k] for k in ("health_check_path", "health_check_interval", "health_check_timeout", "healthy_threshold", "unhealthy_threshold", "matcher")}
    want["deregistration_delay"] = p["deregistration_delay"]
    try:
        tg = describe(client, p["name"])
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
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            tg = client.create_target_group(aws_retry=True, **kwargs)["TargetGroups"][0]
            client.modify_target_group_attributes(
                aws_retry=True,
                TargetGroupArn=tg["TargetGroupArn"],
                Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(p["deregistration_delay"])}],
            )
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
        current_tags = boto3_tag_list_to_ansible_dict(
            client.describe_tags(aws_retry=True, ResourceArns=[arn])["TagDescriptions"][0].get("Tags", [])
        )
        changed = False
        health_differs = any(have[k] != want[k] for k in want if k != "deregistration_delay")
        if health_differs:
            changed = True
            if not module.check_mode:
                client.modify_target_group(aws_retry=True, TargetGroupArn=arn, **api_health(p))
        if have["deregistration_delay"] != want["deregistration_delay"]:
            changed = True
            if not module.check_mode:
                client.modify_target_group_attributes(
                    aws_retry=True,
                    TargetGroupArn=arn,
                    Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(p["deregistration_delay"])}],
                )
        after_tags = current_tags
        if tags is not None:
            to_set, to_remove = compare_aws_tags(current_tags, tags, purge_tags=p["purge_tags"])
            if to_set or to_remove:
                changed = True
                after_tags = {k: v for k, v in current_tags.items() if k not in to_remove}
                after_tags.update(to_set)
                if not module.check_mode:
                    if to_remove:
                        client.remove_tags(aws_retry=True, ResourceArns=[arn], TagKeys=to_remove)
                    if to_set:
                        client.add_tags(aws_retry=True, ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(to_set))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Couldn't apply target group {p['name']}")
    module.exit_json(
        changed=changed,
        target_group_arn=arn,
        diff={"before": dict(have, tags=current_tags), "after": dict(want, tags=after_tags)},
    )


if __name__ == "__main__":
    main()
