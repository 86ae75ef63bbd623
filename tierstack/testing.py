"""Helpers for tests that read a deployed stack back from the endpoint with boto3."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from tierstack import REPO_ROOT
from tierstack.emulator import endpoint_url

DEFAULT_REGION = "ap-southeast-1"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


@lru_cache(maxsize=None)
def client(service: str, region_name: str | None = None):
    """A boto3 client for the emulator (or for real AWS when TIERSTACK_TARGET=aws)."""
    import boto3

    kwargs = {"region_name": region_name or region()}
    if os.environ.get("TIERSTACK_TARGET", "emulator") == "emulator":
        kwargs.update(
            endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or endpoint_url(),
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return boto3.client(service, **kwargs)


def outputs_path(suffix: str):
    return REPO_ROOT / "outputs" / suffix / "flat-outputs.json"


def outputs(suffix: str) -> dict:
    """The stack's flat-outputs.json as a dict."""
    return json.loads(outputs_path(suffix).read_text())


def tags_of(resource: dict, key: str = "Tags") -> dict:
    """Tags of an EC2-style resource as a plain dict."""
    return {t["Key"]: t["Value"] for t in resource.get(key) or []}
