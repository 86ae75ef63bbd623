#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alb_traffic_weights
short_description: Shift the weighted forward of a blue/green pair of target groups on an ALB listener
version_added: 1.0.0
description:
  - Finds the routes of an Application Load Balancer listener (path rules, and the default action) that
    forward to exactly a blue and a green target group, and sets their weights to
    C(100 - green_weight) and C(green_weight) in each of them (a service may have several path rules).
  - Only the weights change; the rule's conditions, the other rules and the listener's settings are left alone.
  - The module does not look at target health; the calling playbook checks it first (see playbooks/switch_traffic.yml).
options:
  listener_arn:
    description: ARN of the listener that carries the route.
    type: str
    required: true
  blue_target_group_arn:
    description: ARN of the blue target group.
    type: str
    required: true
  green_target_group_arn:
    description: ARN of the green target group.
    type: str
    required: true
  green_weight:
    description: Percentage of the route's traffic to send to the green target group (0 to 100).
    type: int
    required: true
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send 10% of the backend's traffic to green
  tierstack.aws.alb_traffic_weights:
    listener_arn: "{{ tierstack_outputs.ALBListenerArn }}"
    blue_target_group_arn: "{{ tierstack_outputs.BackendBlueTargetGroupArn }}"
    green_target_group_arn: "{{ tierstack_outputs.BackendGreenTargetGroupArn }}"
    green_weight: 10
"""

RETURN = r"""
rule_arn:
  description: ARN of the rule that carries the route (the listener's default rule when I(is_default)).
  returned: always
  type: str
rule_arns:
  description: ARNs of every rule that carries a route to the pair (the first is RV(rule_arn)).
  returned: always
  type: list
  elements: str
is_default:
  description: Whether the route is the listener's default action.
  returned: always
  type: bool
previous_green_weight:
  description: Green's share of the traffic, in percent, before the change.
  returned: always
  type: int
green_weight:
  description: Green's share of the traffic, in percent, after the change.
  returned: always
  type: int
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import api_action
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import describe_rules
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import forward_weights
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import is_default_rule
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import weighted_forward


def find_routes(rules, blue, green):
    """The rules whose forward goes to exactly {blue, green} (or to blue alone), each with its weights."""
    found = []
    for rule in rules:
        groups = forward_weights(rule.get("Actions", []))
        if groups is not None and set(groups) in ({blue, green}, {blue}):
            found.append((rule, groups))
    return found


def find_route(rules, blue, green):
    """The first of find_routes, or (None, None)."""
    found = find_routes(rules, blue, green)
    return found[0] if found else (None, None)


def green_percent(groups, blue, green):
    """Green's share in percent of a {arn: weight} forward."""
    total = sum(groups.values())
    if total == 0:
        return 0
    return round(100 * groups.get(green, 0) / total)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            listener_arn=dict(type="str", required=True),
            blue_target_group_arn=dict(type="str", required=True),
            green_target_group_arn=dict(type="str", required=True),
            green_weight=dict(type="int", required=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not 0 <= p["green_weight"] <= 100:
        module.fail_json(msg=f"green_weight must be from 0 to 100; got {p['green_weight']}")
    blue, green = p["blue_target_group_arn"], p["green_target_group_arn"]
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        rules = describe_rules(client, p["listener_arn"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Couldn't describe the listener's rules")
    routes = find_routes(rules, blue, green)
    if not routes:
        module.fail_json(msg=f"No route of listener {p['listener_arn']} forwards to exactly {blue} and {green}")
    # A service may have several routes (path rules, the default action); they all move together.
    rule, groups = routes[0]
    before = green_percent(groups, blue, green)
    is_default = is_default_rule(rule)
    wanted = {blue: 100 - p["green_weight"], green: p["green_weight"]}
    stale = [(r, g) for r, g in routes if g != wanted]
    changed = bool(stale)
    if changed and not module.check_mode:
        actions = [api_action(weighted_forward(wanted))]
        try:
            for stale_rule, _weights in stale:
                if is_default_rule(stale_rule):
                    client.modify_listener(aws_retry=True, ListenerArn=p["listener_arn"], DefaultActions=actions)
                else:
                    client.modify_rule(aws_retry=True, RuleArn=stale_rule["RuleArn"], Actions=actions)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="Couldn't shift the traffic weights")
    module.exit_json(
        changed=changed,
        rule_arn=rule["RuleArn"],
        rule_arns=[r["RuleArn"] for r, _weights in routes],
        is_default=is_default,
        previous_green_weight=before,
        green_weight=p["green_weight"],
        diff={
            "before": {"blue_weight": groups.get(blue, 0), "green_weight": groups.get(green, 0)},
            "after": {"blue_weight": wanted[blue], "green_weight": wanted[green]},
        },
    )


if __name__ == "__main__":
    main()
