"""The vpc role's read-then-compare filters: what one read of the VPC says must be applied."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.filter.tierstack_network import route_tables_to_apply, subnets_by_tier, subnets_to_apply

TAGS = {"Environment": "x1", "Project": "tierstack"}
PLAN = [
    {"name": "public-a-x1", "tier": "public", "type": "public", "az": "eu-west-2a", "cidr": "10.0.0.0/24"},
    {"name": "private-a-x1", "tier": "private", "type": "private", "az": "eu-west-2a", "cidr": "10.0.1.0/24"},
]


def _subnet(item, **changes):
    subnet = {"id": "subnet-" + item["name"], "cidr_block": item["cidr"], "availability_zone": item["az"],
              "map_public_ip_on_launch": item["type"] == "public", "assign_ipv6_address_on_creation": False,
              "tags": dict(TAGS, Name=item["name"], Tier=item["tier"])}
    subnet.update(changes)
    return subnet


def test_subnets_in_sync_need_nothing():
    assert subnets_to_apply(PLAN, [_subnet(i) for i in PLAN], TAGS) == []


def test_missing_or_drifted_subnets_are_applied():
    public, private = PLAN
    assert subnets_to_apply(PLAN, [_subnet(public)], TAGS) == [private]
    assert subnets_to_apply(PLAN, [_subnet(public, map_public_ip_on_launch=False), _subnet(private)], TAGS) == [public]
    extra_tag = _subnet(private, tags=dict(TAGS, Name="private-a-x1", Tier="private", Stray="1"))
    assert subnets_to_apply(PLAN, [_subnet(public), extra_tag], TAGS) == [private]
    assert subnets_to_apply(PLAN, [_subnet(public, tags=dict(TAGS, Name="public-a-x1")), _subnet(private)], TAGS) == [public]


def test_ids_come_from_the_loop_where_it_ran_else_from_the_read():
    public, private = PLAN
    applied = [{"item": private, "subnet": {"id": "subnet-new"}}, {"skipped": True}]
    assert subnets_by_tier(PLAN, [_subnet(public)], applied) == {
        "public": [{"id": "subnet-public-a-x1", "az": "eu-west-2a", "tier": "public"}],
        "private": [{"id": "subnet-new", "az": "eu-west-2a", "tier": "private"}],
    }


def _table(name, subnets, routes, tags=None):
    return {"id": "rtb-" + name, "tags": dict(TAGS, Name=name) if tags is None else tags,
            "associations": [{"subnet_id": s, "main": False} for s in subnets],
            "routes": [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "origin": "CreateRouteTable", "state": "active"}]
            + [{"destination_cidr_block": d, "gateway_id": g if g.startswith("igw") else None,
                "nat_gateway_id": g if g.startswith("nat") else None, "origin": "CreateRoute", "state": "active"} for d, g in routes]}


WANTED = [
    {"tags": dict(TAGS, Name="rt-public-x1"), "subnets": ["subnet-1"], "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1"}]},
    {"tags": dict(TAGS, Name="rt-private-a-x1"), "subnets": ["subnet-2"], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]},
    {"tags": dict(TAGS, Name="rt-data-x1"), "subnets": ["subnet-3"], "routes": []},
]


def _in_sync():
    return [_table("rt-public-x1", ["subnet-1"], [("0.0.0.0/0", "igw-1")]),
            _table("rt-private-a-x1", ["subnet-2"], [("0.0.0.0/0", "nat-1")]),
            _table("rt-data-x1", ["subnet-3"], [])]


def test_route_tables_in_sync_need_nothing():
    assert route_tables_to_apply(WANTED, _in_sync()) == []


def test_missing_duplicated_or_drifted_route_tables_are_applied():
    public, private, data = WANTED
    found = _in_sync()
    assert route_tables_to_apply(WANTED, found[1:]) == [public]
    assert route_tables_to_apply(WANTED, found + [_table("rt-data-x1", [], [])]) == [data]
    assert route_tables_to_apply(WANTED, [found[0], _table("rt-private-a-x1", ["subnet-2"], []), found[2]]) == [private]
    assert route_tables_to_apply(WANTED, [found[0], _table("rt-private-a-x1", ["subnet-2"], [("0.0.0.0/0", "nat-2")]), found[2]]) == [private]
    assert route_tables_to_apply(WANTED, [_table("rt-public-x1", [], [("0.0.0.0/0", "igw-1")])] + found[1:]) == [public]
    assert route_tables_to_apply(WANTED, found[:2] + [_table("rt-data-x1", ["subnet-3"], [], tags={"Name": "rt-data-x1"})]) == [data]
