"""The edge and observability modules against the emulator: idempotence, check mode, and safe deletion.

Each test runs a small playbook with the module and reads the result back with boto3.
"""

from __future__ import annotations

import json
import uuid

import pytest
import yaml

from tierstack.testing import client, run_playbook

REGION = "ap-southeast-1"


@pytest.fixture
def play(endpoint, tmp_path):
    """Run tasks on localhost with the emulator's module defaults; returns (returncode, per-task results)."""

    def run(tasks, check=False):
        book = [{
            "hosts": "tierstack",
            "gather_facts": False,
            "vars": {"tierstack_region": REGION},
            "module_defaults": {"group/tierstack.aws.aws": "{{ tierstack_aws_module_defaults }}"},
            "tasks": [dict(t, register=f"r{i}") for i, t in enumerate(tasks)]
            + [{"ansible.builtin.copy": {"dest": str(tmp_path / "results.json"),
                                         "content": "{{ [" + ", ".join(f"r{i}" for i in range(len(tasks))) + "] | to_json }}"},
                "check_mode": False}],
        }]
        path = tmp_path / "play.yml"
        path.write_text(yaml.safe_dump(book))
        result = run_playbook(str(path), {}, endpoint=endpoint, check=check)
        assert result.returncode == 0, result.stdout[-4000:]
        return json.loads((tmp_path / "results.json").read_text())

    return run


def _name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---- apigw_proxy_api ----------------------------------------------------------------------------


def _api_task(name, backend, state="present", **extra):
    args = {"name": name, "state": state}
    if state == "present":
        args.update(backend_url=backend, cors={"allow_origins": ["https://a.example.com"]}, tags={"Environment": "t"})
    args.update(extra)
    return {"tierstack.aws.apigw_proxy_api": args}


def test_api_deploys_only_when_its_shape_changes(play):
    ag = client("apigateway")
    name = _name("api")
    first, second = play([_api_task(name, "http://one.example.com"), _api_task(name, "http://one.example.com")])
    assert first["changed"] and not second["changed"]
    assert second["changes"] == []
    api_id = first["api"]["id"]
    assert len(ag.get_deployments(restApiId=api_id)["items"]) == 1

    # A check-mode run shows the change and changes nothing.
    (planned,) = play([_api_task(name, "http://two.example.com")], check=True)
    assert planned["changed"] and "deploy to prod" in planned["changes"]
    assert len(ag.get_deployments(restApiId=api_id)["items"]) == 1
    root = [r for r in ag.get_resources(restApiId=api_id)["items"] if r["path"] == "/"][0]
    assert ag.get_integration(restApiId=api_id, resourceId=root["id"], httpMethod="ANY")["uri"] == "http://one.example.com/"

    # A real change redeploys once.
    changed, again = play([_api_task(name, "http://two.example.com"), _api_task(name, "http://two.example.com")])
    assert changed["changed"] and not again["changed"]
    assert ag.get_integration(restApiId=api_id, resourceId=root["id"], httpMethod="ANY")["uri"] == "http://two.example.com/"
    assert len(ag.get_deployments(restApiId=api_id)["items"]) == 2

    # Stage settings change without a new deployment.
    (throttled,) = play([_api_task(name, "http://two.example.com", stage={"throttling_rate_limit": 50})])
    assert throttled["changed"] and all(not c.startswith("deploy") for c in throttled["changes"])
    assert ag.get_stage(restApiId=api_id, stageName="prod")["methodSettings"]["*/*"]["throttlingRateLimit"] == 50.0

    deleted, gone = play([_api_task(name, None, state="absent"), _api_task(name, None, state="absent")])
    assert deleted["changed"] and not gone["changed"]
    assert name not in [a["name"] for a in ag.get_rest_apis()["items"]]


def test_cors_switched_off_removes_the_options_methods(play):
    ag = client("apigateway")
    name = _name("api")
    (created,) = play([_api_task(name, "http://one.example.com")])
    (off,) = play([_api_task(name, "http://one.example.com", cors={"enabled": False})])
    assert "delete method OPTIONS /" in off["changes"]
    methods = {r["path"]: set(r.get("resourceMethods", {})) for r in ag.get_resources(restApiId=created["api"]["id"])["items"]}
    assert methods == {"/": {"ANY"}, "/{proxy+}": {"ANY"}}
    play([_api_task(name, None, state="absent")])


