"""Pure helpers of the container tier's modules: the comparisons that decide changed or not."""

import pytest

from ansible_collections.tierstack.aws.plugins.modules import (
    alb_listener,
    alb_traffic_weights,
    app_autoscaling_policy,
    ecr_tag,
    ecs_task_family,
    fargate_cluster,
    fargate_service,
)

BLUE = "arn:aws:elasticloadbalancing:r:1:targetgroup/b-blue-x/1"
GREEN = "arn:aws:elasticloadbalancing:r:1:targetgroup/b-green-x/2"


def _weighted(blue, green):
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": GREEN, "Weight": green}, {"TargetGroupArn": BLUE, "Weight": blue}]}}


# ---- alb_listener -------------------------------------------------------------------------------


def test_plain_and_weighted_forwards_compare_equal():
    plain = alb_listener.canonical_action({"Type": "forward", "TargetGroupArn": BLUE})
    weighted = alb_listener.desired_action({"type": "forward", "target_groups": [{"target_group_arn": BLUE, "weight": 1}]})
    assert plain == weighted


def test_api_action_round_trips():
    want = alb_listener.desired_action({"type": "forward", "target_groups": [{"target_group_arn": GREEN, "weight": 0},
                                                                             {"target_group_arn": BLUE, "weight": 100}]})
    assert alb_listener.canonical_action(alb_listener.api_action(want)) == want
    redirect = alb_listener.desired_action({"type": "redirect"})
    assert redirect == {"type": "redirect", "redirect_protocol": "HTTPS", "redirect_port": "443", "status_code": "HTTP_301"}
    assert alb_listener.canonical_action(alb_listener.api_action(redirect)) == redirect


def test_keep_weights_only_for_the_same_target_groups():
    want = alb_listener.desired_action({"type": "forward", "target_groups": [{"target_group_arn": BLUE, "weight": 100},
                                                                             {"target_group_arn": GREEN, "weight": 0}]})
    current = alb_listener.canonical_action(_weighted(90, 10))
    assert alb_listener.keep_current_weights(want, current) == current
    other = alb_listener.canonical_action({"Type": "forward", "TargetGroupArn": "arn:other"})
    assert alb_listener.keep_current_weights(want, other) == want
    assert alb_listener.keep_current_weights(want, None) == want


