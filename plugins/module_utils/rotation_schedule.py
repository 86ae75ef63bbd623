# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A secret's rotation schedule: the RotationRules the module parameters ask for, and turning rotation on."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.compare import changed_keys

DEFAULT_ROTATION_DAYS = 30


def desired_rules(params):
    """RotationRules for the parameters, in the API's shape (every 30 days when neither schedule is given)."""
    rules = {}
    if params["schedule_expression"]:
        rules["ScheduleExpression"] = params["schedule_expression"]
    else:
        rules["AutomaticallyAfterDays"] = params["rotation_days"] or DEFAULT_ROTATION_DAYS
    if params["rotation_window"]:
        rules["Duration"] = params["rotation_window"]
    return rules


def rules_differ(current, desired):
    """True when any key of ``desired`` has another value in ``current``."""
    return bool(changed_keys(current, desired))


def describe_rules(rules):
    if "ScheduleExpression" in rules:
        return rules["ScheduleExpression"]
    return f"every {rules['AutomaticallyAfterDays']} days"


def snake_rules(rules):
    names = {"AutomaticallyAfterDays": "automatically_after_days", "ScheduleExpression": "schedule_expression", "Duration": "duration"}
    return {names.get(k, k): v for k, v in rules.items()}


def ensure_rotation(tool, secret, function_arn, code_changed):
    """Turn rotation on with the wanted rules (and function), when anything differs."""
    params = tool.params
    rules = desired_rules(params)
    current_lambda = secret.get("RotationLambdaARN") or ""
    tool.before["rotation"] = {"enabled": bool(secret.get("RotationEnabled")), "lambda_arn": current_lambda, "rules": secret.get("RotationRules") or {}}
    tool.after["rotation"] = {
        "enabled": True,
        "lambda_arn": function_arn or ("" if params["managed"] else "(new function)"),
        "rules": dict(secret.get("RotationRules") or {}, **rules),
    }
    needed = (
        not secret.get("RotationEnabled")
        or rules_differ(secret.get("RotationRules"), rules)
        or (not params["managed"] and current_lambda != function_arn)
        or (code_changed and params["rotate_immediately"])
    )
    if needed and tool.change(f"set rotation of {secret['Name']} ({describe_rules(rules)})"):
        kwargs = dict(SecretId=secret["ARN"], RotationRules=rules, RotateImmediately=params["rotate_immediately"])
        if not params["managed"]:
            kwargs["RotationLambdaARN"] = function_arn
        try:
            tool.secrets.rotate_secret(aws_retry=True, **kwargs)
        except AWS_ERRORS as e:
            tool.module.fail_json_aws(e, msg=f"Couldn't set rotation of secret {secret['Name']}")


def cancel_rotation(tool, secret):
    if tool.change(f"turn rotation of {secret['Name']} off"):
        try:
            tool.secrets.cancel_rotate_secret(aws_retry=True, SecretId=secret["ARN"])
        except AWS_ERRORS as e:
            tool.module.fail_json_aws(e, msg=f"Couldn't turn rotation of {secret['Name']} off")
