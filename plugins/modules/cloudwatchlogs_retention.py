#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatchlogs_retention
short_description: Enforce a retention on every log group found by name prefix (and optionally a name pattern)
version_added: 1.0.0
description:
  - Lists the log groups whose names start with one of I(prefixes) and, when given, match I(name_regex),
    and sets the retention of each to I(retention_days) where it differs; or deletes them (I(state=absent)).
  - Meant for log groups a stack owns but did not create itself, such as those AWS creates for RDS log
    exports or Lambda functions. One call covers them all; only groups that differ are written to.
  - Supports check mode and diff mode.
options:
  prefixes:
    description: Log group name prefixes to look under.
    type: list
    elements: str
    required: true
  name_regex:
    description: A Python regular expression the full name must contain (C(re.search)); empty matches all.
    type: str
    default: ''
  retention_days:
    description: Retention to enforce. Required when I(state=present).
    type: int
    choices: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
  state:
    description: C(present) enforces the retention, C(absent) deletes the matching log groups.
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
- name: Keep every log group of the dev1 stack 30 days
  tierstack.aws.cloudwatchlogs_retention:
    prefixes: [/ecs/, /aws/rds/cluster/, /aws/lambda/, /aws/apigateway/]
    name_regex: '-dev1(/|$)'
    retention_days: 30
"""

RETURN = r"""
log_groups:
  description: The matching log groups, with their retention after the call.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Log group name.
      type: str
    retention_days:
      description: Retention in days (null when the group never expires).
      type: int
changed_log_groups:
  description: Names of the groups whose retention was (or would be) changed or which were deleted.
  returned: always
  type: list
  elements: str
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def select_groups(groups, name_regex):
    """The groups whose name matches name_regex (all when empty), deduplicated and sorted by name."""
    pattern = re.compile(name_regex) if name_regex else None
    by_name = {}
    for g in groups:
        if pattern is None or pattern.search(g["logGroupName"]):
            by_name[g["logGroupName"]] = g
    return [by_name[n] for n in sorted(by_name)]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            prefixes=dict(type="list", elements="str", required=True),
            name_regex=dict(type="str", default=""),
            retention_days=dict(
                type="int",
                choices=[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
            ),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
        required_if=[("state", "present", ["retention_days"])],
    )
    p = module.params
    try:
        re.compile(p["name_regex"] or "")
    except re.error as e:
        module.fail_json(msg=f"name_regex is not a valid regular expression: {e}")
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    found = []
    try:
        for prefix in p["prefixes"]:
            found.extend(paginate_items(client, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Couldn't list log groups")
    groups = select_groups(found, p["name_regex"])
    changed_names = []
    before, after = {}, {}
    for g in groups:
        name = g["logGroupName"]
        current = g.get("retentionInDays")
        if p["state"] == "present":
            if current == p["retention_days"]:
                continue
            changed_names.append(name)
            before[name], after[name] = current, p["retention_days"]
            if not module.check_mode:
                try:
                    client.put_retention_policy(aws_retry=True, logGroupName=name, retentionInDays=p["retention_days"])
                except AWS_ERRORS as e:
                    module.fail_json_aws(e, msg=f"Couldn't set the retention of {name}")
            g["retentionInDays"] = p["retention_days"]
        else:
            changed_names.append(name)
            before[name], after[name] = current, "deleted"
            if not module.check_mode:
                try:
                    client.delete_log_group(aws_retry=True, logGroupName=name)
                except is_boto3_error_code("ResourceNotFoundException"):
                    pass
                except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                    module.fail_json_aws(e, msg=f"Couldn't delete {name}")
    result = dict(
        changed=bool(changed_names),
        changed_log_groups=changed_names,
        log_groups=[] if p["state"] == "absent" else [{"name": g["logGroupName"], "retention_days": g.get("retentionInDays")} for g in groups],
    )
    if module._diff and changed_names:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
