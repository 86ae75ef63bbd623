"""The edge filters (tierstack_edge.py): the web ACL rules every WAF of the collection shares, and
listener priority clashes."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tierstack.aws.plugins.filter.tierstack_edge import FilterModule, priority_clashes, waf_rules


def test_rate_rule_comes_first_then_the_managed_groups_in_order():
    rules = waf_rules(2000, 300, ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"], "alb-")
    assert [(r["name"], r["priority"]) for r in rules] == [
        ("per-ip-rate-limit", 0), ("AWSManagedRulesCommonRuleSet", 1), ("AWSManagedRulesSQLiRuleSet", 2)]
    rate = rules[0]
    assert rate["action"] == {"block": {}}
    assert rate["statement"] == {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP", "evaluation_window_sec": 300}}
    assert rate["visibility_config"]["metric_name"] == "alb-per-ip-rate-limit"
    group = rules[1]
    assert group["override_action"] == {"none": {}}
    assert group["statement"] == {"managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}}
    assert "action" not in group


def test_strings_from_templating_are_accepted():
    assert waf_rules("1000", "60")[0]["statement"]["rate_based_statement"]["limit"] == 1000
    assert len(waf_rules(10, 60, None)) == 1


def test_apigw_metric_names_are_unchanged():
    """The apigw ACL's rate rule kept its metric name when its roles moved to the shared filter."""
    assert waf_rules(1000, 60)[0]["visibility_config"]["metric_name"] == "per-ip-rate-limit"


@pytest.mark.parametrize("limit,window,groups", [(9, 300, []), (2000000001, 300, []), (100, 30, []), ("x", 60, []),
                                                 (100, 60, ["AWSManagedRulesCommonRuleSet"] * 2)])
def test_out_of_bounds_input_fails(limit, window, groups):
    with pytest.raises(AnsibleFilterError):
        waf_rules(limit, window, groups)


def test_priority_clashes():
    assert priority_clashes([{"priority": 10}, {"priority": 20}]) == []
    assert priority_clashes([{"priority": 20}, {"priority": "10"}, {"priority": 10}, {"priority": 20}, {"priority": 30}]) == [10, 20]
    assert priority_clashes([]) == []


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"waf_rules", "priority_clashes"}


# ---- acm_requested_certificate's pure helpers ---------------------------------------------------

from ansible_collections.tierstack.aws.plugins.modules import acm_requested_certificate as acm  # noqa: E402


def test_certificate_names_compare_in_canonical_order():
    cert = {"DomainName": "api.example.com", "SubjectAlternativeNames": ["www.example.com", "api.example.com", "a.example.com"]}
    assert acm.certificate_names(cert) == ["api.example.com", "a.example.com", "www.example.com"]
    assert acm.wanted_names("api.example.com", ["www.example.com", "a.example.com", "api.example.com"]) == acm.certificate_names(cert)
    assert acm.wanted_names("api.example.com", []) == ["api.example.com"]


def test_validation_records_are_read_from_the_description():
    cert = {"DomainValidationOptions": [
        {"DomainName": "api.example.com", "ResourceRecord": {"Name": "_x.api.example.com.", "Type": "CNAME", "Value": "_y.acm-validations.aws."}},
        {"DomainName": "pending.example.com"}]}
    assert acm.validation_records(cert) == [
        {"domain_name": "api.example.com", "name": "_x.api.example.com.", "type": "CNAME", "value": "_y.acm-validations.aws."}]
