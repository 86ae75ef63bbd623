#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alb_listener
short_description: Manage one Application Load Balancer listener and its path rules, with weighted forwards
version_added: 1.0.0
description:
  - Creates, updates or deletes one listener of an Application Load Balancer, its default action and its
    path-pattern rules. Forward actions are weighted across target groups, which is how blue/green releases
    shift traffic.
  - With O(keep_weights=true), a forward whose set of target groups already matches keeps its current
    weights, so that re-applying the stack does not undo a traffic switch made with
    M(tierstack.aws.alb_traffic_weights).
  - Compared with C(amazon.aws.elb_application_lb) listeners, this module reads rules back by listener ARN,
    compares weighted forwards in a canonical form (so a re-run reports no change) and can keep weights.
options:
  load_balancer_arn:
    description: ARN of the load balancer.
    type: str
    required: true
  port:
    description: Port of the listener.
    type: int
    required: true
  protocol:
    description: Protocol of the listener.
    type: str
    choices: [HTTP, HTTPS]
    default: HTTP
  certificate_arn:
    description: ACM certificate of an HTTPS listener.
    type: str
  ssl_policy:
    description: Security policy of an HTTPS listener.
    type: str
    default: ELBSecurityPolicy-TLS13-1-2-2021-06
  default_action:
    description: The listener's default action. Required when O(state=present).
    type: dict
    suboptions:
      type:
        description: V(forward) (weighted), V(redirect) or V(fixed-response).
        type: str
        choices: [forward, redirect, fixed-response]
        required: true
      target_groups:
        description: For V(forward), the target groups and their weights (0 to 999).
        type: list
        elements: dict
        suboptions:
          target_group_arn:
            description: ARN of the target group.
            type: str
            required: true
          weight:
            description: Relative weight.
            type: int
            default: 1
      redirect_protocol:
        description: For V(redirect), the protocol to redirect to.
        type: str
        default: HTTPS
      redirect_port:
        description: For V(redirect), the port to redirect to.
        type: str
        default: "443"
      status_code:
        description: For V(redirect), the HTTP status.
        type: str
        choices: [HTTP_301, HTTP_302]
        default: HTTP_301
      fixed_response:
        description: For V(fixed-response), the response the load balancer returns itself.
        type: dict
        suboptions:
          status_code:
            description: HTTP status of the response (2XX, 4XX or 5XX).
            type: str
            required: true
          content_type:
            description: Content type of the body.
            type: str
            choices: [text/plain, text/css, text/html, application/javascript, application/json]
            default: text/plain
          message_body:
            description: Body of the response (at most 1024 characters).
            type: str
            default: ""
  rules:
    description:
      - Path-pattern rules, each forwarding to weighted target groups or answering with a fixed response.
        A rule is identified by its priority.
    type: list
    elements: dict
    default: []
    suboptions:
      priority:
        description: Priority of the rule (1 to 50000), unique on the listener.
        type: int
        required: true
      path_patterns:
        description: Path patterns the rule matches (at most 5).
        type: list
        elements: str
        required: true
      target_groups:
        description: Target groups and weights to forward to (exactly one of O(rules[].target_groups) and O(rules[].fixed_response)).
        type: list
        elements: dict
        suboptions:
          target_group_arn:
            description: ARN of the target group.
            type: str
            required: true
          weight:
            description: Relative weight.
            type: int
            default: 1
      fixed_response:
        description: The response the load balancer returns itself for these paths.
        type: dict
        suboptions:
          status_code:
            description: HTTP status of the response (2XX, 4XX or 5XX).
            type: str
            required: true
          content_type:
            description: Content type of the body.
            type: str
            choices: [text/plain, text/css, text/html, application/javascript, application/json]
            default: text/plain
          message_body:
            description: Body of the response (at most 1024 characters).
            type: str
            default: ""
  purge_rules:
    description: Delete rules of the listener whose priority is not in O(rules).
    type: bool
    default: true
  keep_weights:
    description:
      - When a forward already targets exactly the same target groups, keep its current weights.
    type: bool
    default: false
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
- name: HTTP listener, frontend by default and /api/* to the backend, blue/green
  tierstack.aws.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    protocol: HTTP
    keep_weights: true
    default_action:
      type: forward
      target_groups:
        - {target_group_arn: "{{ frontend_blue }}", weight: 100}
        - {target_group_arn: "{{ frontend_green }}", weight: 0}
    rules:
      - priority: 10
        path_patterns: ["/api/*"]
        target_groups:
          - {target_group_arn: "{{ backend_blue }}", weight: 100}
          - {target_group_arn: "{{ backend_green }}", weight: 0}
    tags:
      Environment: dev1

- name: HTTP listener answering 404 itself, with /api/* and /health to the API
  tierstack.aws.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    default_action:
      type: fixed-response
      fixed_response: {status_code: "404", content_type: text/plain, message_body: Not Found}
    rules:
      - priority: 10
        path_patterns: ["/api/*"]
        target_groups: [{target_group_arn: "{{ api_blue }}", weight: 100}]
      - priority: 20
        path_patterns: ["/health"]
        target_groups: [{target_group_arn: "{{ api_blue }}", weight: 100}]

- name: Redirect HTTP to HTTPS
  tierstack.aws.alb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    default_action:
      type: redirect
"""

RETURN = r"""
listener_arn:
  description: ARN of the listener (absent when it was deleted or, in check mode, not yet created).
  returned: when the listener exists
  type: str
default_action:
  description: The default action in canonical form.
  returned: when state is present
  type: dict
rules:
  description: The rules in canonical form, with their ARNs when they exist.
  returned: when state is present
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import api_action
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import canonical_action
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import describe_listener
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import describe_rules
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import desired_action
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import is_default_rule
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import keep_current_weights
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import path_conditions
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import rule_action
from ansible_collections.tierstack.aws.plugins.module_utils.elbv2 import rule_paths
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags

# The action and rule parsing lives in module_utils/elbv2.py (shared with alb_traffic_weights);
# canonical_action, desired_action, api_action and keep_current_weights are imported from there.


def plan_rules(current_rules, wanted_rules, purge, keep_weights):
    """Compare the listener's non-default rules with the wanted ones, keyed by priority.

    Returns (create, modify, delete, final): lists of canonical rules to create and to modify (with the
    ARN), ARNs to delete, and the resulting canonical rules.
    """
    current = {}
    for rule in current_rules:
        if is_default_rule(rule):
            continue
        current[int(rule["Priority"])] = {
            "arn": rule["RuleArn"],
            "priority": int(rule["Priority"]),
            "path_patterns": rule_paths(rule),
            "action": canonical_action(rule["Actions"][0]) if len(rule.get("Actions", [])) == 1 else None,
        }
    create, modify, final = [], [], []
    for spec in wanted_rules:
        prio = int(spec["priority"])
        want = {
            "priority": prio,
            "path_patterns": sorted(spec["path_patterns"]),
            "action": rule_action(spec),
        }
        have = current.get(prio)
        if have is None:
            create.append(want)
            final.append(want)
            continue
        if keep_weights:
            want["action"] = keep_current_weights(want["action"], have["action"])
        want["arn"] = have["arn"]
        if want["path_patterns"] != have["path_patterns"] or want["action"] != have["action"]:
            modify.append(want)
        final.append(want)
    wanted_prios = {int(r["priority"]) for r in wanted_rules}
    delete = [have["arn"] for prio, have in sorted(current.items()) if prio not in wanted_prios] if purge else []
    return create, modify, delete, final


# ---- AWS side ----------------------------------------------------------------------------------


def listener_view(listener):
    """Comparable view of a listener's own settings."""
    if listener is None:
        return None
    certs = listener.get("Certificates") or []
    return {
        "protocol": listener["Protocol"],
        "port": int(listener["Port"]),
        "certificate_arn": certs[0]["CertificateArn"] if certs else None,
        "ssl_policy": listener.get("SslPolicy") if listener["Protocol"] == "HTTPS" else None,
        "default_action": canonical_action(listener["DefaultActions"][0]) if listener.get("DefaultActions") else None,
    }


def ensure_present(module, client):
    p = module.params
    tags = normalise_tags(p["tags"])
    listener = describe_listener(client, p["load_balancer_arn"], p["port"])
    before = listener_view(listener)
    want_default = desired_action(p["default_action"])
    if p["keep_weights"] and before:
        want_default = keep_current_weights(want_default, before["default_action"])
    after = {
        "protocol": p["protocol"],
        "port": p["port"],
        "certificate_arn": p["certificate_arn"] if p["protocol"] == "HTTPS" else None,
        "ssl_policy": p["ssl_policy"] if p["protocol"] == "HTTPS" else None,
        "default_action": want_default,
    }
    changed = False
    listener_arn = listener["ListenerArn"] if listener else None
    settings = {"Protocol": p["protocol"], "Port": p["port"], "DefaultActions": [api_action(want_default)]}
    if p["protocol"] == "HTTPS":
        settings["Certificates"] = [{"CertificateArn": p["certificate_arn"]}]
        settings["SslPolicy"] = p["ssl_policy"]
    try:
        if listener is None:
            changed = True
            if not module.check_mode:
                kwargs = dict(settings, LoadBalancerArn=p["load_balancer_arn"])
                if tags:
                    kwargs["Tags"] = create_tags("elbv2", tags)
                listener_arn = client.create_listener(aws_retry=True, **kwargs)["Listeners"][0]["ListenerArn"]
        elif before != after:
            changed = True
            if not module.check_mode:
                client.modify_listener(aws_retry=True, ListenerArn=listener_arn, **settings)
        if listener is not None:
            changed |= reconcile_tags(module, client, "elbv2", listener_arn, tags, p["purge_tags"]).changed

        current_rules = describe_rules(client, listener_arn) if listener_arn and listener is not None else []
        create, modify, delete, final = plan_rules(current_rules, p["rules"], p["purge_rules"], p["keep_weights"])
        changed |= bool(create or modify or delete)
        if not module.check_mode:
            for arn in delete:
                client.delete_rule(aws_retry=True, RuleArn=arn)
            for rule in modify:
                client.modify_rule(
                    aws_retry=True,
                    RuleArn=rule["arn"],
                    Conditions=path_conditions(rule["path_patterns"]),
                    Actions=[api_action(rule["action"])],
                )
            for rule in create:
                kwargs = {
                    "ListenerArn": listener_arn,
                    "Priority": rule["priority"],
                    "Conditions": path_conditions(rule["path_patterns"]),
                    "Actions": [api_action(rule["action"])],
                }
                if tags:
                    kwargs["Tags"] = create_tags("elbv2", tags)
                rule["arn"] = client.create_rule(aws_retry=True, **kwargs)["Rules"][0]["RuleArn"]
        for rule in final:
            if rule.get("arn") and rule not in create:
                changed |= reconcile_tags(module, client, "elbv2", rule["arn"], tags, p["purge_tags"]).changed
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply the listener on port {p['port']}")

    before_rules = []
    for rule in current_rules:
        if not is_default_rule(rule):
            before_rules.append(
                {
                    "priority": int(rule["Priority"]),
                    "path_patterns": rule_paths(rule),
                    "action": canonical_action(rule["Actions"][0]),
                }
            )
    after_rules = [{k: v for k, v in r.items() if k != "arn"} for r in final]
    if not p["purge_rules"]:
        kept = {r["priority"] for r in after_rules}
        after_rules += [r for r in before_rules if r["priority"] not in kept]
    result = dict(
        changed=changed,
        default_action=want_default,
        rules=final,
        diff={
            "before": dict(before or {}, rules=sorted(before_rules, key=lambda r: r["priority"])) if before else {},
            "after": dict(after, rules=sorted(after_rules, key=lambda r: r["priority"])),
        },
    )
    if listener_arn:
        result["listener_arn"] = listener_arn
    module.exit_json(**result)


def ensure_absent(module, client):
    p = module.params
    try:
        listener = describe_listener(client, p["load_balancer_arn"], p["port"])
        if listener is None:
            module.exit_json(changed=False, diff={"before": {}, "after": {}})
        if not module.check_mode:
            client.delete_listener(aws_retry=True, ListenerArn=listener["ListenerArn"])
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't delete the listener on port {p['port']}")
    module.exit_json(changed=True, diff={"before": listener_view(listener), "after": {}})


def main():
    target_groups = dict(
        type="list",
        elements="dict",
        options=dict(target_group_arn=dict(type="str", required=True), weight=dict(type="int", default=1)),
    )
    fixed_response = dict(
        type="dict",
        options=dict(
            status_code=dict(type="str", required=True),
            content_type=dict(
                type="str",
                choices=["text/plain", "text/css", "text/html", "application/javascript", "application/json"],
                default="text/plain",
            ),
            message_body=dict(type="str", default=""),
        ),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            load_balancer_arn=dict(type="str", required=True),
            port=dict(type="int", required=True),
            protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
            certificate_arn=dict(type="str"),
            ssl_policy=dict(type="str", default="ELBSecurityPolicy-TLS13-1-2-2021-06"),
            default_action=dict(
                type="dict",
                options=dict(
                    type=dict(type="str", choices=["forward", "redirect", "fixed-response"], required=True),
                    target_groups=target_groups,
                    redirect_protocol=dict(type="str", default="HTTPS"),
                    redirect_port=dict(type="str", default="443"),
                    status_code=dict(type="str", choices=["HTTP_301", "HTTP_302"], default="HTTP_301"),
                    fixed_response=fixed_response,
                ),
                required_if=[("type", "forward", ["target_groups"]), ("type", "fixed-response", ["fixed_response"])],
            ),
            rules=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    priority=dict(type="int", required=True),
                    path_patterns=dict(type="list", elements="str", required=True),
                    target_groups=target_groups,
                    fixed_response=fixed_response,
                ),
                mutually_exclusive=[("target_groups", "fixed_response")],
                required_one_of=[("target_groups", "fixed_response")],
            ),
            purge_rules=dict(type="bool", default=True),
            keep_weights=dict(type="bool", default=False),
            **TAG_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[
            ("state", "present", ["default_action"]),
            ("protocol", "HTTPS", ["certificate_arn"]),
        ],
        supports_check_mode=True,
    )
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
