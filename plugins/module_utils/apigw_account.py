# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API Gateway account's CloudWatch role (an account-wide setting that access logs need on AWS)."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import retry_while

# A role created moments ago may not be usable yet (IAM is eventually consistent): API Gateway then
# answers BadRequest, so that error is retried for this long.
ROLE_PROPAGATION_SECONDS = 120


def ensure_account_role(tool, role_arn, force, absent=False):
    """Point the account at ``role_arn`` (only over another role with ``force``), or clear it (``absent``)."""
    try:
        account = tool.client.get_account(aws_retry=True)
    except AWS_ERRORS as e:
        tool.fail(e, "Couldn't get the API Gateway account settings")
    current = account.get("cloudwatchRoleArn") or ""
    if absent:
        if current != role_arn:
            return
        value = ""
    else:
        if current == role_arn or (current and not force):
            return
        value = role_arn
    tool.changes.append("clear the account's CloudWatch role" if absent else "set the account's CloudWatch role")
    if tool.check:
        return
    not_ready = is_boto3_error_code("BadRequestException")
    try:
        retry_while(
            lambda: tool.client.update_account(aws_retry=True, patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": value}]),
            lambda e: not absent and isinstance(e, not_ready),
            ROLE_PROPAGATION_SECONDS,
            5,
        )
    except AWS_ERRORS as e:
        tool.fail(e, "Couldn't update the API Gateway account's CloudWatch role")
