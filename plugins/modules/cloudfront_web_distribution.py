#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_web_distribution
short_description: A CloudFront distribution from a DistributionConfig, with check mode, diff and safe deletion
version_added: 1.0.0
description:
  - Creates a CloudFront distribution from I(config), given in the API's own shape (C(Origins),
    C(DefaultCacheBehavior), C(CacheBehaviors), ...), or updates it when a setting differs.
  - The distribution is found by its I(comment), which must be unique in the account.
  - Only the settings given in I(config) are compared (AWS fills the rest with its defaults), so a
    re-run makes no write call. C(Quantity) fields may be left out; they are computed from C(Items).
  - With I(state=absent) the distribution is first disabled, the module waits until that change is
    deployed, and then deletes it, as CloudFront requires.
  - Written because community.aws.cloudfront_distribution has no check mode, no origin access control and
    re-computes defaults in a way that makes re-runs report changes.
options:
  comment:
    description: Comment of the distribution; its identity (unique per account, up to 128 characters).
    type: str
    required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  config:
    description:
      - The DistributionConfig, without C(CallerReference) and C(Comment). Required when I(state=present).
    type: dict
  caller_reference:
    description: Caller reference used when creating the distribution (defaults to I(comment)).
    type: str
  ignore_differences:
    description:
      - Setting paths not to compare, such as C(Origins/Items/*/OriginAccessControlId) (C(*) matches one step).
      - Meant for endpoints that do not return every setting (an emulator); leave empty on AWS.
    type: list
    elements: str
    default: []
  wait:
    description: Wait until a created or updated distribution is deployed.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for a deployment (also used by I(state=absent)).
    type: int
    default: 1800
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: An ALB behind CloudFront, HTTPS only, nothing cached by default
  tierstack.aws.cloudfront_web_distribution:
    comment: tierstack dev1
    config:
      Enabled: true
      PriceClass: PriceClass_100
      Origins:
        Items:
          - Id: alb
            DomainName: my-alb-123.ap-southeast-1.elb.amazonaws.com
            CustomOriginConfig:
              HTTPPort: 80
              HTTPSPort: 443
              OriginProtocolPolicy: http-only
      DefaultCacheBehavior:
        TargetOriginId: alb
        ViewerProtocolPolicy: redirect-to-https
        CachePolicyId: 4135ea2d-6df8-44a3-9df3-4b5a84be39ad  # managed CachingDisabled
    tags:
      Environment: dev1
"""

RETURN = r"""
distribution:
  description: The distribution after the call (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: Distribution id.
      type: str
    arn:
      description: Distribution ARN.
      type: str
    domain_name:
      description: The C(*.cloudfront.net) domain name.
      type: str
    status:
      description: C(InProgress) or C(Deployed).
      type: str
    enabled:
      description: Whether the distribution is enabled.
      type: bool
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items
from ansible_collections.tierstack.aws.plugins.module_utils.compare import differences
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import boto3_wait
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import is_waiter_error


def add_quantities(obj):
    """A copy of obj where every dict with Items also has the matching Quantity."""
    if isinstance(obj, list):
        return [add_quantities(v) for v in obj]
    if isinstance(obj, dict):
        out = {k: add_quantities(v) for k, v in obj.items()}
        if isinstance(out.get("Items"), list):
            out["Quantity"] = len(out["Items"])
        return out
    return obj


def merge_config(current, desired):
    """current with desired laid over it: dicts merge, anything else (lists included) is replaced."""
    out = copy.deepcopy(current)
    for key, value in desired.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "Items" not in value:
            out[key] = merge_config(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class Distribution:
    def __init__(self, module):
        self.module = module
        self.client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())
        self.check = module.check_mode

    def fail(self, e, msg):
        self.module.fail_json_aws(e, msg=msg)

    def find(self, comment):
        try:
            found = [i for i in paginate_items(self.client, "list_distributions", "DistributionList.Items") if i.get("Comment") == comment]
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't list distributions")
        if len(found) > 1:
            self.module.fail_json(msg=f"{len(found)} distributions have the comment {comment!r}; it must be unique")
        return found[0] if found else None

    def get_config(self, dist_id):
        try:
            resp = self.client.get_distribution_config(aws_retry=True, Id=dist_id)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't get the config of distribution {dist_id}")
        return resp["DistributionConfig"], resp["ETag"]

    def get(self, dist_id):
        try:
            return self.client.get_distribution(aws_retry=True, Id=dist_id)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't get distribution {dist_id}")

    def wait_deployed(self, dist_id):
        """boto3's distribution_deployed waiter, then the distribution."""
        timeout = self.module.params["wait_timeout"]
        try:
            boto3_wait(self.client, "distribution_deployed", timeout, 15, Id=dist_id)
        except Exception as e:  # pylint: disable=broad-except
            if not is_waiter_error(e):
                raise
            self.module.fail_json(msg=f"Distribution {dist_id} was not deployed within {timeout}s")
        return self.get(dist_id)

    def ensure_tags(self, arn, desired):
        return reconcile_tags(self.module, self.client, "cloudfront", arn, desired, self.module.params["purge_tags"]).changed

    def present(self, p):
        desired = add_quantities(p["config"])
        desired["Comment"] = p["comment"]
        summary = self.find(p["comment"])
        if summary is None:
            diff = {"before": {}, "after": desired}
            if self.check:
                return True, {}, diff
            create = dict(desired, CallerReference=p["caller_reference"] or p["comment"])
            try:
                if p["tags"]:
                    resp = self.client.create_distribution_with_tags(
                        aws_retry=True,
                        DistributionConfigWithTags={"DistributionConfig": create, "Tags": create_tags("cloudfront", p["tags"])},
                    )
                else:
                    resp = self.client.create_distribution(aws_retry=True, DistributionConfig=create)
            except AWS_ERRORS as e:
                self.fail(e, "Couldn't create the distribution")
            dist = resp["Distribution"]
            if p["wait"]:
                dist = self.wait_deployed(dist["Id"])["Distribution"]
            return True, dist, diff
        current, etag = self.get_config(summary["Id"])
        paths = differences(desired, current, ignore=p["ignore_differences"])
        changed = False
        diff = {}
        if paths:
            changed = True
            top = sorted({d.strip("/").split("/")[0] for d in paths})
            diff = {
                "before": {k: current.get(k) for k in top},
                "after": {k: desired.get(k) for k in top},
            }
            if not self.check:
                try:
                    self.client.update_distribution(aws_retry=True, Id=summary["Id"], IfMatch=etag, DistributionConfig=merge_config(current, desired))
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't update distribution {summary['Id']} ({', '.join(paths)})")
        changed |= self.ensure_tags(summary["ARN"], p["tags"])
        if changed and p["wait"] and not self.check:
            dist = self.wait_deployed(summary["Id"])["Distribution"]
        else:
            dist = self.get(summary["Id"])["Distribution"]
        return changed, dist, diff

    def absent(self, p):
        summary = self.find(p["comment"])
        if summary is None:
            return False, {}, {}
        diff = {"before": {"Id": summary["Id"], "Comment": p["comment"]}, "after": {}}
        if self.check:
            return True, {}, diff
        current, etag = self.get_config(summary["Id"])
        if current.get("Enabled"):
            current["Enabled"] = False
            try:
                etag = self.client.update_distribution(aws_retry=True, Id=summary["Id"], IfMatch=etag, DistributionConfig=current)["ETag"]
            except AWS_ERRORS as e:
                self.fail(e, f"Couldn't disable distribution {summary['Id']}")
        resp = self.wait_deployed(summary["Id"])
        etag = resp.get("ETag", etag)
        try:
            self.client.delete_distribution(aws_retry=True, Id=summary["Id"], IfMatch=etag)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't delete distribution {summary['Id']}")
        return True, {}, diff


def describe(dist):
    if not dist:
        return {}
    return dict(
        id=dist["Id"],
        arn=dist["ARN"],
        domain_name=dist["DomainName"],
        status=dist.get("Status"),
        enabled=(dist.get("DistributionConfig") or {}).get("Enabled"),
    )


def main():
    argument_spec = dict(
        comment=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        config=dict(type="dict"),
        caller_reference=dict(type="str"),
        **TAG_ARGUMENT_SPEC,
        ignore_differences=dict(type="list", elements="str", default=[]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["config"])],
    )
    if len(module.params["comment"]) > 128:
        module.fail_json(msg="comment must be at most 128 characters")
    tool = Distribution(module)
    if module.params["state"] == "present":
        changed, dist, diff = tool.present(module.params)
    else:
        changed, dist, diff = tool.absent(module.params)
    result = dict(changed=changed, distribution=describe(dist))
    if module._diff and changed:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
