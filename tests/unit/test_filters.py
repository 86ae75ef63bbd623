"""The tierstack.aws filters: pure functions, tested without Ansible running."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tierstack.aws.plugins.filter.tierstack import (
    FilterModule,
    resource_name,
    subnet_capacity,
    subnet_cidrs,
    valid_cidr,
    valid_suffix,
)


@pytest.mark.parametrize("suffix", ["demo", "a", "dev-1", "x1-y2-z3", "abcdefghijklmnop"])
def test_valid_suffixes(suffix):
    assert valid_suffix(suffix)


@pytest.mark.parametrize(
    "suffix",
    ["", "Demo", "DEMO", "1demo", "-demo", "demo-", "de--mo", "de_mo", "de.mo", "abcdefghijklmnopq", None, 12],
)
def test_invalid_suffixes(suffix):
    assert not valid_suffix(suffix)


def test_suffix_max_length_is_a_parameter():
    assert valid_suffix("abcdefghijklmnopq", 17)
    assert not valid_suffix("abcd", 3)


def test_longest_target_group_name_fits_with_the_longest_suffix():
    suffix = "a" * 16
    assert len(resource_name("frontend-green", suffix, "target_group")) == 31


def test_resource_name_joins_base_and_suffix():
    assert resource_name("alb", "demo", "alb") == "alb-demo"
    assert resource_name("db", "demo") == "db-demo"


def test_resource_name_fails_over_the_limit_and_says_why():
    with pytest.raises(AnsibleFilterError, match="over the AWS limit of 32"):
        resource_name("backend-green-extra", "abcdefghijklmn", "target_group")


def test_resource_name_accepts_a_numeric_limit_and_rejects_unknown_kinds():
    assert resource_name("a", "b", 3) == "a-b"
    with pytest.raises(AnsibleFilterError):
        resource_name("a", "b", 2)
    with pytest.raises(AnsibleFilterError, match="unknown kind"):
        resource_name("a", "b", "nope")
    with pytest.raises(AnsibleFilterError):
        resource_name("", "b")


def test_subnet_cidrs_cuts_consecutive_blocks():
    assert subnet_cidrs("10.0.0.0/16", 20, 0, 3) == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert subnet_cidrs("10.0.0.0/16", 20, 3, 2) == ["10.0.48.0/20", "10.0.64.0/20"]


def test_subnet_cidrs_refuses_what_does_not_fit():
    with pytest.raises(AnsibleFilterError, match="holds 4"):
        subnet_cidrs("10.0.0.0/22", 24, 2, 3)
    with pytest.raises(AnsibleFilterError, match="larger than the block"):
        subnet_cidrs("10.0.0.0/22", 20, 0, 1)


def test_subnet_capacity():
    assert subnet_capacity("10.0.0.0/16", 20) == 16
    assert subnet_capacity("10.0.0.0/22", 24) == 4
    assert subnet_capacity("10.0.0.0/22", 20) == 0
    assert subnet_capacity("not-a-cidr", 20) == 0


@pytest.mark.parametrize("cidr,ok", [("10.0.0.0/16", True), ("10.0.0.1/16", False), ("fd00::/8", False), ("x", False), (None, False)])
def test_valid_cidr(cidr, ok):
    assert valid_cidr(cidr) is ok


def test_filter_module_exposes_every_filter():
    assert set(FilterModule().filters()) == {"resource_name", "valid_suffix", "subnet_cidrs", "subnet_capacity", "valid_cidr"}
