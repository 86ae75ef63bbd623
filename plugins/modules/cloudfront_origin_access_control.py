#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
short_description: A CloudFront origin access control (OAC), found by name
version_added: 1.0.0
description:
  - Creates, updates or deletes a CloudFront origin access control, the successor of origin access
    identities, which lets CloudFront sign its requests to an S3 (or other) origin.
  - Supports check mode and diff mode.
options:
  name:
    description: Name of the origin access control (unique per account, up to 64 characters).
    type: str
    required: true
  state:
    description: C(present) or C(absent). An OAC still used by a distribution cannot be deleted.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description.
    type: str
    default: ''
  origin_type:
    description: The kind of origin.
    type: str
    choices: [s3, mediastore, lambda, mediapackagev2]
    default: s3
  signing_behavior:
    description: When CloudFront signs requests.
    type: str
    choices: [always, never, no-override]
    default: always
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: An OAC for the static assets bucket
  tierstack.aws.cloudfront_origin_access_control:
    name: assets-dev1
    description: tierstack static assets of dev1
"""

RETURN = r"""
origin_access_control:
  description: The OAC after the call (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: OAC id, for C(Origins.Items[].OriginAccessControlId).
      type: str
    name:
      description: OAC name.
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def find(client, module, name):
    try:
        found = [i for i in paginate_items(client, "list_origin_access_controls", "OriginAccessControlList.Items") if i.get("Name") == name]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Couldn't list origin access controls")
    if len(found) > 1:
        module.fail_json(msg=f"{len(found)} origin access controls are named {name}")
    return found[0] if found else None


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str", default=""),
        origin_type=dict(type="str", choices=["s3", "mediastore", "lambda", "mediapackagev2"], default="s3"),
        signing_behavior=dict(type="str", choices=["always", "never", "no-override"], default="always"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("cloudfront", retry_decorator=AWSRetry.jittered_backoff())
    p = module.params
    current = find(client, module, p["name"])
    desired = {
        "Name": p["name"],
        "Description": p["description"],
        "SigningProtocol": "sigv4",
        "SigningBehavior": p["signing_behavior"],
        "OriginAccessControlOriginType": p["origin_type"],
    }
    before = {k: current.get(k) for k in desired} if current else {}
    changed = False
    out = {}
    try:
        if p["state"] == "present":
            if current is None:
                changed = True
                if not module.check_mode:
                    current = client.create_origin_access_control(aws_retry=True, OriginAccessControlConfig=desired)["OriginAccessControl"]
                    current = dict(current["OriginAccessControlConfig"], Id=current["Id"])
            elif before != desired:
                changed = True
                if not module.check_mode:
                    etag = client.get_origin_access_control(aws_retry=True, Id=current["Id"])["ETag"]
                    client.update_origin_access_control(aws_retry=True, Id=current["Id"], IfMatch=etag, OriginAccessControlConfig=desired)
            if current:
                out = {"id": current["Id"], "name": p["name"]}
            after = desired
        else:
            after = {}
            if current is not None:
                changed = True
                if not module.check_mode:
                    etag = client.get_origin_access_control(aws_retry=True, Id=current["Id"])["ETag"]
                    client.delete_origin_access_control(aws_retry=True, Id=current["Id"], IfMatch=etag)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't {'create or update' if p['state'] == 'present' else 'delete'} origin access control {p['name']}")
    result = dict(changed=changed, origin_access_control=out)
    if module._diff and changed:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
