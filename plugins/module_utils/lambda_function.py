# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Lambda function deployed from a source directory: package it deterministically, create or update
it only when its code or managed settings differ, and wait until it is ready (boto3's waiters)."""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none
from ansible_collections.tierstack.aws.plugins.module_utils.compare import changed_keys
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import build_zip
from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import code_sha256
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import boto3_wait
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import is_waiter_error
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import retry_while

# Errors of a role that IAM has not yet propagated to Lambda.
ROLE_NOT_READY = re.compile(r"cannot be assumed|does not have permissions to call|role defined for the function", re.I)
ROLE_PROPAGATION_SECONDS = 120


def desired_function_config(params):
    """The function settings the module manages, in get_function_configuration's shape."""
    return {
        "Runtime": params["runtime"],
        "Handler": params["handler"],
        "Role": params["role_arn"],
        "Description": params["description"],
        "Timeout": params["timeout"],
        "MemorySize": params["memory_size"],
        "Environment": {"Variables": {str(k): str(v) for k, v in (params["environment"] or {}).items()}},
        "VpcConfig": {"SubnetIds": sorted(params["subnet_ids"]), "SecurityGroupIds": sorted(params["security_group_ids"])},
        "Layers": list(params["layers"]),
    }


def current_function_config(config):
    """The managed settings of an existing function, normalised for comparison."""
    vpc = config.get("VpcConfig") or {}
    return {
        "Runtime": config.get("Runtime"),
        "Handler": config.get("Handler"),
        "Role": config.get("Role"),
        "Description": config.get("Description", ""),
        "Timeout": config.get("Timeout"),
        "MemorySize": config.get("MemorySize"),
        "Environment": {"Variables": dict((config.get("Environment") or {}).get("Variables") or {})},
        "VpcConfig": {"SubnetIds": sorted(vpc.get("SubnetIds") or []), "SecurityGroupIds": sorted(vpc.get("SecurityGroupIds") or [])},
        "Layers": [layer["Arn"] for layer in config.get("Layers") or []],
    }


def config_changes(current, desired):
    """Names of the settings that differ."""
    return changed_keys(current, desired)


def describe_function(tool):
    name = tool.params["function_name"]
    return get_or_none(tool.module, tool.lam.get_function, "ResourceNotFoundException", f"Couldn't describe function {name}", FunctionName=name)


def wait_function_ready(tool):
    """Wait until the function is Active and its last update Successful (boto3's waiters); return its configuration."""
    name = tool.params["function_name"]
    timeout = tool.params["wait_timeout"]
    try:
        boto3_wait(tool.lam, "function_active_v2", timeout, 2, FunctionName=name)
        boto3_wait(tool.lam, "function_updated_v2", timeout, 2, FunctionName=name)
    except Exception as e:  # pylint: disable=broad-except
        if not is_waiter_error(e):
            raise
        config = tool.lam.get_function_configuration(aws_retry=True, FunctionName=name)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Failed" or update == "Failed":
            tool.module.fail_json(msg=f"function {name} is {state}/{update}: {config.get('StateReason') or config.get('LastUpdateStatusReason')}")
        tool.module.fail_json(msg=f"function {name} was not ready within {timeout}s")
    return tool.lam.get_function_configuration(aws_retry=True, FunctionName=name)


def call_while_role_propagates(tool, method, **kwargs):
    """Call a Lambda write that fails while IAM is still propagating a new role."""
    not_ready = is_boto3_error_code("InvalidParameterValueException")
    return retry_while(
        lambda: method(aws_retry=True, **kwargs),
        lambda e: isinstance(e, not_ready) and bool(ROLE_NOT_READY.search(str(e))),
        min(tool.params["wait_timeout"], ROLE_PROPAGATION_SECONDS),
        5,
    )


def create_function(tool, desired, package):
    params = tool.params
    kwargs = dict(
        FunctionName=params["function_name"],
        Runtime=desired["Runtime"],
        Role=desired["Role"],
        Handler=desired["Handler"],
        Code={"ZipFile": package},
        Description=desired["Description"],
        Timeout=desired["Timeout"],
        MemorySize=desired["MemorySize"],
        Environment=desired["Environment"],
        Publish=False,
        Architectures=[params["architecture"]],
        Tags=params["tags"] or {},
    )
    if desired["Layers"]:
        kwargs["Layers"] = desired["Layers"]
    if params["subnet_ids"]:
        kwargs["VpcConfig"] = desired["VpcConfig"]
    try:
        call_while_role_propagates(tool, tool.lam.create_function, **kwargs)
    except AWS_ERRORS as e:
        tool.module.fail_json_aws(e, msg=f"Couldn't create function {params['function_name']}")
    return wait_function_ready(tool)["FunctionArn"]


def ensure_function_tags(tool, existing, arn):
    params = tool.params
    name = params["function_name"]
    current_tags = existing.get("Tags") or {}
    tool.before["function"]["Tags"] = current_tags
    tool.after["function"]["Tags"] = params["tags"] if params["purge_tags"] else dict(current_tags, **params["tags"])
    plan = reconcile_tags(tool.module, tool.lam, "lambda", arn, params["tags"], params["purge_tags"], current=current_tags)
    if plan.to_remove:
        tool.change(f"remove tags {', '.join(sorted(plan.to_remove))} of {name}")
    if plan.to_set:
        tool.change(f"set tags {', '.join(sorted(plan.to_set))} of {name}")


def ensure_function(tool):
    """Create or update the function from its source; return (ARN or None in check mode, CodeSha256)."""
    params = tool.params
    try:
        package = build_zip(params["source"])
    except (OSError, ValueError) as e:
        tool.module.fail_json(msg=f"Couldn't package the rotation function from {params['source']}: {e}")
    sha = code_sha256(package)
    desired = desired_function_config(params)
    existing = describe_function(tool)
    name = params["function_name"]
    tool.after["function"] = dict(desired, CodeSha256=sha, Architectures=[params["architecture"]])

    if existing is None:
        tool.before["function"] = None
        if tool.change(f"create function {name}"):
            return create_function(tool, desired, package), sha
        return None, sha

    config = existing["Configuration"]
    current = current_function_config(config)
    tool.before["function"] = dict(current, CodeSha256=config.get("CodeSha256"), Architectures=config.get("Architectures") or ["x86_64"])
    arn = config["FunctionArn"]

    differing = config_changes(current, desired)
    if differing and tool.change(f"update function configuration ({', '.join(differing)})"):
        try:
            wait_function_ready(tool)
            call_while_role_propagates(tool, tool.lam.update_function_configuration, FunctionName=name, **{key: desired[key] for key in differing})
        except AWS_ERRORS as e:
            tool.module.fail_json_aws(e, msg=f"Couldn't update the configuration of function {name}")

    arch_differs = (config.get("Architectures") or ["x86_64"]) != [params["architecture"]]
    if (config.get("CodeSha256") != sha or arch_differs) and tool.change(f"update function code of {name}"):
        try:
            wait_function_ready(tool)
            tool.lam.update_function_code(aws_retry=True, FunctionName=name, ZipFile=package, Architectures=[params["architecture"]], Publish=False)
        except AWS_ERRORS as e:
            tool.module.fail_json_aws(e, msg=f"Couldn't update the code of function {name}")

    if params["tags"] is not None:
        ensure_function_tags(tool, existing, arn)
    if any(c.startswith("update function") for c in tool.changes) and not tool.module.check_mode:
        wait_function_ready(tool)
    return arn, sha


def delete_function(tool):
    name = tool.params["function_name"]
    if tool.change(f"delete function {name}"):
        get_or_none(tool.module, tool.lam.delete_function, "ResourceNotFoundException", f"Couldn't delete function {name}", FunctionName=name)
