# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure filters of the network tier (vpc role): what one read of the VPC says is missing or differs.

The vpc role reads the VPC's subnets and route tables once (amazon.aws's _info modules), and runs
amazon.aws.ec2_vpc_subnet and ec2_vpc_route_table only for the items these filters return: a re-run
with nothing to change makes no module run for them.
"""

from __future__ import annotations


def _tags(tags):
    return {str(k): str(v) for k, v in (tags or {}).items()}


def subnet_tags(item, tags):
    """The tags of one subnet of the plan: the stack's, its Name and its Tier."""
    return dict(_tags(tags), Name=item["name"], Tier=item["tier"])


def subnets_to_apply(plan, found, tags):
    """The subnets of ``plan`` (subnet_plan's items) that ``found`` (ec2_vpc_subnet_info's subnets) lacks,
    or holds with another AZ, public-IP mapping, IPv6 setting or tags than ec2_vpc_subnet would set."""
    by_cidr = {s.get("cidr_block"): s for s in found or []}
    out = []
    for item in plan:
        have = by_cidr.get(item["cidr"])
        if (have is None or have.get("availability_zone") != item["az"]
                or bool(have.get("map_public_ip_on_launch")) != (item["type"] == "public")
                or bool(have.get("assign_ipv6_address_on_creation"))
                or _tags(have.get("tags")) != subnet_tags(item, tags)):
            out.append(item)
    return out


def subnets_by_tier(plan, found, applied=None):
    """``{tier: [{id, az, tier}]}`` in the plan's order: each subnet's id from ``applied`` (the results of the
    ec2_vpc_subnet loop, for the subnets it ran on) or else from ``found``, matched by CIDR."""
    ids = {s.get("cidr_block"): s.get("id") for s in found or []}
    for result in applied or []:
        if isinstance(result, dict) and result.get("subnet", {}).get("id"):
            ids[result["item"]["cidr"]] = result["subnet"]["id"]
    out = {}
    for item in plan:
        out.setdefault(item["tier"], []).append({"id": ids[item["cidr"]], "az": item["az"], "tier": item["tier"]})
    return out


def _routes(routes):
    """A route table's routes out of the VPC, as (destination, target) pairs; the local route is AWS's."""
    pairs = set()
    for route in routes or []:
        if route.get("gateway_id") == "local" or route.get("origin") == "CreateRouteTable":
            continue
        target = route.get("gateway_id") or route.get("nat_gateway_id") or route.get("network_interface_id") or ""
        state = route.get("state", "active")
        pairs.add((route.get("destination_cidr_block") or route.get("dest"), target, state))
    return pairs


def route_tables_to_apply(wanted, found):
    """The tables of ``wanted`` ({tags, subnets, routes} as ec2_vpc_route_table takes them) that ``found``
    (ec2_vpc_route_table_info's route_tables) lacks, holds more than once by Name, or holds with other
    tags, subnet associations or routes."""
    by_name = {}
    for table in found or []:
        name = (table.get("tags") or {}).get("Name")
        if name is not None:
            by_name.setdefault(name, []).append(table)
    out = []
    for want in wanted:
        have = by_name.get(want["tags"]["Name"], [])
        if len(have) != 1:
            out.append(want)
            continue
        have = have[0]
        subnets = {a.get("subnet_id") for a in have.get("associations") or [] if a.get("subnet_id") and not a.get("main")}
        routes = {(r["dest"], r.get("gateway_id") or r.get("nat_gateway_id") or r.get("network_interface_id") or "", "active")
                  for r in want.get("routes") or []}
        if _tags(have.get("tags")) != _tags(want["tags"]) or subnets != set(want.get("subnets") or []) or _routes(have.get("routes")) != routes:
            out.append(want)
    return out


class FilterModule:
    def filters(self):
        return {
            "subnets_to_apply": subnets_to_apply,
            "subnets_by_tier": subnets_by_tier,
            "route_tables_to_apply": route_tables_to_apply,
        }
