"""tierstack.aws.ssm_parameter_set: the plan of writes, a pure function."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.modules.ssm_parameter_set import leaf, plan


def test_unchanged_values_plan_nothing():
    current = {"VpcId": "vpc-1", "VpcCidr": "10.0.0.0/16"}
    assert plan(current, set(current), set(current), dict(current), "present") == ([], [], [], [])


def test_create_update_retag_delete():
    current = {"VpcId": "vpc-1", "Old": "x", "Other": "y", "Bare": "b"}
    owned = {"VpcId", "Old", "Bare"}  # Other belongs to another tier
    tagged = {"VpcId", "Old", "Other"}  # Bare lacks a tag
    wanted = {"VpcId": "vpc-2", "New": "n", "Bare": "b", "Empty": ""}
    assert plan(current, owned, tagged, wanted, "present") == (["New"], ["VpcId"], ["Bare"], ["Old"])


def test_an_empty_value_deletes_an_owned_parameter():
    current = {"IsolatedSubnetIds": "subnet-1"}
    assert plan(current, {"IsolatedSubnetIds"}, set(current), {"IsolatedSubnetIds": ""}, "present") == ([], [], [], ["IsolatedSubnetIds"])


def test_absent_deletes_only_the_owned_parameters():
    current = {"VpcId": "vpc-1", "ALBArn": "arn"}
    assert plan(current, {"VpcId", "Gone"}, set(), {}, "absent") == ([], [], [], ["VpcId"])


def test_a_parameter_named_with_an_empty_value_is_deleted_even_when_not_owned():
    """Parameters written before their owner tag existed (an older deploy) are still removed by name."""
    current = {"port": "5432", "db_name": "app", "lock": "x"}
    assert plan(current, set(), set(), {"port": "", "db_name": "", "gone": ""}, "present") == ([], [], [], ["db_name", "port"])


def test_absent_also_deletes_the_named_parameters():
    current = {"port": "5432", "db_name": "app", "lock": "x", "tagged": "t"}
    assert plan(current, {"tagged"}, set(), {"port": "", "db_name": ""}, "absent") == ([], [], [], ["db_name", "port", "tagged"])


def test_leaf():
    assert leaf("/tierstack/dev1/outputs/VpcId") == "VpcId"
