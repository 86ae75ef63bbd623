"""Pure helpers of the edge and observability modules: the comparisons that decide changed or not."""

import json

import pytest

from ansible_collections.tierstack.aws.plugins.module_utils import apigw_shape, apigw_stage
from ansible_collections.tierstack.aws.plugins.modules import (
    apigw_usage_plan,
    cloudfront_web_distribution,
    cloudwatch_alarm_set,
    cloudwatch_dashboard,
    cloudwatchlogs_retention,
)

CORS_ONE = {"enabled": True, "allow_origins": ["https://a.example.com"], "allow_methods": ["GET", "OPTIONS"],
            "allow_headers": ["Content-Type"], "max_age": 600}
CORS_TWO = dict(CORS_ONE, allow_origins=["https://a.example.com", "https://b.example.com"])


# ---- apigw_proxy_api ----------------------------------------------------------------------------


def test_proxy_methods_point_at_the_backend():
    methods = apigw_shape.desired_methods("http://alb.example.com/", 29000, False, {"enabled": False})
    assert set(methods) == {("/", "ANY"), ("/{proxy+}", "ANY")}
    assert methods[("/", "ANY")]["methodIntegration"]["uri"] == "http://alb.example.com/"
    proxy = methods[("/{proxy+}", "ANY")]
    assert proxy["methodIntegration"]["uri"] == "http://alb.example.com/{proxy}"
    assert proxy["methodIntegration"]["type"] == "HTTP_PROXY"
    assert proxy["requestParameters"] == {"method.request.path.proxy": True}


