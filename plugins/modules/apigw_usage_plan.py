#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apigw_usage_plan
short_description: An API Gateway usage plan with its API stages, throttle, quota and API keys
version_added: 1.0.0
description:
  - Creates or updates a usage plan, found by name, with its API stages, throttle and quota settings,
    and creates the named API keys and attaches them to the plan.
  - With I(state=absent), detaches and deletes the named keys, detaches the API stages and deletes the plan.
  - CreateApiKey has no idempotency token, so a create whose answer was lost, or two runs at once, can leave
    two keys of one name. Keys of a wanted name that are not in the plan are then unused extras and are
    deleted (the key in the plan, else the oldest, is kept); two or more in the plan make the module fail
    with their ids and the command to remove the one not wanted.
  - Key values are never returned or logged; read them with C(aws apigateway get-api-key --include-value).
  - Supports check mode and diff mode.
options:
  name:
    description: Name of the usage plan (unique in the region).
    type: str
    required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the plan.
    type: str
    default: ''
  api_stages:
    description: The API stages the plan covers.
    type: list
    elements: dict
    default: []
    suboptions:
      api_id:
        description: REST API id.
        type: str
        required: true
      stage:
        description: Stage name.
        type: str
        required: true
  throttle:
    description: Per-key throttle (omit for none).
    type: dict
    suboptions:
      rate_limit:
        description: Steady-state requests per second.
        type: float
        required: true
      burst_limit:
        description: Burst size.
        type: int
        required: true
  quota:
    description: Per-key quota (omit for none).
    type: dict
    suboptions:
      limit:
        description: Requests allowed per period.
        type: int
        required: true
      period:
        description: The period.
        type: str
        choices: [DAY, WEEK, MONTH]
        required: true
  api_keys:
    description: Names of API keys to create (if missing), enable and attach to the plan.
    type: list
    elements: str
    default: []
  purge_api_keys:
    description: Detach keys attached to the plan but not named in I(api_keys) (they are not deleted).
    type: bool
    default: true
  tags:
    description: Tags of the plan and the keys.
    type: dict
    aliases: [resource_tags]
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A usage plan for the prod stage, with one key
  tierstack.aws.apigw_usage_plan:
    name: plan-dev1
    api_stages:
      - api_id: "{{ api.api.id }}"
        stage: prod
    throttle:
      rate_limit: 100
      burst_limit: 200
    quota:
      limit: 1000000
      period: MONTH
    api_keys: [client-dev1]
