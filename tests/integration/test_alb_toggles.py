"""HTTPS and WAF on the load balancer, turned on and then off again on a live stack.

The e-commerce profile turns WAF on and either profile may ask for HTTPS; a team that turns either off
later must get the plain stack back, with nothing of the feature left behind. Against the lane's emulator
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


def _certificates(acm) -> list:
    return [c for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == DOMAIN]


@pytest.mark.usefixtures("endpoint")
def test_https_and_waf_on_then_off_leave_the_plain_load_balancer():
    on = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["vpc", "alb"], "alb_waf_enabled": True,
                                   "alb_certificate_domain_name": DOMAIN})
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

    # Off (the ALB tier alone: it reads the network tier's outputs from the account).
    off = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["alb"], "alb_waf_enabled": False,
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
