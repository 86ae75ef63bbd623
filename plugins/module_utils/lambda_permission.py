# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resource-policy statement that lets Secrets Manager invoke a rotation function, scoped by SourceArn."""

from __future__ import annotations

import json
import re

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none

SECRETS_PRINCIPAL = "secretsmanager.amazonaws.com"


def default_statement_id(secret_name):
    """A policy statement id for the secret: letters, digits, - and _, at most 100 characters."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"SecretsManager-{secret_name}")[:100]


def statement_source_arn(statement):
    condition = statement.get("Condition") or {}
    for operator in ("ArnLike", "ArnEquals", "StringEquals", "StringLike"):
        for key, value in (condition.get(operator) or {}).items():
            if key.lower() == "aws:sourcearn":
                return value
    return None


def statement_principal(statement):
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        return principal.get("Service")
    return principal


def describe_policy(tool):
    name = tool.params["function_name"]
    found = get_or_none(tool.module, tool.lam.get_policy, "ResourceNotFoundException", f"Couldn't read the policy of function {name}", FunctionName=name)
    return json.loads(found["Policy"]) if found else {"Statement": []}


def ensure_permission(tool, secret_arn, statement_id, function_exists):
    """Grant Secrets Manager invoke permission scoped to ``secret_arn``, replacing a statement scoped otherwise."""
    name = tool.params["function_name"]
    wanted = {"statement_id": statement_id, "source_arn": secret_arn}
    tool.after["permission"] = wanted
    statements = describe_policy(tool)["Statement"] if function_exists else []
    ours = [s for s in statements if s.get("Sid") == statement_id]
    found = ours[0] if ours else None
    tool.before["permission"] = {"statement_id": statement_id, "source_arn": statement_source_arn(found)} if found else None
    if found and statement_source_arn(found) == secret_arn and statement_principal(found) == SECRETS_PRINCIPAL:
        return wanted
    if found:
        needed = tool.change(f"replace invoke permission {statement_id} (it is scoped to another secret)")
    else:
        needed = tool.change(f"grant {SECRETS_PRINCIPAL} invoke permission scoped to the secret")
    if needed:
        try:
            if found:
                tool.lam.remove_permission(aws_retry=True, FunctionName=name, StatementId=statement_id)
            tool.lam.add_permission(
                aws_retry=True, FunctionName=name, StatementId=statement_id, Action="lambda:InvokeFunction", Principal=SECRETS_PRINCIPAL, SourceArn=secret_arn
            )
        except AWS_ERRORS as e:
            tool.module.fail_json_aws(e, msg=f"Couldn't grant Secrets Manager permission to invoke {name}")
    return wanted
