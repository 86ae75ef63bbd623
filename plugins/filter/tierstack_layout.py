# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters of the network tier (vpc role): subnet layouts cut from the VPC's block."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

SUBNET_TYPES = ("public", "private", "isolated")
TIER_NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,15}$")


def subnet_tier_errors(tiers, default_prefix=24):
    """Problems with a list of subnet tiers ({name, type, prefix}); an empty list when it is valid."""
    errors = []
    if not isinstance(tiers, list) or not tiers:
        return ["it must be a non-empty list of {name, type, prefix}"]
    names = []
    for index, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            errors.append(f"item {index} is not a dict")
            continue
        name = tier.get("name")
        if not isinstance(name, str) or not TIER_NAME_RE.match(name):
            errors.append(f"item {index}: name {name!r} must be 1 to 16 lowercase letters and digits, starting with a letter")
        names.append(name)
        if tier.get("type") not in SUBNET_TYPES:
            errors.append(f"tier {name}: type {tier.get('type')!r} must be one of {', '.join(SUBNET_TYPES)}")
        prefix = tier.get("prefix", default_prefix)
        try:
            prefix = int(prefix)
        except (TypeError, ValueError):
            prefix = -1
        if not 16 <= prefix <= 28:
            errors.append(f"tier {name}: prefix {tier.get('prefix', default_prefix)!r} must be 16 to 28")
        unknown = sorted(set(tier) - {"name", "type", "prefix"})
        if unknown:
            errors.append(f"tier {name}: unknown keys {unknown}")
    duplicates = sorted({n for n in names if names.count(n) > 1 and n is not None})
    if duplicates:
        errors.append(f"tier names must be distinct: {duplicates}")
    if not any(isinstance(t, dict) and t.get("type") == "public" for t in tiers):
        errors.append("at least one tier must be public (the load balancer and NAT gateways live there)")
    return errors


def subnet_plan(cidr, tiers, zones, default_prefix=24):
    """Cut one subnet per tier and zone from ``cidr``, tier by tier, in order.

    Each subnet starts at the next address aligned to its own size, so a layout of equal
    prefixes is the plain sequence of blocks (tier i, zone j gets block i * len(zones) + j).
    Returns [{tier, type, az, cidr, prefix}]; raises an error when the block cannot hold them.
    """
    net = ipaddress.ip_network(cidr, strict=True)
    start, end = int(net.network_address), int(net.broadcast_address) + 1
    pointer = start
    plan = []
    for tier in tiers:
        prefix = int(tier.get("prefix", default_prefix))
        if prefix < net.prefixlen:
            raise AnsibleFilterError(f"tier {tier['name']}: a /{prefix} subnet is larger than the block {cidr}")
        size = 2 ** (net.max_prefixlen - prefix)
        for zone in zones:
            pointer = -(-pointer // size) * size
            if pointer + size > end:
                raise AnsibleFilterError(
                    f"{cidr} cannot hold the subnets asked for: tier {tier['name']} (/{prefix}) in {zone} does not fit"
                )
            plan.append({"tier": tier["name"], "type": tier["type"], "az": zone, "prefix": prefix,
                         "cidr": str(ipaddress.ip_network((pointer, prefix)))})
            pointer += size
    return plan


def subnet_plan_fits(cidr, tiers, zones, default_prefix=24):
    """True when ``subnet_plan`` can cut every subnet from ``cidr``."""
    try:
        subnet_plan(cidr, tiers, zones, default_prefix)
    except (AnsibleFilterError, ValueError, KeyError, TypeError):
        return False
    return True


class FilterModule:
    def filters(self):
        return {
            "subnet_tier_errors": subnet_tier_errors,
            "subnet_plan": subnet_plan,
            "subnet_plan_fits": subnet_plan_fits,
        }
