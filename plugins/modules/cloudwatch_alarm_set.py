#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_alarm_set
short_description: Manage a set of CloudWatch metric alarms (metric math included) in one call, with tags
version_added: 1.0.0
description:
  - Creates or updates every alarm in I(alarms), given in the C(PutMetricAlarm) shape, and tags them.
  - Every setting given is compared with the alarm's current one, C(Metrics) (metric math) included,
    so a re-run makes no write call. (amazon.aws.cloudwatch_metric_alarm leaves C(Metrics) out of its
    comparison and has no tags.)
  - With I(purge_prefix), alarms whose names start with it and that are not in I(alarms) are deleted.
    With I(state=absent), every alarm named in I(alarms) or starting with I(purge_prefix) is deleted.
  - Supports check mode and diff mode.
options:
  alarms:
    description:
      - The alarms, each a dict of C(PutMetricAlarm) parameters (C(AlarmName), C(MetricName), C(Namespace),
        C(Statistic) or C(ExtendedStatistic), C(Dimensions), C(Period), or C(Metrics) for metric math, and
        C(EvaluationPeriods), C(Threshold), C(ComparisonOperator), C(TreatMissingData), C(AlarmActions), ...).
      - Dimensions may be given as a dict of name to value.
    type: list
    elements: dict
    default: []
  purge_prefix:
    description:
      - Name prefix of the alarms this set may own; those not in I(alarms) are deleted, provided they carry
        every tag of I(owner_tags).
    type: str
    default: ''
  owner_tags:
    description:
      - Tags an alarm found by I(purge_prefix) must carry to be deleted, so that alarms of other stacks
        that share the prefix are left alone.
    type: dict
    default: {}
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A CPU alarm and a 5xx-rate alarm with metric math
  tierstack.aws.cloudwatch_alarm_set:
    purge_prefix: tierstack-dev1-
    tags: {Environment: dev1}
    alarms:
      - AlarmName: tierstack-dev1-frontend-cpu-high
        Namespace: AWS/ECS
        MetricName: CPUUtilization
        Dimensions: {ClusterName: cluster-dev1, ServiceName: frontend-dev1}
        Statistic: Average
        Period: 300
        EvaluationPeriods: 2
        Threshold: 80
        ComparisonOperator: GreaterThanThreshold
      - AlarmName: tierstack-dev1-alb-5xx-rate
        EvaluationPeriods: 3
        Threshold: 5
        ComparisonOperator: GreaterThanThreshold
        Metrics:
          - Id: rate
            Expression: "100 * (FILL(e, 0) + FILL(t, 0)) / FILL(r, 1)"
            ReturnData: true
          - Id: e
            ReturnData: false
            MetricStat:
              Metric: {Namespace: AWS/ApplicationELB, MetricName: HTTPCode_ELB_5XX_Count,
                       Dimensions: [{Name: LoadBalancer, Value: app/alb-dev1/0123456789abcdef}]}
              Period: 60
              Stat: Sum
"""

RETURN = r"""
alarms:
  description: Names and ARNs of the alarms after the call.
  returned: always
  type: list
  elements: dict
changes:
  description: What was (or would be) changed, one line per alarm.
  returned: always
  type: list
  elements: str
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items
from ansible_collections.tierstack.aws.plugins.module_utils.compare import differences
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import get_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags


