"""A deployed stack's state in the account, read with boto3: the same parameters the playbooks use.

* ``/tierstack/<suffix>/outputs/<Key>``: each tier's declared outputs (String parameters);
* ``/tierstack/<suffix>/stack``: the stack's record, JSON with its profile, tiers and region.

The playbooks read them with the ``tierstack.aws.stack_outputs`` lookup and write them through the
``outputs`` role; this module is the Python side, for ``tierstack.api`` and the CLI. Reads only.
The endpoint is ``AWS_ENDPOINT_URL`` when set (the emulator), else boto3's default (real AWS).
"""

from __future__ import annotations

import json
import os
from typing import Any

ROOT = "/tierstack"
DEFAULT_REGION = "ap-southeast-1"


class StackNotFound(LookupError):
    """The account holds no outputs (or no record) for the suffix in the region."""


def region_of(region: str | None = None) -> str:
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def ssm_client(region: str | None = None, endpoint_url: str | None = None):
    import boto3

    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    kwargs: dict[str, Any] = {"region_name": region_of(region)}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        kwargs.setdefault("aws_access_key_id", os.environ.get("AWS_ACCESS_KEY_ID", "testing"))
        kwargs.setdefault("aws_secret_access_key", os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
    return boto3.client("ssm", **kwargs)


def outputs(suffix: str, region: str | None = None, client=None, root: str = ROOT) -> dict[str, str]:
    """The stack's outputs from SSM Parameter Store; StackNotFound when there are none."""
    client = client or ssm_client(region)
    path = f"{root}/{suffix}/outputs"
    found = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=False):
        for p in page.get("Parameters", []):
            found[p["Name"].rsplit("/", 1)[-1]] = p["Value"]
    if not found:
        raise StackNotFound(f"No stack {suffix!r} in region {region_of(region)}: nothing under {path}/ in SSM Parameter Store")
    return {k: found[k] for k in sorted(found)}


def record(suffix: str, region: str | None = None, client=None, root: str = ROOT) -> dict[str, Any] | None:
    """The stack's record (profile, tiers, region, updated), or None."""
    client = client or ssm_client(region)
    try:
        p = client.get_parameter(Name=f"{root}/{suffix}/stack")["Parameter"]
    except client.exceptions.ParameterNotFound:
        return None
    data = json.loads(p["Value"])
    data.setdefault("suffix", suffix)
    if p.get("LastModifiedDate") is not None:
        data["updated"] = p["LastModifiedDate"].isoformat(timespec="seconds")
    return data


def stacks(region: str | None = None, client=None, root: str = ROOT) -> list[dict[str, Any]]:
    """Every stack recorded in the region, sorted by suffix: suffix, profile, tiers, region, updated."""
    client = client or ssm_client(region)
    names = []
    filters = [{"Key": "Name", "Option": "BeginsWith", "Values": [f"{root}/"]}, {"Key": "tag:Tier", "Values": ["stack"]}]
    for page in client.get_paginator("describe_parameters").paginate(ParameterFilters=filters):
        names.extend(p["Name"] for p in page.get("Parameters", []) if p["Name"].endswith("/stack"))
    out = []
    for name in sorted(names):
        suffix = name[len(root) + 1:].rsplit("/", 1)[0]
        if "/" in suffix:
            continue
        rec = record(suffix, region, client=client, root=root)
        if rec:
            out.append(rec)
    return out
