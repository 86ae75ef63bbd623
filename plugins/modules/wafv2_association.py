#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wafv2_association
short_description: Associate a regional WAFv2 web ACL with a resource (API Gateway stage, ALB, ...)
version_added: 1.0.0
description:
  - Makes I(web_acl_arn) the web ACL of I(resource_arn), or removes the resource's web ACL.
  - The current association is read with C(GetWebACLForResource), which works for every resource type.
    (community.aws.wafv2_resources lists a web ACL's resources without a resource type, which AWS
    answers with load balancers only, so it does not see API Gateway stages.)
  - For CloudFront, set the web ACL in the distribution's config instead.
  - Supports check mode and diff mode.
options:
  resource_arn:
    description: ARN of the resource, such as C(arn:aws:apigateway:REGION::/restapis/ID/stages/prod).
    type: str
    required: true
  web_acl_arn:
    description: ARN of the web ACL. Required when I(state=present).
    type: str
  state:
    description: C(present) associates the web ACL; C(absent) removes whatever web ACL the resource has.
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Protect the API stage with the web ACL
  tierstack.aws.wafv2_association:
    resource_arn: "{{ api.api.stage_arn }}"
    web_acl_arn: "{{ acl.arn }}"
"""

RETURN = r"""
web_acl_arn:
  description: ARN of the web ACL associated with the resource after the call (empty when none).
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none


def current_acl(client, module, resource_arn):
    resp = get_or_none(
        module,
        client.get_web_acl_for_resource,
        "WAFNonexistentItemException",
        f"Couldn't get the web ACL of {resource_arn}",
        default={},
        ResourceArn=resource_arn,
    )
    return (resp.get("WebACL") or {}).get("ARN") or ""


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            resource_arn=dict(type="str", required=True),
            web_acl_arn=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
        required_if=[("state", "present", ["web_acl_arn"])],
    )
    client = module.client("wafv2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["WAFUnavailableEntityException"]))
    resource_arn = module.params["resource_arn"]
    before = current_acl(client, module, resource_arn)
    after = module.params["web_acl_arn"] if module.params["state"] == "present" else ""
    changed = before != after
    if changed and not module.check_mode:
        try:
            if after:
                client.associate_web_acl(aws_retry=True, WebACLArn=after, ResourceArn=resource_arn)
            else:
                client.disassociate_web_acl(aws_retry=True, ResourceArn=resource_arn)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Couldn't {'associate' if after else 'disassociate'} the web ACL of {resource_arn}")
    result = dict(changed=changed, web_acl_arn=after)
    if module._diff and changed:
        result["diff"] = {"before": {"web_acl_arn": before}, "after": {"web_acl_arn": after}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
