# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: stack_outputs
author:
  - tierstack maintainers (@tierstack)
short_description: Read a tierstack stack's outputs (or its record) from SSM Parameter Store
version_added: 1.0.0
description:
  - Returns, for each suffix given, the outputs that the stack's tiers published as String parameters
    C(<root>/<suffix>/outputs/<Key>), as a flat dict of output name to value.
  - With O(what=stack), returns the stack's record instead (the parameter C(<root>/<suffix>/stack)),
    a dict with the profile, the tiers, the region and when it was last changed (C(updated), ISO 8601).
    The suffix C(*) with O(what=stack) returns the list of every stack recorded in the region.
  - A suffix with nothing in the account fails naming the suffix, the region and the path,
    unless O(on_missing=empty).
  - Reads only (GetParametersByPath, GetParameter).
options:
  _terms:
    description: Stack suffixes.
    required: true
    type: list
    elements: str
  root:
    description: Root of the stacks' parameters.
    type: str
    default: /tierstack
  what:
    description: C(outputs) for the outputs, C(stack) for the stack's record.
    type: str
    choices: [outputs, stack]
    default: outputs
  on_missing:
    description: C(error) fails when the stack has no outputs (or no record); C(empty) returns an empty dict.
    type: str
    choices: [error, empty]
    default: error
  on_error:
    description:
      - C(error) fails when the account cannot be read (no endpoint, no credentials, access denied);
        C(warn) shows a warning and returns an empty dict, for callers that have a default to fall back on.
    type: str
    choices: [error, warn]
    default: error
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
"""

EXAMPLES = r"""
- name: Load the outputs of stack dev1 through the same connection settings as the AWS modules
  ansible.builtin.set_fact:
    dev1_outputs: "{{ lookup('tierstack.aws.stack_outputs', 'dev1', **tierstack_aws_module_defaults) }}"

- name: The ALB of stack dev1 in eu-west-2
  ansible.builtin.debug:
    msg: "{{ lookup('tierstack.aws.stack_outputs', 'dev1', region='eu-west-2').ALBDNSName }}"

- name: Every stack of the region, with its profile, tiers and last change
  ansible.builtin.debug:
    msg: "{{ lookup('tierstack.aws.stack_outputs', '*', what='stack', **tierstack_aws_module_defaults) }}"

- name: The profile and tiers stack dev1 was deployed with, or {} when it has no record
  ansible.builtin.debug:
    msg: "{{ lookup('tierstack.aws.stack_outputs', 'dev1', what='stack', on_missing='empty') }}"
"""

RETURN = r"""
_raw:
  description:
    - One dict per suffix. For O(what=outputs), output name to value (lists are comma-joined strings).
    - For O(what=stack), the record with C(suffix), C(profile), C(tiers), C(region) and C(updated).
  type: list
  elements: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AWSLookupBase

from ansible.errors import AnsibleLookupError
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase


def outputs_path(root, suffix):
    return f"{root.rstrip('/')}/{suffix}/outputs"


def record_name(root, suffix):
    return f"{root.rstrip('/')}/{suffix}/stack"


def read_outputs(client, root, suffix):
    """Output name to value, and the newest LastModifiedDate among them (or None)."""
    out, newest = {}, None
    paginator = client.get_paginator("get_parameters_by_path")
    for page in paginator.paginate(Path=outputs_path(root, suffix), Recursive=False, WithDecryption=False):
        for p in page.get("Parameters", []):
            out[p["Name"].rsplit("/", 1)[-1]] = p["Value"]
            modified = p.get("LastModifiedDate")
            if modified is not None and (newest is None or modified > newest):
                newest = modified
    return {k: out[k] for k in sorted(out)}, newest


def read_record(client, root, suffix):
    """The stack's record as a dict, or None."""
    try:
        p = client.get_parameter(aws_retry=True, Name=record_name(root, suffix))["Parameter"]
    except is_boto3_error_code("ParameterNotFound"):
        return None
    record = json.loads(p["Value"])
    modified = p.get("LastModifiedDate")
    record.setdefault("suffix", suffix)
    if modified is not None:
        record["updated"] = modified.isoformat()
    return record


def list_records(client, root):
    """Every stack record under root, sorted by suffix."""
    names = []
    filters = [{"Key": "Name", "Option": "BeginsWith", "Values": [root.rstrip("/") + "/"]}, {"Key": "tag:Tier", "Values": ["stack"]}]
    for page in client.get_paginator("describe_parameters").paginate(ParameterFilters=filters):
        names.extend(p["Name"] for p in page.get("Parameters", []) if p["Name"].endswith("/stack"))
    records = []
    for name in sorted(names):
        suffix = name[len(root.rstrip("/")) + 1:].rsplit("/", 1)[0]
        if "/" not in suffix:
            record = read_record(client, root, suffix)
            if record:
                records.append(record)
    return records


class LookupModule(AWSLookupBase):
    def run(self, terms, variables=None, **kwargs):
        super().run(terms, variables, **kwargs)
        root = self.get_option("root")
        what = self.get_option("what")
        on_missing = self.get_option("on_missing")
        on_error = self.get_option("on_error")
        client = self.client("ssm", AWSRetry.jittered_backoff())
        results = []
        for suffix in terms:
            try:
                if what == "stack" and suffix == "*":
                    results.append(list_records(client, root))
                    continue
                if what == "stack":
                    found = read_record(client, root, suffix)
                    where = record_name(root, suffix)
                else:
                    found, _source = read_outputs(client, root, suffix)
                    where = outputs_path(root, suffix) + "/"
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                message = f"Couldn't read stack {suffix} in region {self.region} from SSM Parameter Store: {e}"
                if on_error == "warn":
                    self.warn(message)
                    results.append({})
                    continue
                raise AnsibleLookupError(message)
            if not found and on_missing == "error":
                raise AnsibleLookupError(
                    f"No stack {suffix!r} in region {self.region}: nothing under {where} in SSM Parameter Store. "
                    f"Deploy it first (site.yml -e suffix={suffix}), or name the right region (-e tierstack_region=...)."
                )
            results.append(found or {})
        return results
