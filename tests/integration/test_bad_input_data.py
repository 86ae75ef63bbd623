"""Bad input to the data tier fails before any API call, naming the variable.

The playbook runs against an endpoint where nothing listens: had any task called AWS before
the checks, the run would fail with a connection error instead of the expected message.
"""

import pytest

from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook, reached_the_api

TIERS = ["vpc", "rds_aurora"]
CASES = {
    "too many readers": ({"rds_aurora_reader_count": 16}, ["rds_aurora_reader_count must be a whole number from 0 to 15", "got 16"]),
    "negative readers": ({"rds_aurora_reader_count": -1}, ["rds_aurora_reader_count must be a whole number from 0 to 15"]),
    "ACU min above max": (
        {"rds_aurora_capacity_mode": "serverless", "rds_aurora_serverless_min_capacity": 4, "rds_aurora_serverless_max_capacity": 2},
        ["rds_aurora_serverless_min_capacity (4) must not be above", "rds_aurora_serverless_max_capacity (2)"],
    ),
    "ACU not a half step": (
        {"rds_aurora_capacity_mode": "serverless", "rds_aurora_serverless_min_capacity": 0.25},
        ["rds_aurora_serverless_min_capacity (0.25)"],
    ),
    "rotation period zero": ({"rds_aurora_rotation_days": 0}, ["rds_aurora_rotation_days must be a whole number of days from 1 to 1000", "got 0"]),
    "rotation period too long": ({"rds_aurora_rotation_days": 1001}, ["rds_aurora_rotation_days must be", "got 1001"]),
    "unknown engine version": ({"rds_aurora_engine_version": "12.99"}, ["rds_aurora_engine_version '12.99' is not a known Aurora PostgreSQL version"]),
    "engine version of another engine": ({"rds_aurora_engine_version": "8.0.mysql_aurora.3.05.2"}, ["rds_aurora_engine_version"]),
    "unknown capacity mode": ({"rds_aurora_capacity_mode": "burst"}, ["rds_aurora_capacity_mode"]),
    "bad instance class": ({"rds_aurora_instance_class": "r6g.large"}, ["rds_aurora_instance_class 'r6g.large' is not an instance class"]),
    "bad backup window": ({"rds_aurora_backup_window": "25:00-26:00"}, ["rds_aurora_backup_window ('25:00-26:00')"]),
    "backup retention too long": ({"rds_aurora_backup_retention_days": 36}, ["rds_aurora_backup_retention_days (36) must be 1 to 35"]),
    "reserved user name": ({"rds_aurora_master_username": "rdsadmin"}, ["rds_aurora_master_username ('rdsadmin')"]),
    "unknown password mode": ({"rds_aurora_password_mode": "plaintext"}, ["rds_aurora_password_mode"]),
}


@pytest.mark.parametrize("extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_data_tier_input_fails_before_any_api_call(extra_vars, expected):
    result = run_playbook("site.yml", dict(extra_vars, suffix="bad2", tierstack_tiers=TIERS), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)


def test_teardown_checks_the_data_tier_input_too():
    result = run_playbook("playbooks/teardown.yml", {"suffix": "bad2", "tierstack_tiers": TIERS, "rds_aurora_reader_count": 99},
                          endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, "rds_aurora_reader_count must be a whole number from 0 to 15")


def test_good_data_tier_input_does_reach_the_api():
    """The control case: with valid input the same run gets as far as calling the (absent) endpoint."""
    result = run_playbook("site.yml", {"suffix": "good2", "tierstack_tiers": TIERS}, endpoint=NO_API_ENDPOINT)
    assert result.returncode != 0
    assert reached_the_api(result), result.stdout[-2000:]
