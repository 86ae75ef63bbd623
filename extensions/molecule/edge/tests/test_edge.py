"""Read the edge, API and observability tiers back from the endpoint and compare them with what the roles promise."""

import json

SUFFIX = "ed9"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
REQUIRED_TAGS = {"Environment": SUFFIX, "Project": "tierstack", "ManagedBy": "ansible-tierstack"}


def _has_tags(tags):
    return all(tags.get(k) == v for k, v in REQUIRED_TAGS.items())


# --- outputs and SSM -------------------------------------------------------------


def test_outputs_has_edge_keys(outputs):
    assert outputs["CloudFrontURL"] == "https://" + outputs["CloudFrontDomainName"]
    assert outputs["APIGatewayEndpoint"] == (
        f"https://{outputs['APIGatewayId']}.execute-api.ap-southeast-1.amazonaws.com/prod"
    )
    assert outputs["DashboardName"] == f"tierstack-{SUFFIX}"
    assert outputs["AlarmTopicArn"].endswith(f":alarms-{SUFFIX}")
    assert ":regional/webacl/" in outputs["WebACLArn"]


def test_ssm_parameters(aws, outputs):
    ssm = aws("ssm")
    got = {
        p["Name"]: p["Value"]
        for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=f"/tierstack/{SUFFIX}")
        for p in page["Parameters"]
    }
    assert got[f"/tierstack/{SUFFIX}/cloudfront-domain"] == outputs["CloudFrontDomainName"]
    assert got[f"/tierstack/{SUFFIX}/alb-dns-name"] == outputs["ALBDNSName"]
    assert got[f"/tierstack/{SUFFIX}/api-url"] == outputs["APIGatewayEndpoint"]


# --- CloudFront ---------------------------------------------------------------------


def _distribution(aws, outputs):
    cf = aws("cloudfront", "us-east-1")
    return cf, cf.get_distribution_config(Id=outputs["CloudFrontDistributionId"])["DistributionConfig"]


