"""Bad input to the cloudfront, apigw, cloudwatch and (WAF of the) alb roles fails before any API call, naming the variable.

The playbook runs against an endpoint where nothing listens: had any task called AWS before the
checks, the run would fail with a connection error instead of the expected message.
"""

import pytest

from tierstack.testing import NO_API_ENDPOINT, assert_fails_before_any_api_call, run_playbook, reached_the_api

ALB = "alb-bad1-123.ap-southeast-1.elb.amazonaws.com"
EDGE = {"suffix": "bad1", "cloudfront_origin_domain": ALB, "apigw_origin_domain": ALB}

CASES = {
    "CORS origin with a path": (
        ["apigw"], {"apigw_cors_allow_origins": ["https://app.example.com/"]}, ["apigw_cors_allow_origins must be"]),
    "CORS origin without a scheme": (
        ["apigw"], {"apigw_cors_allow_origins": ["app.example.com"]}, ["apigw_cors_allow_origins must be"]),
    "CORS wildcard mixed with origins": (
        ["apigw"], {"apigw_cors_allow_origins": ["*", "https://app.example.com"]}, ["apigw_cors_allow_origins must be"]),
    "CORS origins not a list": (["apigw"], {"apigw_cors_allow_origins": "https://app.example.com"}, ["apigw_cors_allow_origins"]),
    "empty CORS origin list": (["apigw"], {"apigw_cors_allow_origins": []}, ["apigw_cors_allow_origins must be"]),
    "WAF rate limit under the minimum": (
        ["apigw"], {"apigw_waf_rate_limit": 9}, ["apigw_waf_rate_limit must be from 10", "got 9"]),
    "WAF window AWS does not offer": (["apigw"], {"apigw_waf_rate_window_sec": 30}, ["apigw_waf_rate_window_sec"]),
    "ALB WAF rate limit under the minimum": (
        ["alb"], {"alb_waf_enabled": True, "alb_waf_rate_limit": 9}, ["alb_waf_rate_limit must be from 10", "got 9"]),
    "ALB WAF window AWS does not offer": (["alb"], {"alb_waf_enabled": True, "alb_waf_rate_window_sec": 30}, ["alb_waf_rate_window_sec"]),
    "unknown price class": (
        ["cloudfront"], {"cloudfront_price_class": "PriceClass_50"}, ["cloudfront_price_class 'PriceClass_50' is not a CloudFront price class"]),
    "CloudFront WAF rate limit under the minimum": (
        ["cloudfront"], {"cloudfront_waf_enabled": True, "cloudfront_waf_rate_limit": 5}, ["cloudfront_waf_rate_limit must be from 10"]),
    "error page not a path": (
        ["cloudfront"], {"cloudfront_error_responses": [{"error_code": 404, "response_code": 404, "page": "404.html", "ttl": 10}]},
        ["cloudfront_error_responses items need"]),
    "no ALB for CloudFront": (["cloudfront"], {"cloudfront_origin_domain": ""}, ["cloudfront_origin_domain is ''", "run the alb tier first"]),
    "no ALB for API Gateway": (["apigw"], {"apigw_origin_domain": ""}, ["apigw_origin_domain is ''"]),
    "ALB name not a host name": (["apigw"], {"apigw_origin_domain": "http://alb"}, ["apigw_origin_domain is 'http://alb'"]),
    "certificate outside us-east-1": (
        ["cloudfront"], {"cloudfront_aliases": ["www.example.com"],
                         "cloudfront_acm_certificate_arn": "arn:aws:acm:ap-southeast-1:123456789012:certificate/abc"},
        ["cloudfront_aliases and cloudfront_acm_certificate_arn go together"]),
    "log retention CloudWatch does not offer": (
        ["cloudwatch"], {"cloudwatch_sections": [], "cloudwatch_log_retention_days": 31}, ["cloudwatch_log_retention_days (31"]),
    "unknown dashboard section": (["cloudwatch"], {"cloudwatch_sections": ["lambda"]}, ["cloudwatch_sections may hold only"]),
    "no ALB ARN for the dashboard": (
        ["cloudwatch"], {"cloudwatch_sections": ["alb"]}, ["cloudwatch_alb_arn '' is not an application load balancer ARN"]),
    "no database for the dashboard": (["cloudwatch"], {"cloudwatch_sections": ["rds"]}, ["cloudwatch_rds_cluster_identifier is empty"]),
    "alarm on a metric the role does not know": (
        ["cloudwatch"], {"cloudwatch_sections": [], "cloudwatch_alarms": [
            {"name": "errors", "metric": "lambda_errors", "threshold": 1, "comparison": "GreaterThanThreshold"}]},
        ["cloudwatch_alarms"]),
    "alarm with more datapoints than periods": (
        ["cloudwatch"], {"cloudwatch_sections": [], "cloudwatch_alarms": [
            {"name": "cpu", "metric": "ecs_cpu", "threshold": 80, "comparison": "GreaterThanThreshold",
             "evaluation_periods": 2, "datapoints_to_alarm": 3}]},
        ["An alarm of cloudwatch_alarms is invalid", "datapoints_to_alarm"]),
    "bad alarm e-mail": (["cloudwatch"], {"cloudwatch_sections": [], "cloudwatch_alarm_emails": ["ops"]}, ["cloudwatch_alarm_emails (['ops'])"]),
}


@pytest.mark.parametrize("tiers,extra_vars,expected", list(CASES.values()), ids=list(CASES))
def test_bad_input_fails_before_any_api_call(tiers, extra_vars, expected):
    result = run_playbook("site.yml", dict(EDGE, tierstack_tiers=tiers, **extra_vars), endpoint=NO_API_ENDPOINT)
    assert_fails_before_any_api_call(result, *expected)


def test_inputs_an_earlier_tier_publishes_may_be_empty_at_validation():
    """With the alb tier earlier in the run, an empty ALB name passes validation (the alb tier publishes it)."""
    result = run_playbook(
        "site.yml",
        {"suffix": "bad1", "tierstack_tiers": ["alb", "cloudfront", "apigw", "cloudwatch"], "cloudwatch_sections": ["alb", "apigw", "cloudfront"]},
        endpoint=NO_API_ENDPOINT,
    )
    assert result.returncode != 0
    assert "cloudfront_origin_domain is ''" not in result.stdout
    assert "apigw_origin_domain is ''" not in result.stdout
    assert "is not an application load balancer ARN" not in result.stdout
    assert "needs the target group ARNs" not in result.stdout
    assert "PLAY [Deploy the stack tier by tier]" in result.stdout, "validation should have passed"


@pytest.mark.parametrize("tiers", [["cloudfront"], ["apigw"], ["cloudwatch"]])
def test_good_input_does_reach_the_api(tiers):
    """The control case: with valid input the same run gets as far as calling the (absent) endpoint."""
    extra = {"cloudwatch_sections": []} if tiers == ["cloudwatch"] else {}
    result = run_playbook("site.yml", dict(EDGE, tierstack_tiers=tiers, **extra), endpoint=NO_API_ENDPOINT)
    assert result.returncode != 0
    assert reached_the_api(result), result.stdout[-2000:]