def test_cors_adds_options_and_gateway_responses():
    methods = apigw_shape.desired_methods("http://alb", 29000, True, CORS_ONE)
    assert ("/{proxy+}", "OPTIONS") in methods and ("/", "OPTIONS") in methods
    assert methods[("/", "ANY")]["apiKeyRequired"] is True
    assert methods[("/", "OPTIONS")]["apiKeyRequired"] is False
    params = methods[("/", "OPTIONS")]["methodIntegration"]["integrationResponses"]["200"]["responseParameters"]
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'https://a.example.com'"
    gw = apigw_shape.desired_gateway_responses(CORS_ONE)
    assert set(gw) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert gw["DEFAULT_4XX"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://a.example.com'"
    assert apigw_shape.desired_gateway_responses({"enabled": False}) == {}


def test_several_origins_are_echoed_from_an_allow_list():
    methods = apigw_shape.desired_methods("http://alb", 29000, False, CORS_TWO)
    template = methods[("/", "OPTIONS")]["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"]["application/json"]
    assert '"https://a.example.com","https://b.example.com"' in template
    assert "responseOverride.header.Access-Control-Allow-Origin" in template
    gw = apigw_shape.desired_gateway_responses(CORS_TWO)
    assert gw["DEFAULT_5XX"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "method.request.header.origin"
    assert gw["DEFAULT_5XX"]["gatewayresponse.header.Vary"] == "'Origin'"


def test_config_hash_changes_only_with_the_shape():
    a = apigw_shape.desired_methods("http://alb", 29000, False, CORS_ONE)
    b = apigw_shape.desired_methods("http://alb", 29000, False, CORS_ONE)
    c = apigw_shape.desired_methods("http://other", 29000, False, CORS_ONE)
    gw = apigw_shape.desired_gateway_responses(CORS_ONE)
    assert apigw_shape.config_hash(a, gw) == apigw_shape.config_hash(b, gw)
    assert apigw_shape.config_hash(a, gw) != apigw_shape.config_hash(c, gw)
    assert apigw_shape.config_hash(a, gw) != apigw_shape.config_hash(a, {})


def test_method_matches_ignores_server_defaults_and_null_templates():
    spec = apigw_shape.desired_methods("http://alb", 29000, False, CORS_ONE)[("/", "OPTIONS")]
    current = json.loads(json.dumps(spec))
    current["methodIntegration"]["cacheKeyParameters"] = []
    current["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"]["application/json"] = None
    assert apigw_shape.method_matches(spec, current)
    current["methodIntegration"]["integrationResponses"]["200"]["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"] = "'*'"
    assert not apigw_shape.method_matches(spec, current)
    assert not apigw_shape.method_matches(spec, None)


def test_method_matches_sees_an_api_key_change():
    spec = apigw_shape.desired_methods("http://alb", 29000, True, {"enabled": False})[("/", "ANY")]
    current = json.loads(json.dumps(spec))
    current["apiKeyRequired"] = False
    assert not apigw_shape.method_matches(spec, current)


STAGE = {"tracing_enabled": True, "access_log_destination_arn": "arn:aws:logs:r:1:log-group:/x", "access_log_format": "{}",
         "metrics_enabled": True, "throttling_rate_limit": 100.0, "throttling_burst_limit": 200}


def test_stage_patch_operations_from_nothing_and_when_in_sync():
    ops = apigw_stage.stage_patch_operations(STAGE, {})
    paths = {o["path"] for o in ops}
    assert paths == {"/tracingEnabled", "/accessLogSettings/destinationArn", "/accessLogSettings/format",
                     "/*/*/metrics/enabled", "/*/*/throttling/rateLimit", "/*/*/throttling/burstLimit"}
    current = {"tracingEnabled": True, "accessLogSettings": {"destinationArn": "arn:aws:logs:r:1:log-group:/x", "format": "{}"},
               "methodSettings": {"*/*": {"metricsEnabled": True, "throttlingRateLimit": 100, "throttlingBurstLimit": 200}}}
    assert apigw_stage.stage_patch_operations(STAGE, current) == []


def test_stage_patch_removes_access_logs_when_switched_off():
    current = {"accessLogSettings": {"destinationArn": "arn:x", "format": "{}"},
               "methodSettings": {"*/*": {"metricsEnabled": True, "throttlingRateLimit": 100, "throttlingBurstLimit": 200}},
               "tracingEnabled": True}
    ops = apigw_stage.stage_patch_operations(dict(STAGE, access_log_destination_arn=""), current)
    assert ops == [{"op": "remove", "path": "/accessLogSettings"}]


# ---- apigw_usage_plan ---------------------------------------------------------------------------


def test_usage_plan_patch_operations():
    desired = {"description": "d", "api_stages": [{"api_id": "a1", "stage": "prod"}],
               "throttle": {"rate_limit": 100, "burst_limit": 200}, "quota": None}
    current = {"description": "d", "apiStages": [{"apiId": "a1", "stage": "prod"}],
               "throttle": {"rateLimit": 100.0, "burstLimit": 200}}
    assert apigw_usage_plan.plan_patch_operations(desired, current) == []
    current["apiStages"] = [{"apiId": "old", "stage": "prod"}]
    current["quota"] = {"limit": 5, "period": "DAY"}
    ops = apigw_usage_plan.plan_patch_operations(desired, current)
    assert {"op": "add", "path": "/apiStages", "value": "a1:prod"} in ops
    assert {"op": "remove", "path": "/apiStages", "value": "old:prod"} in ops
    assert {"op": "remove", "path": "/quota"} in ops


# ---- cloudfront_web_distribution ----------------------------------------------------------------


def test_quantities_are_added():
    out = cloudfront_web_distribution.add_quantities({"Aliases": {"Items": []}, "Origins": {"Items": [{"Id": "a", "CustomHeaders": {"Items": [1, 2]}}]}})
    assert out["Aliases"]["Quantity"] == 0
    assert out["Origins"]["Quantity"] == 1
    assert out["Origins"]["Items"][0]["CustomHeaders"]["Quantity"] == 2


def test_differences_is_a_subset_comparison():
    desired = {"Enabled": True, "PriceClass": "PriceClass_100", "Aliases": {"Quantity": 0, "Items": []},
               "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "S3OriginConfig": {"OriginAccessIdentity": ""}}]}}
    current = {"Enabled": True, "PriceClass": "PriceClass_100", "Aliases": {"Quantity": 0},
               "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "ConnectionAttempts": 3}]}, "HttpVersion": "http2"}
    assert cloudfront_web_distribution.differences(desired, current) == []
    current["PriceClass"] = "PriceClass_All"
    assert cloudfront_web_distribution.differences(desired, current) == ["/PriceClass"]


def test_differences_compare_booleans_strictly_and_numbers_loosely():
    assert cloudfront_web_distribution.differences({"A": 1}, {"A": 1.0}) == []
    assert cloudfront_web_distribution.differences({"A": True}, {"A": 1}) == ["/A"]
    assert cloudfront_web_distribution.differences({"L": {"Items": [1, 2]}}, {"L": {"Items": [2, 1]}}) == ["/L/Items/0", "/L/Items/1"]


def test_ignored_paths():
    desired = {"Origins": {"Items": [{"Id": "s3", "OriginAccessControlId": "E1"}]}}
    current = {"Origins": {"Items": [{"Id": "s3"}]}}
    assert cloudfront_web_distribution.differences(desired, current) == ["/Origins/Items/0/OriginAccessControlId"]
    assert cloudfront_web_distribution.differences(desired, current, ignore=["Origins/Items/*/OriginAccessControlId"]) == []
    assert cloudfront_web_distribution.differences(desired, current, ignore=["Origins/Items/*/Id"]) != []


def test_merge_replaces_lists_and_merges_dicts():
    current = {"Enabled": True, "CallerReference": "x", "Logging": {"Enabled": False, "Bucket": ""},
               "Origins": {"Quantity": 2, "Items": [{"Id": "a"}, {"Id": "b"}]}}
    merged = cloudfront_web_distribution.merge_config(current, {"Enabled": False, "Origins": {"Quantity": 1, "Items": [{"Id": "a"}]}})
    assert merged["CallerReference"] == "x"
    assert merged["Enabled"] is False
    assert merged["Origins"] == {"Quantity": 1, "Items": [{"Id": "a"}]}
    assert current["Enabled"] is True, "the current config must not be changed in place"


# ---- cloudwatch_dashboard -----------------------------------------------------------------------


def test_dashboard_bodies_compare_as_json():
    a = cloudwatch_dashboard.normalise_body('{"widgets": [{"x": 0, "y": 0}], "start": "-PT6H"}')
    b = cloudwatch_dashboard.normalise_body({"start": "-PT6H", "widgets": [{"y": 0, "x": 0}]})
    assert a == b
    assert a != cloudwatch_dashboard.normalise_body({"start": "-PT3H", "widgets": [{"y": 0, "x": 0}]})
    with pytest.raises(ValueError):
        cloudwatch_dashboard.normalise_body("{not json")
    with pytest.raises(TypeError):
        cloudwatch_dashboard.normalise_body(42)


# ---- cloudwatch_alarm_set -----------------------------------------------------------------------


def test_alarm_normalisation():
    alarm = cloudwatch_alarm_set.normalise_alarm({"AlarmName": "a", "Dimensions": {"B": "2", "A": 1}, "Threshold": 5,
                                                  "Metrics": [{"Id": "m", "MetricStat": {"Metric": {"Dimensions": {"X": "y"}}}}]})
    assert alarm["Dimensions"] == [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]
    assert alarm["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "X", "Value": "y"}]
    assert alarm["Threshold"] == 5.0
    assert alarm["AlarmActions"] == [] and alarm["ActionsEnabled"] is True and alarm["TreatMissingData"] == "missing"


def test_alarm_differences_see_metric_math_changes():
    desired = cloudwatch_alarm_set.normalise_alarm({
        "AlarmName": "a", "Threshold": 5, "EvaluationPeriods": 3, "ComparisonOperator": "GreaterThanThreshold",
        "Metrics": [{"Id": "rate", "Expression": "100 * e / r", "ReturnData": True}]})
    current = dict(desired, AlarmArn="arn", StateValue="OK", OKActions=None,
                   Metrics=[{"Id": "rate", "Expression": "100 * e / r", "ReturnData": True, "Label": "x"}])
    current.pop("InsufficientDataActions")
    assert cloudwatch_alarm_set.alarm_differences(desired, current) == []
    current["Metrics"] = [{"Id": "rate", "Expression": "50 * e / r", "ReturnData": True}]
    assert cloudwatch_alarm_set.alarm_differences(desired, current) == ["/Metrics/0/Expression"]


def test_alarm_dimension_order_does_not_matter():
    desired = {"Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]}
    current = {"Dimensions": [{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}]}
    assert cloudwatch_alarm_set.alarm_differences(desired, current) == []


# ---- cloudwatchlogs_retention -------------------------------------------------------------------


def test_log_groups_selected_by_suffix():
    groups = [{"logGroupName": n} for n in ("/ecs/frontend-ed1", "/ecs/frontend-ed10", "/aws/rds/cluster/aurora-ed1/postgresql",
                                            "/aws/lambda/rotate-ed1", "/ecs/frontend-ed1")]
    names = [g["logGroupName"] for g in cloudwatchlogs_retention.select_groups(groups, r"-ed1(/|$)")]
    assert names == ["/aws/lambda/rotate-ed1", "/aws/rds/cluster/aurora-ed1/postgresql", "/ecs/frontend-ed1"]
    assert len(cloudwatchlogs_retention.select_groups(groups, "")) == 4
