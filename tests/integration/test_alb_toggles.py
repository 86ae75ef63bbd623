"""HTTPS and WAF on the load balancer, and a green deployment, turned on and then off again on a live stack.

The e-commerce profile turns WAF on and either profile may ask for HTTPS; a team that turns either off
later must get the plain stack back, with nothing of the feature left behind. The same holds for a
service's green deployment (ecs_fargate_green_images): removing its entry removes the green service, its
scaling, its alarms and its task definitions. Against the lane's emulator
(where ACM issues a DNS-validated certificate by itself after 60 s: docs/emulator-gaps.md); every check
reads the load balancer, its listeners, the web ACLs and the certificates back with boto3.
"""

from __future__ import annotations

import pytest

from tierstack.testing import client, recap, run_playbook, stack_outputs

REGION = "ap-southeast-1"
SUFFIX = "tog1"
DOMAIN = "shop.example.com"


def _listeners(elbv2, alb_arn: str) -> dict:
    return {listener["Port"]: listener for listener in elbv2.describe_listeners(LoadBalancerArn=alb_arn)["Listeners"]}


def _web_acl_names(wafv2) -> list:
    return [acl["Name"] for acl in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] if acl["Name"].endswith(SUFFIX)]


GREEN_IMAGE = "public.ecr.aws/docker/library/busybox:1.36"
GREEN = f"backend-green-{SUFFIX}"


def _green(suffix: str) -> dict:
    """What exists of the backend's green deployment: service, scaling, alarms, active task definitions."""
    ecs, scaling, cloudwatch = client("ecs", REGION), client("application-autoscaling", REGION), client("cloudwatch", REGION)
    cluster = f"tierstack-{suffix}"
    services = [s["serviceName"] for s in ecs.describe_services(cluster=cluster, services=[GREEN])["services"]
                if s["status"] != "INACTIVE"]
    resource = f"service/{cluster}/{GREEN}"
    targets = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    alarms = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
    # (ListTaskDefinitionFamilies would do on AWS; the emulator ignores its status filter: docs/emulator-gaps.md.)
    revisions = ecs.list_task_definitions(familyPrefix=GREEN, status="ACTIVE")["taskDefinitionArns"]
    families = sorted({arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] for arn in revisions})
    return {
        "services": services,
        "scalable_targets": [t["ResourceId"].rsplit("/", 1)[-1] for t in targets],
        "policies": sorted(p["PolicyName"] for p in policies),
        "low_cpu_alarms": alarms.count(f"backend-green-cpu-low-{suffix}"),
        "target_tracking_alarms": len([a for a in alarms if a.startswith(f"TargetTracking-{resource}")]),
        "families": [f for f in families if f == GREEN],
    }


def _certificates(acm) -> list:
    return [c for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == DOMAIN]


@pytest.mark.usefixtures("endpoint")
def test_https_and_waf_on_then_off_leave_the_plain_load_balancer():
    on = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["vpc", "alb", "ecs_fargate"], "alb_waf_enabled": True,
                                   "alb_certificate_domain_name": DOMAIN, "ecs_fargate_green_images": {"backend": GREEN_IMAGE}})
    assert on.returncode == 0, on.stdout[-4000:]
    alb_arn = stack_outputs(SUFFIX, REGION)["ALBArn"]
    elbv2, wafv2, acm = client("elbv2", REGION), client("wafv2", REGION), client("acm", REGION)

    # On: HTTPS on 443 with the issued certificate, 80 redirecting to it, the web ACL on the load balancer.
    listeners = _listeners(elbv2, alb_arn)
    assert sorted(listeners) == [80, 443], listeners
    https = listeners[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13"), https
    certificates = _certificates(acm)
    assert len(certificates) == 1, certificates
    assert [c["CertificateArn"] for c in https["Certificates"]] == [certificates[0]["CertificateArn"]]
    assert acm.describe_certificate(CertificateArn=certificates[0]["CertificateArn"])["Certificate"]["Status"] == "ISSUED"
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Port"] == "443", redirect
    acl = wafv2.get_web_acl_for_resource(ResourceArn=alb_arn).get("WebACL")
    assert acl and acl["Name"] in _web_acl_names(wafv2), acl

    green = _green(SUFFIX)
    assert green == {"services": [GREEN], "scalable_targets": [GREEN], "policies": [f"{GREEN}-cpu-scale-in", f"{GREEN}-cpu-target"],
                     "low_cpu_alarms": 1, "target_tracking_alarms": green["target_tracking_alarms"], "families": [GREEN]}, green
    assert green["target_tracking_alarms"] > 0, green

    # Off (the ALB and container tiers: they read the network tier's outputs from the account).
    off = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["alb", "ecs_fargate"], "alb_waf_enabled": False,
                                    "alb_certificate_domain_name": ""})
    assert off.returncode == 0, off.stdout[-4000:]
    assert recap(off.stdout)["changed"] > 0
    assert stack_outputs(SUFFIX, REGION)["ALBArn"] == alb_arn, "the load balancer itself was replaced"
    listeners = _listeners(elbv2, alb_arn)
    assert sorted(listeners) == [80], listeners
    assert listeners[80]["Protocol"] == "HTTP" and listeners[80]["DefaultActions"][0]["Type"] != "redirect", listeners
    assert not wafv2.get_web_acl_for_resource(ResourceArn=alb_arn).get("WebACL")
    assert _web_acl_names(wafv2) == []
    assert _certificates(acm) == []
    assert _green(SUFFIX) == {"services": [], "scalable_targets": [], "policies": [], "low_cpu_alarms": 0,
                              "target_tracking_alarms": 0, "families": []}
    # The blue deployment stays.
    ecs = client("ecs", REGION)
    blue = ecs.describe_services(cluster=f"tierstack-{SUFFIX}", services=[f"backend-{SUFFIX}"])["services"]
    assert [s["status"] for s in blue] == ["ACTIVE"], blue
