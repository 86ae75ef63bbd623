"""Bad input to the stack and the network tier fails before any API call, naming the variable.

The playbook runs against an endpoint where nothing listens: had any task called AWS before
the checks, the run would fail with a connection error instead of the expected message.
"""

import pytest

from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook, reached_the_api

CASES = {
    "upper-case suffix": ({"suffix": "Demo"}, ["suffix 'Demo' is invalid"]),
    "suffix too long": ({"suffix": "abcdefghijklmnopq"}, ["suffix 'abcdefghijklmnopq' is invalid", "32-character"]),
    "suffix with underscore": ({"suffix": "my_stack"}, ["suffix 'my_stack' is invalid"]),
    "CIDR too small for the subnets": (
        {"suffix": "bad1", "vpc_cidr": "10.0.0.0/22", "vpc_subnet_prefix": 24},
        ["vpc_cidr 10.0.0.0/22 is too small", "holds 4", "= 6 are needed"],
    ),
    "CIDR too small with an isolated tier": (
        {"suffix": "bad1", "vpc_cidr": "10.0.0.0/21", "vpc_subnet_prefix": 24, "vpc_isolated_subnets": True},
        ["vpc_cidr 10.0.0.0/21 is too small", "= 9 are needed"],
    ),
    "subnet layout that does not fit the CIDR": (
        {"suffix": "bad1", "vpc_cidr": "10.0.0.0/23", "vpc_subnet_prefix": 24,
         "vpc_subnet_tiers": [{"name": "public", "type": "public", "prefix": 24},
                              {"name": "app", "type": "private", "prefix": 25},
                              {"name": "data", "type": "isolated", "prefix": 25}]},
        ["vpc_cidr 10.0.0.0/23 is too small for the subnet layout (vpc_subnet_tiers", "public /24, app /25, data /25"],
    ),
    "subnet tier of an unknown type": (
        {"suffix": "bad1", "vpc_subnet_tiers": [{"name": "public", "type": "public"}, {"name": "app", "type": "nat"}]},
        ["vpc_subnet_tiers is invalid", "tier app: type 'nat'"],
    ),
    "CIDR not canonical": ({"suffix": "bad1", "vpc_cidr": "10.0.0.1/16"}, ["vpc_cidr '10.0.0.1/16' is not an IPv4 network"]),
    "more AZs than the region has": (
        {"suffix": "bad1", "vpc_az_count": 4},
        ["vpc_az_count is 4, but region ap-southeast-1 has only 3 availability zones"],
    ),
    "zero AZs": ({"suffix": "bad1", "vpc_az_count": 0}, ["vpc_az_count must be at least 1"]),
    "unknown NAT mode": ({"suffix": "bad1", "vpc_nat_gateway_mode": "two"}, ["vpc_nat_gateway_mode"]),
    "AZ count not a number": ({"suffix": "bad1", "vpc_az_count": "three"}, ["vpc_az_count"]),
}


@pytest.mark.parametrize("extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_input_fails_before_any_api_call(extra_vars, expected):
    result = run_playbook("site.yml", dict(extra_vars, tierstack_tiers=["vpc"]), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)


@pytest.mark.parametrize("tiers", [["ecr"], ["cloudwatch"]])
def test_the_suffix_is_checked_whichever_tiers_run(tiers):
    result = run_playbook("site.yml", {"suffix": "Bad_Suffix", "tierstack_tiers": tiers}, endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, "suffix 'Bad_Suffix' is invalid")


def test_teardown_checks_the_suffix_too():
    result = run_playbook("playbooks/teardown.yml", {"suffix": "UPPER", "tierstack_tiers": ["vpc"]}, endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, "suffix 'UPPER' is invalid")


def test_good_input_does_reach_the_api():
    """The control case: with valid input the same run gets as far as calling the (absent) endpoint."""
    result = run_playbook("site.yml", {"suffix": "good1", "tierstack_tiers": ["vpc"]}, endpoint=NO_API_ENDPOINT)
    assert result.returncode != 0
    assert reached_the_api(result), result.stdout[-2000:]
