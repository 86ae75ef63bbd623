# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stage of a REST API: its deployment, access logs, metrics, throttling and X-Ray tracing.

``stage_patch_operations`` (pure) turns the wanted stage settings into update_stage patch operations;
``ensure_stage`` deploys the API's current shape to the stage when the deployment's description does not
carry the shape's hash, then applies the settings and the tags.
"""

from __future__ import annotations

import json

from ansible_collections.tierstack.aws.plugins.module_utils.apigw_common import api_arn
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none


DEFAULT_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "path": "$context.path",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "responseLatency": "$context.responseLatency",
        "wafResponseCode": "$context.wafResponseCode",
        "apiKeyId": "$context.identity.apiKeyId",
        "userAgent": "$context.identity.userAgent",
    },
    separators=(",", ":"),
)


def stage_patch_operations(desired, current):
    """The update_stage patch operations that take the current stage (or {}) to the desired settings."""
    ops = []
    if bool(current.get("tracingEnabled")) != desired["tracing_enabled"]:
        ops.append({"op": "replace", "path": "/tracingEnabled", "value": str(desired["tracing_enabled"]).lower()})
    cur_log = current.get("accessLogSettings") or {}
    if desired["access_log_destination_arn"]:
        if cur_log.get("destinationArn") != desired["access_log_destination_arn"]:
            ops.append(
                {
                    "op": "replace",
                    "path": "/accessLogSettings/destinationArn",
                    "value": desired["access_log_destination_arn"],
                }
            )
        if cur_log.get("format") != desired["access_log_format"]:
            ops.append({"op": "replace", "path": "/accessLogSettings/format", "value": desired["access_log_format"]})
    elif cur_log.get("destinationArn"):
        ops.append({"op": "remove", "path": "/accessLogSettings"})
    cur_ms = (current.get("methodSettings") or {}).get("*/*") or {}
    if bool(cur_ms.get("metricsEnabled")) != desired["metrics_enabled"]:
        ops.append({"op": "replace", "path": "/*/*/metrics/enabled", "value": str(desired["metrics_enabled"]).lower()})
    if cur_ms.get("throttlingRateLimit") is None or float(cur_ms["throttlingRateLimit"]) != float(
        desired["throttling_rate_limit"]
    ):
        ops.append(
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(float(desired["throttling_rate_limit"]))}
        )
    if cur_ms.get("throttlingBurstLimit") is None or int(cur_ms["throttlingBurstLimit"]) != int(
        desired["throttling_burst_limit"]
    ):
        ops.append(
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(desired["throttling_burst_limit"]))}
        )
    return ops


def stage_arn(region, api_id, stage_name):
    return f"{api_arn(region, api_id)}/stages/{stage_name}"


def get_stage(tool, api_id, stage_name):
    return get_or_none(
        tool.module, tool.client.get_stage, "NotFoundException", f"Couldn't get stage {stage_name}", restApiId=api_id, stageName=stage_name
    )


def deployment_description(tool, api_id, deployment_id):
    found = get_or_none(
        tool.module,
        tool.client.get_deployment,
        "NotFoundException",
        f"Couldn't get deployment {deployment_id}",
        default={},
        restApiId=api_id,
        deploymentId=deployment_id,
    )
    return found.get("description", "")


def ensure_stage(tool, api, stage_p, digest, tags):
    name = stage_p["name"]
    description = f"tierstack sha256:{digest}"
    if api is None:
        tool.changes.append(f"deploy to {name}")
        return None, None
    api_id = api["id"]
    stage = get_stage(tool, api_id, name)
    deployment_id = stage.get("deploymentId") if stage else None
    if stage is None or not deployment_description(tool, api_id, deployment_id).startswith(description):
        tool.changes.append(f"deploy to {name}")
        if not tool.check:
            try:
                deployment_id = tool.client.create_deployment(aws_retry=True, restApiId=api_id, description=description)["id"]
                if stage is None:
                    stage = tool.client.create_stage(
                        aws_retry=True,
                        restApiId=api_id,
                        stageName=name,
                        deploymentId=deployment_id,
                        tags=tags or {},
                    )
                else:
                    stage = tool.client.update_stage(
                        aws_retry=True,
                        restApiId=api_id,
                        stageName=name,
                        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": deployment_id}],
                    )
            except AWS_ERRORS as e:
                tool.fail(e, f"Couldn't deploy API {api_id} to stage {name}")
    ops = stage_patch_operations(stage_p, stage or {})
    if ops:
        tool.changes.append(f"update stage {name} settings: " + ", ".join(o["path"] for o in ops))
        if not tool.check:
            try:
                stage = tool.client.update_stage(aws_retry=True, restApiId=api_id, stageName=name, patchOperations=ops)
            except AWS_ERRORS as e:
                tool.fail(e, f"Couldn't update stage {name}")
    if stage is not None and stage.get("stageName"):
        tool.ensure_tags(stage_arn(tool.region, api_id, name), stage.get("tags") or {}, tags, "stage")
    return stage, deployment_id