def test_fixed_responses_round_trip_and_compare():
    want = alb_listener.desired_action(
        {"type": "fixed-response", "fixed_response": {"status_code": "404", "content_type": "text/plain", "message_body": "Not Found"}})
    assert want == {"type": "fixed-response", "status_code": "404", "content_type": "text/plain", "message_body": "Not Found"}
    api = alb_listener.api_action(want)
    assert api == {"Type": "fixed-response",
                   "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "Not Found"}}
    assert alb_listener.canonical_action(api) == want
    # An empty body is not sent, and an absent one reads back as empty.
    bare = alb_listener.desired_action({"type": "fixed-response", "fixed_response": {"status_code": 503}})
    assert alb_listener.api_action(bare) == {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}
    assert alb_listener.canonical_action(alb_listener.api_action(bare)) == bare


def test_plan_rules_with_a_fixed_response_rule():
    fixed = {"status_code": "403", "content_type": "text/plain", "message_body": "no"}
    want = WANT + [{"priority": 20, "path_patterns": ["/admin/*"], "fixed_response": fixed}]
    create = alb_listener.plan_rules([], want, True, True)[0]
    assert create[1]["action"]["type"] == "fixed-response"
    admin = {"Type": "fixed-response",
             "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "no"}}
    current = [_rule(10, ["/api/*"], _weighted(100, 0)), _rule(20, ["/admin/*"], admin)]
    assert alb_listener.plan_rules(current, want, True, True)[:3] == ([], [], [])
    changed = [dict(want[0]), dict(want[1], fixed_response=dict(fixed, message_body="gone"))]
    assert [r["priority"] for r in alb_listener.plan_rules(current, changed, True, True)[1]] == [20]


def _rule(prio, paths, action, arn="arn:rule"):
    return {"RuleArn": f"{arn}/{prio}", "Priority": str(prio), "IsDefault": False,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": paths}}], "Actions": [action]}


WANT = [{"priority": 10, "path_patterns": ["/api/*"], "target_groups": [{"target_group_arn": BLUE, "weight": 100}, {"target_group_arn": GREEN, "weight": 0}]}]


def test_plan_rules_creates_missing_and_leaves_matching_alone():
    create, modify, delete, _final = alb_listener.plan_rules([], WANT, True, True)
    assert [r["priority"] for r in create] == [10] and not modify and not delete
    current = [_rule(10, ["/api/*"], _weighted(100, 0)), {"RuleArn": "d", "Priority": "default", "IsDefault": True, "Actions": []}]
    create, modify, delete, final = alb_listener.plan_rules(current, WANT, True, True)
    assert (create, modify, delete) == ([], [], [])
    assert final[0]["arn"] == "arn:rule/10"


def test_plan_rules_keeps_a_traffic_switch_but_fixes_paths():
    current = [_rule(10, ["/api/*"], _weighted(80, 20))]
    assert alb_listener.plan_rules(current, WANT, True, True)[:3] == ([], [], [])
    _create, modify, _delete, _final = alb_listener.plan_rules(current, WANT, True, False)
    assert len(modify) == 1  # without keep_weights the weights are reset
    moved = [_rule(10, ["/v1/*"], _weighted(80, 20))]
    _create, modify, _delete, _final = alb_listener.plan_rules(moved, WANT, True, True)
    assert modify[0]["path_patterns"] == ["/api/*"] and modify[0]["action"]["target_groups"][0]["weight"] in (80, 20)


def test_plan_rules_purges_unknown_priorities_only_when_asked():
    current = [_rule(10, ["/api/*"], _weighted(100, 0)), _rule(99, ["/old/*"], _weighted(100, 0))]
    assert alb_listener.plan_rules(current, WANT, True, True)[2] == ["arn:rule/99"]
    assert alb_listener.plan_rules(current, WANT, False, True)[2] == []


# ---- alb_traffic_weights ------------------------------------------------------------------------


def test_find_route_and_percent():
    rules = [{"RuleArn": "r1", "Actions": [{"Type": "forward", "TargetGroupArn": "arn:other"}]}, {"RuleArn": "r2", "Actions": [_weighted(75, 25)]}]
    rule, groups = alb_traffic_weights.find_route(rules, BLUE, GREEN)
    assert rule["RuleArn"] == "r2" and groups == {BLUE: 75, GREEN: 25}
    assert alb_traffic_weights.green_percent(groups, BLUE, GREEN) == 25
    assert alb_traffic_weights.green_percent({BLUE: 1}, BLUE, GREEN) == 0
    assert alb_traffic_weights.find_route(rules[:1], BLUE, GREEN) == (None, None)


# ---- fargate_service ----------------------------------------------------------------------------


def _params(**over):
    p = dict(task_definition="backend-x:3", desired_count=2, platform_version="LATEST", subnets=["s2", "s1"], security_groups=["sg-1"],
             assign_public_ip=False, load_balancers=[{"target_group_arn": BLUE, "container_name": "backend", "container_port": 5000}],
             minimum_healthy_percent=100, maximum_percent=200, circuit_breaker=True, rollback=True, propagate_tags="SERVICE",
             enable_execute_command=False, health_check_grace_period=60,
             capacity_provider_strategy=[{"capacity_provider": "FARGATE", "weight": 1, "base": 0}], launch_type=None)
    p.update(over)
    return p


def _described(**over):
    svc = {"taskDefinition": "arn:aws:ecs:r:1:task-definition/backend-x:3", "desiredCount": 2, "platformVersion": "LATEST",
           "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["s1", "s2"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
           "loadBalancers": [{"targetGroupArn": BLUE, "containerName": "backend", "containerPort": 5000}],
           "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200, "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
           "healthCheckGracePeriodSeconds": 60, "propagateTags": "SERVICE", "enableExecuteCommand": False,
           "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]}
    svc.update(over)
    return svc


def _diff(params, described, preserve=True):
    return fargate_service.differences(fargate_service.desired_view(params), fargate_service.existing_view(described), preserve)


def test_same_service_has_no_difference():
    assert _diff(_params(), _described()) == []


@pytest.mark.parametrize("over, key", [
    ({"taskDefinition": "arn:aws:ecs:r:1:task-definition/backend-x:2"}, "task_definition"),
    ({"deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200,
                                  "deploymentCircuitBreaker": {"enable": True, "rollback": False}}}, "deployment"),
    ({"healthCheckGracePeriodSeconds": 0}, "health_check_grace_period"),
    ({"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}, "capacity_provider_strategy"),
    ({"propagateTags": "NONE"}, "propagate_tags"),
])
def test_each_changed_setting_is_detected(over, key):
    assert _diff(_params(), _described(**over)) == [key]


def test_desired_count_is_left_to_autoscaling_when_preserved():
    assert _diff(_params(), _described(desiredCount=7)) == []
    assert _diff(_params(), _described(desiredCount=7), preserve=False) == ["desired_count"]


def test_settings_the_endpoint_does_not_describe_are_not_compared():
    described = _described(launchType="EC2")
    for key in ("deploymentConfiguration", "healthCheckGracePeriodSeconds", "capacityProviderStrategy"):
        described.pop(key)
    assert _diff(_params(), described) == []
    # but a real Fargate launch type asked to move to a strategy is a change
    fargate = _described(launchType="FARGATE")
    fargate.pop("capacityProviderStrategy")
    assert _diff(_params(), fargate) == ["capacity_provider_strategy"]


# ---- fargate_cluster, autoscaling, task families, ECR tags -------------------------------------


def test_cluster_view_and_strategy_normalisation():
    view = fargate_cluster.cluster_view({"settings": [{"name": "containerInsights", "value": "enabled"}], "capacityProviders": ["FARGATE_SPOT", "FARGATE"],
                                         "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 70},
                                                                             {"capacityProvider": "FARGATE", "weight": 30, "base": 1}],
                                         "tags": [{"key": "a", "value": "b"}]})
    assert view["container_insights"] == "enabled" and view["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert view["default_capacity_provider_strategy"] == fargate_cluster.normalise_strategy(
        [{"capacity_provider": "FARGATE", "weight": 30, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 70, "base": 0}])
    assert fargate_cluster.cluster_view({})["container_insights"] == "disabled"


def test_scaling_policy_numbers_compare_by_value():
    described = {"TargetValue": 70.0, "ScaleOutCooldown": 60, "DisableScaleIn": True, "PredefinedMetricSpecification": {"PredefinedMetricType": "X"}}
    asked = {"TargetValue": "70.0", "ScaleOutCooldown": "60", "DisableScaleIn": True, "PredefinedMetricSpecification": {"PredefinedMetricType": "X"}}
    assert app_autoscaling_policy.normalise(described) == app_autoscaling_policy.normalise(asked)
    assert app_autoscaling_policy.normalise({"TargetValue": 70}) != app_autoscaling_policy.normalise({"TargetValue": "60"})
    assert app_autoscaling_policy.find_policy([{"PolicyName": "a"}, {"PolicyName": "b"}], "b") == {"PolicyName": "b"}


def test_task_family_keeps_the_newest_revisions():
    arns = [f"arn:aws:ecs:r:1:task-definition/f:{n}" for n in (1, 10, 2, 3)]
    keep, drop = ecs_task_family.split_revisions(arns, 2)
    assert keep == [arns[1], arns[3]] and sorted(drop) == sorted([arns[0], arns[2]])
    assert ecs_task_family.split_revisions(arns, 0) == ([], sorted(arns, key=lambda a: -int(a.rsplit(":", 1)[1])))


def test_ecr_tag_plan():
    to_set, to_remove, result = ecr_tag.plan_tags({"a": "1", "old": "x"}, {"a": "2", "b": "3"}, "present", False)
    assert to_set == {"a": "2", "b": "3"} and to_remove == [] and result == {"a": "2", "b": "3", "old": "x"}
    assert ecr_tag.plan_tags({"a": "1", "old": "x"}, {"a": "1"}, "present", True)[1] == ["old"]
    assert ecr_tag.plan_tags({"a": "1"}, {"a": "1"}, "present", False)[:2] == ({}, [])
    assert ecr_tag.plan_tags({"a": "1", "b": "2"}, {"a": "1", "b": "other"}, "absent", False)[1] == ["a"]


def test_find_routes_finds_every_rule_of_a_service():
    """A service reached by several path rules (the flask_api profile's /api/* and /health) moves them all."""
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}
    rules = [{"RuleArn": "r1", "Actions": [_weighted(100, 0)]}, {"RuleArn": "r2", "Actions": [_weighted(90, 10)]},
             {"RuleArn": "d", "IsDefault": True, "Actions": [fixed]}]
    assert [r["RuleArn"] for r, _weights in alb_traffic_weights.find_routes(rules, BLUE, GREEN)] == ["r1", "r2"]
    assert alb_traffic_weights.find_routes(rules[2:], BLUE, GREEN) == []
