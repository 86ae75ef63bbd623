# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ELBv2 listener actions and rules, parsed once.

A forward action comes back from the API in two shapes (a plain ``TargetGroupArn``, or a weighted
``ForwardConfig``); :func:`canonical_action` reduces either to one comparable dict, and :func:`api_action`
turns that back into the API shape. ``alb_listener`` and ``alb_traffic_weights`` both read rules this way.
"""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def _sorted_groups(groups):
    return sorted(groups, key=lambda g: g["target_group_arn"])


def canonical_action(action):
    """Reduce an ELBv2 action (API shape) to a comparable dict."""
    if action["Type"] == "forward":
        groups = action.get("ForwardConfig", {}).get("TargetGroups")
        if not groups:
            groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        return {
            "type": "forward",
            "target_groups": _sorted_groups({"target_group_arn": g["TargetGroupArn"], "weight": int(g.get("Weight", 1))} for g in groups),
        }
    if action["Type"] == "redirect":
        cfg = action.get("RedirectConfig", {})
        return {
            "type": "redirect",
            "redirect_protocol": cfg.get("Protocol", "#{protocol}"),
            "redirect_port": str(cfg.get("Port", "#{port}")),
            "status_code": cfg.get("StatusCode"),
        }
    if action["Type"] == "fixed-response":
        cfg = action.get("FixedResponseConfig", {})
        return fixed_response(cfg.get("StatusCode"), cfg.get("ContentType"), cfg.get("MessageBody"))
    return {"type": action["Type"], "raw": action}


def fixed_response(status_code, content_type=None, message_body=None):
    """The canonical fixed response (an absent content type or body reads as empty)."""
    return {
        "type": "fixed-response",
        "status_code": str(status_code),
        "content_type": content_type or "",
        "message_body": message_body or "",
    }


def desired_action(spec):
    """Turn a module action spec (snake_case options) into canonical form."""
    if spec["type"] == "forward":
        return {
            "type": "forward",
            "target_groups": _sorted_groups(
                {"target_group_arn": g["target_group_arn"], "weight": int(g.get("weight", 1))} for g in spec["target_groups"]
            ),
        }
    if spec["type"] == "fixed-response":
        cfg = spec.get("fixed_response") or {}
        return fixed_response(cfg.get("status_code"), cfg.get("content_type"), cfg.get("message_body"))
    return {
        "type": "redirect",
        "redirect_protocol": spec.get("redirect_protocol") or "HTTPS",
        "redirect_port": str(spec.get("redirect_port") or "443"),
        "status_code": spec.get("status_code") or "HTTP_301",
    }


def weighted_forward(weights):
    """The canonical forward to ``{target group ARN: weight}``."""
    return desired_action({"type": "forward", "target_groups": [{"target_group_arn": a, "weight": w} for a, w in weights.items()]})


def api_action(canonical):
    """Turn a canonical action into the API shape."""
    if canonical["type"] == "forward":
        return {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": g["target_group_arn"], "Weight": g["weight"]} for g in canonical["target_groups"]],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    if canonical["type"] == "fixed-response":
        cfg = {"StatusCode": canonical["status_code"]}
        if canonical["content_type"]:
            cfg["ContentType"] = canonical["content_type"]
        if canonical["message_body"]:
            cfg["MessageBody"] = canonical["message_body"]
        return {"Type": "fixed-response", "FixedResponseConfig": cfg}
    return {
        "Type": "redirect",
        "RedirectConfig": {
            "Protocol": canonical["redirect_protocol"],
            "Port": canonical["redirect_port"],
            "Host": "#{host}",
            "Path": "/#{path}",
            "Query": "#{query}",
            "StatusCode": canonical["status_code"],
        },
    }


def rule_action(spec):
    """The canonical action of a module rule spec: its fixed response, else a weighted forward."""
    if spec.get("fixed_response"):
        return desired_action({"type": "fixed-response", "fixed_response": spec["fixed_response"]})
    return desired_action({"type": "forward", "target_groups": spec["target_groups"]})


def forward_weights(actions):
    """{target group ARN: weight} of a rule whose only action is a forward, or None."""
    if len(actions) != 1 or actions[0].get("Type") != "forward":
        return None
    return {g["target_group_arn"]: g["weight"] for g in canonical_action(actions[0])["target_groups"]}


def keep_current_weights(wanted, current):
    """Return ``wanted`` with ``current``'s weights when both forward to the same target groups."""
    if not current or wanted["type"] != "forward" or current["type"] != "forward":
        return wanted
    if [g["target_group_arn"] for g in wanted["target_groups"]] != [g["target_group_arn"] for g in current["target_groups"]]:
        return wanted
    return dict(wanted, target_groups=[dict(g) for g in current["target_groups"]])


def is_default_rule(rule):
    return bool(rule.get("IsDefault")) or rule.get("Priority") == "default"


def rule_paths(rule):
    """Path patterns of an API rule's conditions (old and new condition shapes)."""
    paths = []
    for cond in rule.get("Conditions", []):
        if cond.get("Field") == "path-pattern":
            paths.extend(cond.get("PathPatternConfig", {}).get("Values") or cond.get("Values") or [])
    return sorted(paths)


def path_conditions(paths):
    return [{"Field": "path-pattern", "PathPatternConfig": {"Values": paths}}]


def describe_rules(client, listener_arn):
    """Every rule of the listener, the default one included."""
    return paginate_items(client, "describe_rules", "Rules", ListenerArn=listener_arn)


def describe_listener(client, lb_arn, port):
    """The load balancer's listener on ``port``, or None."""
    for listener in paginate_items(client, "describe_listeners", "Listeners", LoadBalancerArn=lb_arn):
        if int(listener["Port"]) == port:
            return listener
    return None
