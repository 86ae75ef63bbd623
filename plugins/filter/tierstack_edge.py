# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters of the edge (WAF web ACLs) and of the load balancer's listener rules."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# WAF's bounds for a rate-based rule, and the evaluation windows it offers.
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2000000000
WAF_RATE_WINDOWS = (60, 120, 300, 600)


def waf_rules(rate_limit, window_sec, managed_rule_groups=(), metric_prefix=""):
    """The rules of a tierstack web ACL, in community.aws.wafv2_web_acl's shape.

    A per-IP rate-based rule (``per-ip-rate-limit``, priority 0, blocks above ``rate_limit`` requests
    per ``window_sec`` seconds) and then each AWS managed rule group by name, in list order (priority
    1, 2, ...). ``metric_prefix`` goes in front of the rate rule's metric name, so that two ACLs of
    one stack (for example the CloudFront one) publish distinct metrics.
    """
    try:
        limit, window = int(rate_limit), int(window_sec)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"waf_rules needs a whole rate limit and window, got {rate_limit!r} and {window_sec!r}")
    if not WAF_RATE_LIMIT_MIN <= limit <= WAF_RATE_LIMIT_MAX:
        raise AnsibleFilterError(f"waf_rules: the rate limit must be from {WAF_RATE_LIMIT_MIN} to {WAF_RATE_LIMIT_MAX}, got {limit}")
    if window not in WAF_RATE_WINDOWS:
        raise AnsibleFilterError(f"waf_rules: the window must be one of {list(WAF_RATE_WINDOWS)} seconds, got {window}")
    groups = list(managed_rule_groups or [])
    if len(set(groups)) != len(groups):
        raise AnsibleFilterError(f"waf_rules: managed rule groups are listed twice in {groups}")

    def visibility(metric):
        return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric}

    rules = [
        {
            "name": "per-ip-rate-limit",
            "priority": 0,
            "action": {"block": {}},
            "visibility_config": visibility(f"{metric_prefix}per-ip-rate-limit"),
            "statement": {"rate_based_statement": {"limit": limit, "aggregate_key_type": "IP", "evaluation_window_sec": window}},
        }
    ]
    for index, group in enumerate(groups, start=1):
        rules.append(
            {
                "name": group,
                "priority": index,
                "override_action": {"none": {}},
                "visibility_config": visibility(group),
                "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
            }
        )
    return rules


def priority_clashes(rules):
    """The priorities that two or more of ``rules`` (dicts with a ``priority``) share, sorted."""
    seen, clashes = set(), set()
    for rule in rules or []:
        prio = int(rule["priority"])
        (clashes if prio in seen else seen).add(prio)
    return sorted(clashes)


class FilterModule:
    def filters(self):
        return {
            "waf_rules": waf_rules,
            "priority_clashes": priority_clashes,
        }