# ---- apigw_usage_plan and wafv2_association ----------------------------------------------------


def test_usage_plan_keys_and_waf_association(play):
    ag, waf = client("apigateway"), client("wafv2")
    name = _name("api")
    (api,) = play([_api_task(name, "http://one.example.com")])
    stage_arn = api["api"]["stage_arn"]
    plan_task = {"tierstack.aws.apigw_usage_plan": {
        "name": name, "api_stages": [{"api_id": api["api"]["id"], "stage": "prod"}],
        "throttle": {"rate_limit": 10, "burst_limit": 20}, "api_keys": [name], "tags": {"Environment": "t"}}}
    acl_task = {"community.aws.wafv2_web_acl": {
        "name": name, "state": "present", "scope": "REGIONAL", "default_action": "Allow", "sampled_requests": False,
        "cloudwatch_metrics": True, "metric_name": name,
        "rules": [{"name": "per-ip", "priority": 0, "action": {"block": {}},
                   "visibility_config": {"sampled_requests_enabled": False, "cloud_watch_metrics_enabled": True, "metric_name": "per-ip"},
                   "statement": {"rate_based_statement": {"limit": 1000, "aggregate_key_type": "IP", "evaluation_window_sec": 60}}}]}}
    plan1, plan2, acl1, acl2 = play([plan_task, plan_task, acl_task, acl_task])
    assert plan1["changed"] and not plan2["changed"]
    assert not acl2["changed"], "the WAF rule with a 60 s window must round-trip"
    keys = ag.get_usage_plan_keys(usagePlanId=plan1["usage_plan"]["id"])["items"]
    assert [k["name"] for k in keys] == [name]
    assert "value" not in json.dumps(plan1["usage_plan"])

    assoc = {"tierstack.aws.wafv2_association": {"resource_arn": stage_arn, "web_acl_arn": acl1["arn"]}}
    (planned,) = play([assoc], check=True)
    assert planned["changed"]
    with pytest.raises(Exception):
        waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"]
    a1, a2 = play([assoc, assoc])
    assert a1["changed"] and not a2["changed"]
    assert waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == acl1["arn"]

    removed, plan_gone, key_left = play([
        {"tierstack.aws.wafv2_association": {"resource_arn": stage_arn, "state": "absent"}},
        {"tierstack.aws.apigw_usage_plan": {"name": name, "api_keys": [name], "state": "absent"}},
        {"tierstack.aws.apigw_usage_plan": {"name": name, "api_keys": [name], "state": "absent"}},
    ])
    assert removed["changed"] and plan_gone["changed"] and not key_left["changed"]
    assert name not in [k["name"] for k in ag.get_api_keys()["items"]]
    play([{"community.aws.wafv2_web_acl": {"name": name, "scope": "REGIONAL", "state": "absent"}}, _api_task(name, None, state="absent")])


def test_usage_plan_repairs_a_duplicate_api_key_only_when_it_is_provably_unused(play):
    """CreateApiKey has no idempotency token: a lost answer or a concurrent run can leave two keys of one name."""
    ag = client("apigateway")
    name = _name("dup")
    plan_task = {"tierstack.aws.apigw_usage_plan": {"name": name, "api_keys": [name], "tags": {"Environment": "t"}}}
    (first,) = play([plan_task])
    plan_id = first["usage_plan"]["id"]
    [kept] = [k["id"] for k in ag.get_usage_plan_keys(usagePlanId=plan_id)["items"]]
    extra = ag.create_api_key(name=name, enabled=True)["id"]  # the duplicate, in no usage plan

    (planned,) = play([plan_task], check=True)
    assert planned["changed"] and extra in [k["id"] for k in ag.get_api_keys()["items"]]
    repaired, again = play([plan_task, plan_task])
    assert repaired["changed"] and not again["changed"]
    assert sorted(k["id"] for k in ag.get_api_keys()["items"] if k["name"] == name) == [kept]
    assert [k["id"] for k in ag.get_usage_plan_keys(usagePlanId=plan_id)["items"]] == [kept]

    # Two keys of the name both in the plan: nothing proves which one is unused, so the module refuses.
    second = ag.create_api_key(name=name, enabled=True)["id"]
    ag.create_usage_plan_key(usagePlanId=plan_id, keyId=second, keyType="API_KEY")
    (refused,) = play([dict(plan_task, ignore_errors=True)])
    assert refused.get("failed") and "2 API keys are named" in refused["msg"] and kept in refused["msg"] and second in refused["msg"], refused["msg"]
    assert "aws apigateway delete-api-key" in refused["msg"]
    assert sorted(k["id"] for k in ag.get_api_keys()["items"] if k["name"] == name) == sorted([kept, second])

    play([{"tierstack.aws.apigw_usage_plan": {"name": name, "api_keys": [name], "state": "absent"}}])
    assert name not in [k["name"] for k in ag.get_api_keys()["items"]]


