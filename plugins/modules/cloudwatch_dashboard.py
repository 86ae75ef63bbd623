#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Create, update or delete a CloudWatch dashboard, comparing its JSON body
version_added: 1.0.0
description:
  - Creates a CloudWatch dashboard, updates it when its body differs from the one asked for, or deletes it.
  - The bodies are compared as parsed JSON, so key order and whitespace never cause a change,
    and a re-run with the same body makes no write call.
options:
  name:
    description: Name of the dashboard (up to 255 characters; letters, digits, C(-) and C(_)).
    type: str
    required: true
  state:
    description: C(present) creates or updates the dashboard, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  body:
    description:
      - The dashboard body, as a dict (it is serialised to JSON) or a JSON string.
      - Required when I(state=present).
    type: raw
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the stack's dashboard
  tierstack.aws.cloudwatch_dashboard:
    name: tierstack-dev1
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: ALB response time
            region: ap-southeast-1
            metrics:
              - [AWS/ApplicationELB, TargetResponseTime, LoadBalancer, app/alb-dev1/0123456789abcdef, {stat: p99}]

- name: Delete it
  tierstack.aws.cloudwatch_dashboard:
    name: tierstack-dev1
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the call (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Dashboard name.
      type: str
      sample: tierstack-dev1
    arn:
      description: Dashboard ARN.
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/tierstack-dev1
    body:
      description: The dashboard body, parsed.
      type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none


def normalise_body(body):
    """The body as a Python structure, from a dict/list or a JSON string."""
    if isinstance(body, (dict, list)):
        # Round-trip so that tuples, Ansible's unsafe strings etc. compare as plain JSON values.
        return json.loads(json.dumps(body))
    if isinstance(body, str):
        return json.loads(body)
    raise TypeError(f"body must be a dict or a JSON string, not {type(body).__name__}")


def describe_dashboard(client, module, name):
    """The dashboard as {'name', 'arn', 'body'} or None."""
    resp = get_or_none(module, client.get_dashboard, "ResourceNotFound", f"Couldn't get dashboard {name}", DashboardName=name)
    if resp is None:
        return None
    return {
        "name": resp["DashboardName"],
        "arn": resp.get("DashboardArn"),
        "body": json.loads(resp.get("DashboardBody") or "{}"),
    }


def ensure_present(client, module, name, body):
    current = describe_dashboard(client, module, name)
    if current is not None and current["body"] == body:
        return False, current, {}
    diff = {"before": current["body"] if current else {}, "after": body}
    if module.check_mode:
        return True, {"name": name, "arn": current["arn"] if current else None, "body": body}, diff
    try:
        resp = client.put_dashboard(aws_retry=True, DashboardName=name, DashboardBody=json.dumps(body, sort_keys=True))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't put dashboard {name}")
    problems = resp.get("DashboardValidationMessages") or []
    if problems:
        module.warn(f"CloudWatch reported dashboard validation messages: {problems}")
    return True, describe_dashboard(client, module, name) or {"name": name, "body": body}, diff


def ensure_absent(client, module, name):
    current = describe_dashboard(client, module, name)
    if current is None:
        return False, {}, {}
    diff = {"before": current["body"], "after": {}}
    if not module.check_mode:
        try:
            client.delete_dashboards(aws_retry=True, DashboardNames=[name])
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Couldn't delete dashboard {name}")
    return True, {}, diff


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        body=dict(type="raw"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["body"])],
    )
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    name = module.params["name"]
    if module.params["state"] == "present":
        try:
            body = normalise_body(module.params["body"])
        except (TypeError, ValueError) as e:
            module.fail_json(msg=f"body is not valid JSON: {e}")
        changed, dashboard, diff = ensure_present(client, module, name, body)
    else:
        changed, dashboard, diff = ensure_absent(client, module, name)
    result = dict(changed=changed, dashboard=dashboard)
    if module._diff and changed:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