LIST_DEFAULTS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def normalise_alarm(alarm):
    """The desired alarm in PutMetricAlarm shape: dimension dicts become lists, and defaults are explicit."""
    out = copy.deepcopy(alarm)
    if isinstance(out.get("Dimensions"), dict):
        out["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in sorted(out["Dimensions"].items())]
    for metric in out.get("Metrics") or []:
        stat = metric.get("MetricStat") or {}
        dims = (stat.get("Metric") or {}).get("Dimensions")
        if isinstance(dims, dict):
            stat["Metric"]["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in sorted(dims.items())]
    for key in LIST_DEFAULTS:
        out.setdefault(key, [])
    out.setdefault("ActionsEnabled", True)
    out.setdefault("TreatMissingData", "missing")
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    return out


def alarm_differences(desired, current):
    """Settings of desired that current lacks or has otherwise (the shared subset comparison; dimensions by name)."""
    return differences(desired, current, sort_lists_by={"Dimensions": "Name"})


class AlarmSet:
    def __init__(self, module):
        self.module = module
        self.client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
        self.check = module.check_mode
        self.changes = []
        self.before = {}
        self.after = {}

    def fail(self, e, msg):
        self.module.fail_json_aws(e, msg=msg)

    def describe(self, names, prefix):
        found = {}
        try:
            if prefix:
                found.update((a["AlarmName"], a) for a in self.list_alarms(AlarmNamePrefix=prefix))
            missing = [n for n in names if n not in found]
            for i in range(0, len(missing), 100):
                found.update((a["AlarmName"], a) for a in self.list_alarms(AlarmNames=missing[i:i + 100]))
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't describe alarms")
        return found

    def list_alarms(self, **params):
        return paginate_items(self.client, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"], **params)

    def tags(self, arn):
        return get_tags(self.module, self.client, "cloudwatch", arn)

    def put(self, alarm, tags):
        if self.check:
            return
        params = dict(alarm)
        if tags:
            params["Tags"] = create_tags("cloudwatch", tags)
        try:
            self.client.put_metric_alarm(aws_retry=True, **params)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't put alarm {alarm['AlarmName']}")

    def delete(self, names):
        if not names:
            return
        for name in names:
            self.changes.append(f"delete {name}")
            self.before[name], self.after[name] = "present", "absent"
        if self.check:
            return
        try:
            for i in range(0, len(names), 100):
                self.client.delete_alarms(aws_retry=True, AlarmNames=names[i:i + 100])
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't delete alarms")

    def present(self, alarms, prefix, tags):
        current = self.describe([a["AlarmName"] for a in alarms], prefix)
        for alarm in alarms:
            name = alarm["AlarmName"]
            cur = current.get(name)
            if cur is None:
                self.changes.append(f"create {name}")
                self.before[name], self.after[name] = None, alarm
                self.put(alarm, tags)
                continue
            diffs = alarm_differences(alarm, cur)
            if diffs:
                self.changes.append(f"update {name}: {', '.join(diffs)}")
                self.before[name] = {k: cur.get(k) for k in alarm}
                self.after[name] = alarm
                self.put(alarm, None)
            if reconcile_tags(self.module, self.client, "cloudwatch", cur["AlarmArn"], tags, self.module.params["purge_tags"]).changed:
                self.changes.append(f"tag {name}")
        wanted = {a["AlarmName"] for a in alarms}
        if prefix:
            self.delete(self.owned(current, [n for n in current if n.startswith(prefix) and n not in wanted]))

    def owned(self, current, names):
        """The names among names whose alarms carry every owner tag."""
        owner = self.module.params["owner_tags"] or {}
        out = []
        for name in sorted(names):
            tags = self.tags(current[name]["AlarmArn"]) if owner else {}
            if all(tags.get(k) == v for k, v in owner.items()):
                out.append(name)
        return out

    def absent(self, alarms, prefix):
        listed = {a["AlarmName"] for a in alarms}
        current = self.describe(sorted(listed), prefix)
        self.delete(sorted(set(n for n in current if n in listed) | set(self.owned(current, [n for n in current if n not in listed]))))


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            alarms=dict(type="list", elements="dict", default=[]),
            purge_prefix=dict(type="str", default=""),
            owner_tags=dict(type="dict", default={}),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            **TAG_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    p = module.params
    alarms = []
    for alarm in p["alarms"]:
        if not alarm.get("AlarmName"):
            module.fail_json(msg=f"every alarm needs an AlarmName; got {alarm}")
        if p["state"] == "present":
            missing = [k for k in ("EvaluationPeriods", "Threshold", "ComparisonOperator") if k not in alarm]
            if missing:
                module.fail_json(msg=f"alarm {alarm['AlarmName']} lacks {', '.join(missing)}")
            if not alarm.get("Metrics") and not alarm.get("MetricName"):
                module.fail_json(msg=f"alarm {alarm['AlarmName']} needs MetricName or Metrics")
        alarms.append(normalise_alarm(alarm))
    tool = AlarmSet(module)
    if p["state"] == "present":
        tool.present(alarms, p["purge_prefix"], p["tags"])
    else:
        tool.absent(alarms, p["purge_prefix"])
    changed = bool(tool.changes)
    result = dict(changed=changed, changes=tool.changes, alarms=[{"name": a["AlarmName"]} for a in alarms] if p["state"] == "present" else [])
    if module._diff and changed:
        result["diff"] = {"before": tool.before, "after": tool.after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
