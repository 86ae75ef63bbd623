"""The network tier's layout filters (plugins/filter/tierstack_layout.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tierstack.aws.plugins.filter.tierstack import subnet_cidrs
from ansible_collections.tierstack.aws.plugins.filter.tierstack_layout import (
    FilterModule,
    subnet_plan,
    subnet_plan_fits,
    subnet_tier_errors,
)

ZONES3 = ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]


def test_default_layout_matches_the_layout_before_tiers_existed():
    """Equal prefixes give the same blocks as the old tier-index * zones arithmetic."""
    tiers = [{"name": "public", "type": "public"}, {"name": "private", "type": "private"}]
    plan = subnet_plan("10.0.0.0/16", tiers, ZONES3, 20)
    assert [s["cidr"] for s in plan] == subnet_cidrs("10.0.0.0/16", 20, 0, 6)
    assert [(s["tier"], s["type"], s["az"]) for s in plan][:2] == [
        ("public", "public", "ap-southeast-2a"), ("public", "public", "ap-southeast-2b")]


def test_nine_subnets_of_24_over_three_azs():
    tiers = [{"name": n, "type": n, "prefix": 24} for n in ("public", "private", "isolated")]
    plan = subnet_plan("10.0.0.0/16", tiers, ZONES3)
    assert [s["cidr"] for s in plan] == [f"10.0.{i}.0/24" for i in range(9)]
    assert [s["type"] for s in plan] == ["public"] * 3 + ["private"] * 3 + ["isolated"] * 3


def test_mixed_prefixes_are_aligned_and_do_not_overlap():
    tiers = [{"name": "public", "type": "public", "prefix": 26}, {"name": "app", "type": "private", "prefix": 24}]
    plan = subnet_plan("10.1.0.0/22", tiers, ["a1", "b1"])
    assert [s["cidr"] for s in plan] == ["10.1.0.0/26", "10.1.0.64/26", "10.1.1.0/24", "10.1.2.0/24"]


def test_a_layout_that_does_not_fit_the_cidr():
    tiers = [{"name": n, "type": n, "prefix": 24} for n in ("public", "private", "isolated")]
    assert not subnet_plan_fits("10.0.0.0/23", tiers, ZONES3)
    with pytest.raises(AnsibleFilterError, match="cannot hold"):
        subnet_plan("10.0.0.0/23", tiers, ZONES3)
    assert subnet_plan_fits("10.0.0.0/20", tiers, ZONES3)
    assert not subnet_plan_fits("10.0.0.0/24", [{"name": "public", "type": "public", "prefix": 20}], ZONES3)


@pytest.mark.parametrize("tiers,message", [
    ([], "non-empty list"),
    ([{"name": "public", "type": "dmz"}], "type 'dmz'"),
    ([{"name": "Public", "type": "public"}], "name 'Public'"),
    ([{"name": "public", "type": "public", "prefix": 30}], "prefix 30"),
    ([{"name": "public", "type": "public"}, {"name": "public", "type": "private"}], "distinct"),
    ([{"name": "app", "type": "private"}], "at least one tier must be public"),
    ([{"name": "public", "type": "public", "size": 24}], "unknown keys ['size']"),
])
def test_tier_errors(tiers, message):
    errors = subnet_tier_errors(tiers)
    assert any(message in e for e in errors), errors


def test_valid_tiers_have_no_errors():
    assert subnet_tier_errors([{"name": "public", "type": "public"}, {"name": "data", "type": "isolated", "prefix": 24}]) == []


def test_registration():
    assert set(FilterModule().filters()) == {"subnet_tier_errors", "subnet_plan", "subnet_plan_fits"}