def test_distribution_origin_is_the_alb_with_origin_shield(aws, outputs):
    _cf, cfg = _distribution(aws, outputs)
    assert cfg["Enabled"] is True
    assert cfg["Comment"] == f"tierstack {SUFFIX}"
    origin = cfg["Origins"]["Items"][0]
    assert origin["DomainName"] == outputs["ALBDNSName"]
    assert origin["OriginShield"] == {"Enabled": True, "OriginShieldRegion": "ap-southeast-1"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"


def test_distribution_behaviours(aws, outputs):
    _cf, cfg = _distribution(aws, outputs)
    default = cfg["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == CACHING_DISABLED
    assert set(default["AllowedMethods"]["Items"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
    static = {b["PathPattern"]: b for b in cfg["CacheBehaviors"]["Items"]}
    assert set(static) == {"/static/*", "/assets/*"}
    for b in static.values():
        assert b["CachePolicyId"] == CACHING_OPTIMIZED
        assert b["Compress"] is True
        assert b["ViewerProtocolPolicy"] == "redirect-to-https"


def test_distribution_error_pages_and_price_class(aws, outputs):
    _cf, cfg = _distribution(aws, outputs)
    errors = {e["ErrorCode"]: e for e in cfg["CustomErrorResponses"]["Items"]}
    assert set(errors) == {403, 404, 500, 502, 503, 504}
    assert errors[404]["ResponsePagePath"] == "/errors/404.html"
    assert errors[503]["ResponsePagePath"] == "/errors/5xx.html"
    assert all(e["ErrorCachingMinTTL"] <= 10 for e in errors.values())
    assert cfg["PriceClass"] == "PriceClass_200"


def test_distribution_tags(aws, outputs):
    cf, _cfg = _distribution(aws, outputs)
    arn = cf.get_distribution(Id=outputs["CloudFrontDistributionId"])["Distribution"]["ARN"]
    tags = {t["Key"]: t["Value"] for t in cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"]}
    assert _has_tags(tags)


# --- API Gateway --------------------------------------------------------------------


def test_api_is_regional_proxy_to_alb(aws, outputs):
    ag = aws("apigateway")
    api = ag.get_rest_api(restApiId=outputs["APIGatewayId"])
    assert api["name"] == f"api-{SUFFIX}"
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    resources = {r["path"]: r for r in ag.get_resources(restApiId=api["id"], embed=["methods"])["items"]}
    assert set(resources) == {"/", "/{proxy+}"}
    for path, suffix in (("/", "/"), ("/{proxy+}", "/{proxy}")):
        methods = resources[path]["resourceMethods"]
        assert set(methods) == {"ANY", "OPTIONS"}
        integ = ag.get_integration(restApiId=api["id"], resourceId=resources[path]["id"], httpMethod="ANY")
        assert integ["type"] == "HTTP_PROXY"
        assert integ["uri"] == f"http://{outputs['ALBDNSName']}{suffix}"


def test_api_cors(aws, outputs):
    ag = aws("apigateway")
    api_id = outputs["APIGatewayId"]
    proxy = [r for r in ag.get_resources(restApiId=api_id)["items"] if r["path"] == "/{proxy+}"][0]
    resp = ag.get_integration_response(restApiId=api_id, resourceId=proxy["id"], httpMethod="OPTIONS", statusCode="200")
    params = resp["responseParameters"]
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
    assert "https://admin.example.com" in resp["responseTemplates"]["application/json"]
    assert params["method.response.header.Vary"] == "'Origin'"
    gateway = {g["responseType"]: g for g in ag.get_gateway_responses(restApiId=api_id)["items"]}
    for rtype in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert "gatewayresponse.header.Access-Control-Allow-Origin" in gateway[rtype]["responseParameters"]


def test_stage_logs_metrics_throttling_xray(aws, outputs):
    ag = aws("apigateway")
    stage = ag.get_stage(restApiId=outputs["APIGatewayId"], stageName="prod")
    assert stage["tracingEnabled"] is True
    assert stage["accessLogSettings"]["destinationArn"].endswith(f":log-group:/aws/apigateway/api-{SUFFIX}/access")
    assert json.loads(stage["accessLogSettings"]["format"])["ip"] == "$context.identity.sourceIp"
    settings = stage["methodSettings"]["*/*"]
    assert settings["metricsEnabled"] is True
    assert settings["throttlingRateLimit"] == 1000.0
    assert settings["throttlingBurstLimit"] == 2000
    deployment = ag.get_deployment(restApiId=outputs["APIGatewayId"], deploymentId=stage["deploymentId"])
    assert deployment["description"].startswith("tierstack sha256:")
    assert len(ag.get_deployments(restApiId=outputs["APIGatewayId"])["items"]) == 1, "a re-run must not deploy again"


def test_access_log_group_keeps_30_days(aws):
    logs = aws("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/apigateway/api-{SUFFIX}/")["logGroups"]
    assert [g["retentionInDays"] for g in groups] == [30]


def test_usage_plan_and_key(aws, outputs):
    ag = aws("apigateway")
    plan = ag.get_usage_plan(usagePlanId=outputs["APIGatewayUsagePlanId"])
    assert plan["apiStages"] == [{"apiId": outputs["APIGatewayId"], "stage": "prod"}]
    assert plan["throttle"]["rateLimit"] == 100.0
    keys = ag.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [k["name"] for k in keys] == [f"client-{SUFFIX}"]
    key = ag.get_api_key(apiKey=keys[0]["id"])
    assert key["enabled"] is True
    assert _has_tags(key.get("tags") or {})


def test_waf_per_ip_rate_rule_on_the_stage(aws, outputs):
    waf = aws("wafv2")
    arn = outputs["WebACLArn"]
    name, acl_id = arn.split("/")[-2:]
    acl = waf.get_web_acl(Name=name, Scope="REGIONAL", Id=acl_id)["WebACL"]
    rule = [r for r in acl["Rules"] if r["Name"] == "per-ip-rate-limit"][0]
    stmt = rule["Statement"]["RateBasedStatement"]
    assert stmt["Limit"] == 1000
    assert stmt["AggregateKeyType"] == "IP"
    assert stmt["EvaluationWindowSec"] == 60
    assert "Block" in rule["Action"]
    stage_arn = f"arn:aws:apigateway:ap-southeast-1::/restapis/{outputs['APIGatewayId']}/stages/prod"
    assert waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == arn


# --- CloudWatch ---------------------------------------------------------------------


def test_dashboard_widgets(aws, outputs):
    cw = aws("cloudwatch")
    body = json.loads(cw.get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    for expected in (
        "ALB target response time (s)",
        "Error rate per service (%)",
        "Requests per target group",
        "Healthy hosts per target group",
        "ECS CPU per service (%)",
        "ECS memory per service (%)",
        "ECS running tasks per service",
        "Aurora connections and CPU",
        "Aurora read and write latency (s)",
        "API Gateway requests and errors",
        "API Gateway latency (ms)",
        "CloudFront requests and error rate",
    ):
        assert expected in titles
    by_title = {w["properties"]["title"]: w["properties"] for w in body["widgets"]}
    stats = [m[-1]["stat"] for m in by_title["ALB target response time (s)"]["metrics"]]
    assert stats == ["p50", "p95", "p99"]
    assert by_title["ALB target response time (s)"]["metrics"][0][3] == "app/alb-ed9/50dc6c495c0c9188"
    exprs = [m[0]["expression"] for m in by_title["Error rate per service (%)"]["metrics"] if isinstance(m[0], dict)]
    assert len(exprs) == 3  # frontend, backend, ALB
    healthy = by_title["Healthy hosts per target group"]["metrics"]
    assert {m[3] for m in healthy} == {
        "targetgroup/frontend-blue-ed9/73e2d6bc24d8a067",
        "targetgroup/frontend-green-ed9/83e2d6bc24d8a067",
        "targetgroup/backend-blue-ed9/93e2d6bc24d8a067",
        "targetgroup/backend-green-ed9/a3e2d6bc24d8a067",
    }
    assert by_title["CloudFront requests and error rate"]["region"] == "us-east-1"


def test_alarms(aws, outputs):
    cw = aws("cloudwatch")
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix="cw-")["MetricAlarms"] if a["AlarmName"].endswith(f"-{SUFFIX}")}
    expected = {
        f"cw-{n}-{SUFFIX}"
        for n in (
            "frontend-cpu-high", "backend-cpu-high", "frontend-tasks-low", "backend-tasks-low",
            "alb-5xx-rate", "frontend-unhealthy-hosts", "backend-unhealthy-hosts", "db-cpu-high", "db-connections-high",
        )
    }
    assert set(alarms) == expected
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [outputs["AlarmTopicArn"]]
        tags = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        assert _has_tags(tags)
    rate = alarms[f"cw-alb-5xx-rate-{SUFFIX}"]
    assert [m["Id"] for m in rate["Metrics"] if m.get("ReturnData")] == ["rate"]
    tasks = alarms[f"cw-backend-tasks-low-{SUFFIX}"]
    assert tasks["ComparisonOperator"] == "LessThanThreshold"
    assert len([m for m in tasks["Metrics"] if "MetricStat" in m]) == 2  # blue and green services


def test_alarm_topic_has_the_email_subscription(aws, outputs):
    sns = aws("sns")
    subs = sns.list_subscriptions_by_topic(TopicArn=outputs["AlarmTopicArn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "ops@example.com")]