"""

RETURN = r"""
usage_plan:
  description: The plan after the call (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: Usage plan id.
      type: str
    name:
      description: Usage plan name.
      type: str
    api_keys:
      description: The plan's keys, name and id (never the value).
      type: list
      elements: dict
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def plan_patch_operations(desired, current):
    """update_usage_plan patch operations from the current plan to the desired settings (pure)."""
    ops = []
    if (current.get("description") or "") != desired["description"]:
        ops.append({"op": "replace", "path": "/description", "value": desired["description"]})
    want_stages = {f"{s['api_id']}:{s['stage']}" for s in desired["api_stages"]}
    have_stages = {f"{s['apiId']}:{s['stage']}" for s in current.get("apiStages") or []}
    for stage in sorted(want_stages - have_stages):
        ops.append({"op": "add", "path": "/apiStages", "value": stage})
    for stage in sorted(have_stages - want_stages):
        ops.append({"op": "remove", "path": "/apiStages", "value": stage})
    cur_t = current.get("throttle") or {}
    want_t = desired.get("throttle")
    if want_t:
        if cur_t.get("rateLimit") is None or float(cur_t["rateLimit"]) != float(want_t["rate_limit"]):
            ops.append({"op": "replace", "path": "/throttle/rateLimit", "value": str(float(want_t["rate_limit"]))})
        if cur_t.get("burstLimit") is None or int(cur_t["burstLimit"]) != int(want_t["burst_limit"]):
            ops.append({"op": "replace", "path": "/throttle/burstLimit", "value": str(int(want_t["burst_limit"]))})
    elif cur_t:
        ops.append({"op": "remove", "path": "/throttle"})
    cur_q = current.get("quota") or {}
    want_q = desired.get("quota")
    if want_q:
        if cur_q.get("limit") != want_q["limit"]:
            ops.append({"op": "replace", "path": "/quota/limit", "value": str(want_q["limit"])})
        if cur_q.get("period") != want_q["period"]:
            ops.append({"op": "replace", "path": "/quota/period", "value": want_q["period"]})
    elif cur_q:
        ops.append({"op": "remove", "path": "/quota"})
    return ops


class UsagePlan:
    def __init__(self, module):
        self.module = module
        self.client = module.client("apigateway", retry_decorator=AWSRetry.jittered_backoff())
        self.changes = []
        self.check = module.check_mode

    def fail(self, e, msg):
        self.module.fail_json_aws(e, msg=msg)

    def _all(self, op, **kwargs):
        try:
            return paginate_items(self.client, op, "items", **kwargs)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't call {op}")

    def find_plan(self, name):
        found = [p for p in self._all("get_usage_plans") if p.get("name") == name]
        if len(found) > 1:
            self.module.fail_json(msg=f"{len(found)} usage plans are named {name}; names must be unique")
        return found[0] if found else None

    def find_keys(self, names):
        """Name -> every API key of that name (CreateApiKey has no idempotency token, so a retried or
        concurrent create can leave two)."""
        by_name = {}
        for key in self._all("get_api_keys", includeValues=False):
            if key.get("name") in names:
                by_name.setdefault(key["name"], []).append(key)
        return by_name

    def one_key_each(self, by_name, plan_id):
        """Name -> the API key to keep. Where several keys share a name, those not in the usage plan are
        provably unused extras: they are deleted and the key in the plan (else the oldest) is kept. Two
        or more in the plan cannot be told apart safely: the module fails and lists them."""
        attached = set(self.plan_keys(plan_id)) if any(len(k) > 1 for k in by_name.values()) else set()
        out = {}
        for name, keys in sorted(by_name.items()):
            keys = sorted(keys, key=lambda k: (str(k.get("createdDate", "")), k["id"]))
            in_plan = [k for k in keys if k["id"] in attached]
            if len(in_plan) > 1:
                ids = ", ".join(k["id"] for k in in_plan)
                self.module.fail_json(
                    msg=f"{len(keys)} API keys are named {name} and {len(in_plan)} of them ({ids}) are in usage plan "
                    f"{self.module.params['name']}; names must be unique. Keep the one your clients use and remove "
                    f"the other with: aws apigateway delete-api-key --api-key <id>"
                )
            keep = in_plan[0] if in_plan else keys[0]
            for extra in keys:
                if extra is not keep:
                    self.delete_key(extra, f"duplicate API key {name} ({extra['id']}, not in the usage plan)")
            out[name] = keep
        return out

    def delete_key(self, key, what):
        """Delete one API key (planned only, in check mode); ``what`` names it in the changes and errors."""
        self.changes.append(f"delete {what}")
        if not self.check:
            try:
                self.client.delete_api_key(aws_retry=True, apiKey=key["id"])
            except AWS_ERRORS as e:
                self.fail(e, f"Couldn't delete {what}")

    def plan_keys(self, plan_id):
        if plan_id is None:
            return {}
        try:
            items = paginate_items(self.client, "get_usage_plan_keys", "items", usagePlanId=plan_id)
        except is_boto3_error_code("NotFoundException"):
            return {}
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, "Couldn't list the usage plan's keys")
        return {k["id"]: k for k in items}

    def present(self, p):
        tags = p["tags"] or {}
        desired = dict(
            description=p["description"],
            api_stages=p["api_stages"],
            throttle=p["throttle"],
            quota=p["quota"],
        )
        plan = self.find_plan(p["name"])
        if plan is None:
            self.changes.append("create usage plan")
            if not self.check:
                kwargs = dict(name=p["name"], description=p["description"], tags=tags)
                if desired["api_stages"]:
                    kwargs["apiStages"] = [{"apiId": s["api_id"], "stage": s["stage"]} for s in desired["api_stages"]]
                if desired["throttle"]:
                    kwargs["throttle"] = {"rateLimit": desired["throttle"]["rate_limit"], "burstLimit": desired["throttle"]["burst_limit"]}
                if desired["quota"]:
                    kwargs["quota"] = {"limit": desired["quota"]["limit"], "period": desired["quota"]["period"]}
                try:
                    plan = self.client.create_usage_plan(aws_retry=True, **kwargs)
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't create usage plan {p['name']}")
        else:
            ops = plan_patch_operations(desired, plan)
            if ops:
                self.changes.append("update usage plan: " + ", ".join(o["path"] for o in ops))
                if not self.check:
                    try:
                        plan = self.client.update_usage_plan(aws_retry=True, usagePlanId=plan["id"], patchOperations=ops)
                    except AWS_ERRORS as e:
                        self.fail(e, f"Couldn't update usage plan {p['name']}")
        plan_id = plan["id"] if plan else None

        keys = self.one_key_each(self.find_keys(set(p["api_keys"])), plan_id)
        for name in p["api_keys"]:
            key = keys.get(name)
            if key is None:
                self.changes.append(f"create API key {name}")
                if not self.check:
                    try:
                        keys[name] = self.client.create_api_key(aws_retry=True, name=name, enabled=True, tags=tags)
                    except AWS_ERRORS as e:
                        self.fail(e, f"Couldn't create API key {name}")
            elif not key.get("enabled"):
                self.changes.append(f"enable API key {name}")
                if not self.check:
                    try:
                        self.client.update_api_key(aws_retry=True, apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])
                    except AWS_ERRORS as e:
                        self.fail(e, f"Couldn't enable API key {name}")
        attached = self.plan_keys(plan_id)
        want_ids = {keys[n]["id"]: n for n in p["api_keys"] if n in keys}
        for key_id, name in sorted(want_ids.items()):
            if key_id not in attached:
                self.changes.append(f"attach API key {name}")
                if not self.check:
                    try:
                        self.client.create_usage_plan_key(aws_retry=True, usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
                    except AWS_ERRORS as e:
                        self.fail(e, f"Couldn't attach API key {name}")
        if self.check and plan_id is None:
            for name in p["api_keys"]:
                self.changes.append(f"attach API key {name}")
        if p["purge_api_keys"]:
            for key_id, key in sorted(attached.items()):
                if key_id not in want_ids:
                    self.changes.append(f"detach API key {key.get('name', key_id)}")
                    if not self.check:
                        try:
                            self.client.delete_usage_plan_key(aws_retry=True, usagePlanId=plan_id, keyId=key_id)
                        except AWS_ERRORS as e:
                            self.fail(e, f"Couldn't detach API key {key_id}")
        out = {}
        if plan_id:
            out = dict(
                id=plan_id,
                name=p["name"],
                api_keys=[{"name": n, "id": keys[n]["id"]} for n in p["api_keys"] if n in keys],
            )
        return out

    def absent(self, p):
        plan = self.find_plan(p["name"])
        keys = self.find_keys(set(p["api_keys"]))
        if plan is not None:
            attached = self.plan_keys(plan["id"])
            for key_id in sorted(attached):
                self.changes.append(f"detach API key {attached[key_id].get('name', key_id)}")
                if not self.check:
                    try:
                        self.client.delete_usage_plan_key(aws_retry=True, usagePlanId=plan["id"], keyId=key_id)
                    except AWS_ERRORS as e:
                        self.fail(e, f"Couldn't detach API key {key_id}")
            stages = [f"{s['apiId']}:{s['stage']}" for s in plan.get("apiStages") or []]
            if stages:
                self.changes.append("detach API stages")
                if not self.check:
                    try:
                        self.client.update_usage_plan(
                            aws_retry=True,
                            usagePlanId=plan["id"],
                            patchOperations=[{"op": "remove", "path": "/apiStages", "value": s} for s in stages],
                        )
                    except AWS_ERRORS as e:
                        self.fail(e, "Couldn't detach the usage plan's API stages")
            self.changes.append("delete usage plan")
            if not self.check:
                try:
                    self.client.delete_usage_plan(aws_retry=True, usagePlanId=plan["id"])
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't delete usage plan {p['name']}")
        for name, same_name in sorted(keys.items()):
            for key in same_name:  # duplicates included: every key of the name is this plan's
                self.delete_key(key, f"API key {name}")
        return {}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str", default=""),
        api_stages=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(api_id=dict(type="str", required=True), stage=dict(type="str", required=True)),
        ),
        throttle=dict(
            type="dict",
            options=dict(rate_limit=dict(type="float", required=True), burst_limit=dict(type="int", required=True)),
        ),
        quota=dict(
            type="dict",
            options=dict(
                limit=dict(type="int", required=True),
                period=dict(type="str", choices=["DAY", "WEEK", "MONTH"], required=True),
            ),
        ),
        api_keys=dict(type="list", elements="str", default=[], no_log=False),
        purge_api_keys=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    tool = UsagePlan(module)
    if module.params["state"] == "present":
        out = tool.present(module.params)
    else:
        out = tool.absent(module.params)
    changed = bool(tool.changes)
    result = dict(changed=changed, usage_plan=out, changes=tool.changes)
    if module._diff and changed:
        result["diff"] = {"before": "", "after": "\n".join(tool.changes) + "\n"}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
