"""The data tier's filters (plugins/filter/tierstack_db.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tierstack.aws.plugins.filter.tierstack_db import (
    FilterModule,
    aurora_instances,
    rds_identifier,
    ssm_parameter_path,
    valid_acu,
    valid_db_name,
    valid_rds_identifier,
)


@pytest.mark.parametrize("name", ["a", "aurora-dev1", "a1-b2", "x" * 63])
def test_valid_rds_identifiers(name):
    assert valid_rds_identifier(name)


@pytest.mark.parametrize("name", ["", "1abc", "-abc", "abc-", "ab--c", "Abc", "a_b", "x" * 64, None, 5])
def test_invalid_rds_identifiers(name):
    assert not valid_rds_identifier(name)


def test_rds_identifier_builds_and_checks():
    assert rds_identifier("aurora", "dev1") == "aurora-dev1"
    assert rds_identifier("Aurora", "Dev1") == "aurora-dev1"
    with pytest.raises(AnsibleFilterError, match="at most 60 fit"):
        rds_identifier("a" * 50, "b" * 10, 3)
    assert len(rds_identifier("a" * 50, "b" * 9, 3)) == 60
    with pytest.raises(AnsibleFilterError, match="not a valid RDS identifier"):
        rds_identifier("1db", "dev")
    with pytest.raises(AnsibleFilterError, match="non-empty"):
        rds_identifier("", "dev")


def test_aurora_instances_plan():
    plan = aurora_instances("aurora-dev1", 2, "db.r6g.large")
    assert [p["identifier"] for p in plan] == ["aurora-dev1-1", "aurora-dev1-2", "aurora-dev1-3"]
    assert [p["role"] for p in plan] == ["writer", "reader", "reader"]
    assert [p["promotion_tier"] for p in plan] == [0, 0, 1]
    assert {p["instance_class"] for p in plan} == {"db.r6g.large"}
    assert len(aurora_instances("aurora-dev1", 0)) == 1
    assert aurora_instances("a", "1")[1]["instance_class"] == "db.serverless"


@pytest.mark.parametrize("count", [-1, 16])
def test_aurora_instances_reader_count_range(count):
    with pytest.raises(AnsibleFilterError, match="0 to 15 readers"):
        aurora_instances("aurora-dev1", count)


def test_aurora_instances_too_long_identifier():
    with pytest.raises(AnsibleFilterError, match="not a valid RDS identifier"):
        aurora_instances("a" * 62, 1)


def test_ssm_parameter_path():
    assert ssm_parameter_path("dev1") == "/tierstack/dev1/"
    assert ssm_parameter_path("dev1", "/org/tierstack/") == "/org/tierstack/dev1/"
    assert ssm_parameter_path("dev1", "tierstack") == "/tierstack/dev1/"
    with pytest.raises(AnsibleFilterError, match="not a valid SSM parameter path"):
        ssm_parameter_path("dev 1")
    with pytest.raises(AnsibleFilterError, match="reserved"):
        ssm_parameter_path("dev1", "/aws")
    with pytest.raises(AnsibleFilterError, match="too long or too deep"):
        ssm_parameter_path("dev1", "/" + "/".join("l" for _i in range(15)))


@pytest.mark.parametrize("value,ok", [(0, True), (0.5, True), ("1", True), (1.5, True), (256, True),
                                      (0.25, False), (-0.5, False), (256.5, False), ("x", False), (None, False)])
def test_valid_acu(value, ok):
    assert valid_acu(value) is ok


@pytest.mark.parametrize("name,ok", [("app", True), ("dbadmin", True), ("a_1", True), ("1app", False),
                                     ("app-db", False), ("", False), ("a" * 64, False), (None, False)])
def test_valid_db_name(name, ok):
    assert valid_db_name(name) is ok


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"rds_identifier", "valid_rds_identifier", "aurora_instances",
                                             "ssm_parameter_path", "valid_acu", "valid_db_name"}