# ---- cloudfront ---------------------------------------------------------------------------------


def _dist_task(comment, price="PriceClass_100", state="present"):
    config = {
        "Enabled": True, "PriceClass": price,
        "Origins": {"Items": [{"Id": "alb", "DomainName": "alb.example.com",
                               "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"},
                               "OriginShield": {"Enabled": True, "OriginShieldRegion": REGION}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
    }
    args = {"comment": comment, "state": state}
    if state == "present":
        args.update(config=config, tags={"Environment": "t"})
    return {"tierstack.aws.cloudfront_web_distribution": args}


def test_distribution_idempotent_planned_and_deleted(play):
    cf = client("cloudfront", "us-east-1")
    comment = _name("dist")
    first, second = play([_dist_task(comment), _dist_task(comment)])
    assert first["changed"] and not second["changed"]
    dist_id = first["distribution"]["id"]

    (planned,) = play([_dist_task(comment, price="PriceClass_All")], check=True)
    assert planned["changed"] and planned["diff"]["after"]["PriceClass"] == "PriceClass_All"
    assert cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["PriceClass"] == "PriceClass_100"

    (updated,) = play([_dist_task(comment, price="PriceClass_All")])
    assert updated["changed"]
    assert cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["PriceClass"] == "PriceClass_All"

    # CloudFront refuses to delete an enabled distribution, so this passing shows it was disabled first.
    deleted, gone = play([_dist_task(comment, state="absent"), _dist_task(comment, state="absent")])
    assert deleted["changed"] and not gone["changed"]
    assert dist_id not in [d["Id"] for d in (cf.list_distributions()["DistributionList"].get("Items") or [])]


def test_origin_access_control(play):
    cf = client("cloudfront", "us-east-1")
    name = _name("oac")
    task = {"tierstack.aws.cloudfront_origin_access_control": {"name": name, "description": "d"}}
    a, b = play([task, task])
    assert a["changed"] and not b["changed"]
    assert name in [o["Name"] for o in cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]]
    (c,) = play([{"tierstack.aws.cloudfront_origin_access_control": {"name": name, "state": "absent"}}])
    assert c["changed"]
    assert name not in [o["Name"] for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items") or []]


# ---- cloudwatch ---------------------------------------------------------------------------------


def test_dashboard_compares_the_body(play):
    cw = client("cloudwatch")
    name = _name("dash")
    body = {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "hi"}}]}
    same_body_other_order = {"widgets": [{"properties": {"markdown": "hi"}, "height": 2, "width": 6, "y": 0, "x": 0, "type": "text"}]}
    a, b, c = play([
        {"tierstack.aws.cloudwatch_dashboard": {"name": name, "body": body}},
        {"tierstack.aws.cloudwatch_dashboard": {"name": name, "body": same_body_other_order}},
        {"tierstack.aws.cloudwatch_dashboard": {"name": name, "body": json.dumps(body)}},
    ])
    assert a["changed"] and not b["changed"] and not c["changed"]
    assert json.loads(cw.get_dashboard(DashboardName=name)["DashboardBody"]) == body
    (d,) = play([{"tierstack.aws.cloudwatch_dashboard": {"name": name, "state": "absent"}}])
    assert d["changed"]
    assert name not in [x["DashboardName"] for x in cw.list_dashboards()["DashboardEntries"]]


