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
  tags:
    description: Tags of the distribution.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in I(tags).
    type: bool
    default: true
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
  - tierstack maintainers
extends_documentation_fragment:
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
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:
    pass


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


def _same_scalar(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def is_blank(value):
    """True for values that mean "nothing": None, "", [], {}, a list with Quantity 0, or a dict of blanks."""
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict):
        if value.get("Quantity") == 0:
            return True
        return all(is_blank(v) for v in value.values())
    return False


def path_ignored(path, patterns):
    """True when path (such as /Origins/Items/1/OriginAccessControlId) matches a pattern (* for one step)."""
    parts = path.strip("/").split("/")
    for pattern in patterns or []:
        pat = pattern.strip("/").split("/")
        if len(pat) == len(parts) and all(p == "*" or p == q for p, q in zip(pat, parts)):
            return True
    return False


def differences(desired, current, path="", ignore=None):
    """Paths where current lacks a setting of desired (a subset comparison; lists compare item by item).

    Paths matching a pattern of ``ignore`` are left out.
    """
    if ignore:
        return [d for d in differences(desired, current, path) if not path_ignored(d, ignore)]
    out = []
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return [path or "/"]
        for key, value in desired.items():
            if key not in current:
                if is_blank(value):
                    continue
                out.append(f"{path}/{key}")
                continue
            out.extend(differences(value, current[key], f"{path}/{key}"))
        return out
    if isinstance(desired, list):
        if not isinstance(current, list) or len(desired) != len(current):
            return [path]
        for i, (d, c) in enumerate(zip(desired, current)):
            out.extend(differences(d, c, f"{path}/{i}"))
        return out
    if not _same_scalar(desired, current):
        return [path]
    return out


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
        found = []
        try:
            for page in self.client.get_paginator("list_distributions").paginate():
                for item in (page.get("DistributionList") or {}).get("Items") or []:
                    if item.get("Comment") == comment:
                        found.append(item)
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
        deadline = time.time() + self.module.params["wait_timeout"]
        while True:
            resp = self.get(dist_id)
            if resp["Distribution"]["Status"] == "Deployed":
                return resp
            if time.time() > deadline:
                self.module.fail_json(msg=f"Distribution {dist_id} was not deployed within {self.module.params['wait_timeout']}s")
            time.sleep(15)

    def tags(self, arn):
        try:
            resp = self.client.list_tags_for_resource(aws_retry=True, Resource=arn)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't list the tags of {arn}")
        return boto3_tag_list_to_ansible_dict((resp.get("Tags") or {}).get("Items") or [])

    def ensure_tags(self, arn, desired):
        if desired is None:
            return False
        to_add, to_remove = compare_aws_tags(self.tags(arn), desired, self.module.params["purge_tags"])
        if not (to_add or to_remove):
            return False
        if not self.check:
            try:
                if to_remove:
                    self.client.untag_resource(aws_retry=True, Resource=arn, TagKeys={"Items": to_remove})
                if to_add:
                    self.client.tag_resource(aws_retry=True, Resource=arn, Tags={"Items": ansible_dict_to_boto3_tag_list(to_add)})
            except AWS_ERRORS as e:
                self.fail(e, f"Couldn't tag {arn}")
        return True

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
                        DistributionConfigWithTags={"DistributionConfig": create, "Tags": {"Items": ansible_dict_to_boto3_tag_list(p["tags"])}},
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
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
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
