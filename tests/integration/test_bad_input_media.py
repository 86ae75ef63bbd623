"""Bad input to the Redis, EFS, Kinesis and application-secret tiers fails before any API call, naming the variable.

The playbook runs against an endpoint where nothing listens: had any task called AWS before the checks,
the run would fail with a connection error instead of the expected message.
"""

import pytest

from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook

TIERS = ["elasticache", "efs", "kinesis", "app_secrets"]
CASES = {
    "zero shards": ({"kinesis_shard_count": 0}, ["kinesis_shard_count must be a whole number from 1 to 500", "got 0"]),
    "retention under 24 hours": ({"kinesis_retention_hours": 23}, ["kinesis_retention_hours must be", "from 24 to 8760", "got 23"]),
    "retention over 8760 hours": ({"kinesis_retention_hours": 8761}, ["kinesis_retention_hours must be", "got 8761"]),
    "not a cache node type": ({"elasticache_node_type": "db.r7g.large"}, ["elasticache_node_type 'db.r7g.large' is not a cache node type"]),
    "replicas with failover off in Multi-AZ mode": (
        {"elasticache_replica_count": 1, "elasticache_automatic_failover": False, "elasticache_multi_az": True},
        ["elasticache_automatic_failover is false while elasticache_multi_az is true"],
    ),
    "access point path not absolute": ({"efs_access_point_path": "media"}, ["efs_access_point_path must be an absolute path", "got 'media'"]),
    "IA transition AWS does not accept": ({"efs_transition_to_ia_days": 45}, ["efs_transition_to_ia_days must be one of the values AWS accepts", "got 45"]),
    "app secret given a literal value": (
        {"app_secrets_list": [{"name": "api-keys", "value": "literal-not-allowed"}]},
        ["app_secrets_list item api-keys", "no value may be given"],
    ),
}


@pytest.mark.parametrize("extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_media_tier_input_fails_before_any_api_call(extra_vars, expected):
    result = run_playbook("site.yml", dict(extra_vars, suffix="bad10", tierstack_tiers=TIERS), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)
    assert "literal-not-allowed" not in result.stdout


def test_good_media_tier_input_does_reach_the_api():
    """The control case: with valid input the same run gets as far as calling the (absent) endpoint."""
    result = run_playbook("site.yml", {"suffix": "good10", "tierstack_tiers": ["kinesis"]}, endpoint=NO_API_ENDPOINT)
    assert result.returncode != 0
    assert f"The AWS endpoint {NO_API_ENDPOINT} cannot be reached (no connection)" in result.stdout, result.stdout[-2000:]
    assert "TASK [kinesis : Check the stream tier's inputs]" in result.stdout, "the kinesis tier's checks ran and passed first"