def test_alarm_set_purges_only_its_own_stale_alarms(play):
    cw = client("cloudwatch")
    stack, other = _name("s"), _name("o")
    prefix = f"cw-{stack}-"

    def alarm(name, threshold=80):
        return {"AlarmName": name, "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                "Dimensions": {"ClusterName": "c", "ServiceName": "s"}, "Statistic": "Average", "Period": 60,
                "EvaluationPeriods": 2, "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold"}

    def alb_metric(metric_id, metric_name):
        return {"Id": metric_id, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": metric_name,
                       "Dimensions": [{"Name": "LoadBalancer", "Value": "app/x/1"}]},
            "Period": 60, "Stat": "Sum"}}

    math = {"AlarmName": prefix + "rate", "EvaluationPeriods": 3, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold",
            "Metrics": [{"Id": "rate", "Expression": "100 * FILL(e, 0) / r", "ReturnData": True},
                        alb_metric("e", "HTTPCode_ELB_5XX_Count"),
                        alb_metric("r", "RequestCount")]}

    def task(alarms, env, state="present"):
        return {"tierstack.aws.cloudwatch_alarm_set": {"alarms": alarms, "purge_prefix": prefix, "owner_tags": {"Environment": env},
                                                       "tags": {"Environment": env}, "state": state}}

    # Another stack's alarm shares the prefix but not the tag: it must survive our purge.
    created, again, foreign = play([task([alarm(prefix + "cpu"), math], stack), task([alarm(prefix + "cpu"), math], stack),
                                    task([alarm(prefix + "foreign")], other)])
    assert created["changed"] and not again["changed"] and foreign["changed"]

    changed_math = dict(math, Metrics=[dict(math["Metrics"][0], Expression="50 * FILL(e, 0) / r")] + math["Metrics"][1:])
    (updated,) = play([task([alarm(prefix + "cpu"), changed_math], stack)])
    assert updated["changes"] == [f"update {prefix}rate: /Metrics/0/Expression"]

    (purged,) = play([task([alarm(prefix + "cpu", threshold=90)], stack)])
    assert f"delete {prefix}rate" in purged["changes"]
    names = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]}
    assert set(names) == {prefix + "cpu", prefix + "foreign"}
    assert names[prefix + "cpu"]["Threshold"] == 90.0
    tags = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=names[prefix + "cpu"]["AlarmArn"])["Tags"]}
    assert tags == {"Environment": stack}

    play([task([], stack, state="absent"), task([], other, state="absent")])
    assert cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"] == []


def test_log_retention_is_enforced_by_prefix_and_suffix(play):
    logs = client("logs")
    sfx = _name("r")
    mine = [f"/ecs/web-{sfx}", f"/aws/lambda/rotate-{sfx}"]
    theirs = f"/ecs/web-{sfx}x"
    for name in mine + [theirs]:
        logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=mine[0], retentionInDays=7)
    task = {"tierstack.aws.cloudwatchlogs_retention": {"prefixes": ["/ecs/", "/aws/lambda/"], "name_regex": f"-{sfx}(/|$)",
                                                       "retention_days": 30}}
    (planned,) = play([task], check=True)
    assert sorted(planned["changed_log_groups"]) == sorted(mine)
    assert logs.describe_log_groups(logGroupNamePrefix=mine[0])["logGroups"][0]["retentionInDays"] == 7
    a, b = play([task, task])
    assert a["changed"] and not b["changed"]
    retention = {g["logGroupName"]: g.get("retentionInDays") for n in mine + [theirs] for g in logs.describe_log_groups(logGroupNamePrefix=n)["logGroups"]}
    assert retention == {mine[0]: 30, mine[1]: 30, theirs: None}
    (deleted,) = play([dict(task, **{"tierstack.aws.cloudwatchlogs_retention": dict(task["tierstack.aws.cloudwatchlogs_retention"], state="absent")})])
    assert sorted(deleted["changed_log_groups"]) == sorted(mine)
    logs.delete_log_group(logGroupName=theirs)
