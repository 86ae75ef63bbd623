#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssm_parameter_set
short_description: Keep a set of String parameters under one SSM path equal to a dict
version_added: 1.0.0
description:
  - Makes the String parameters C(<path>/<name>) equal to I(parameters), in one module run, and deletes the
    parameters under I(path) that carry every tag of I(owner_tags) but are no longer wanted.
  - Reads the path once (GetParametersByPath, DescribeParameters) and writes only what differs, so a run
    with unchanged values makes no write call.
  - A parameter whose value is empty is not wanted (SSM does not store empty values), so it is deleted if it exists.
  - New parameters are created with I(tags); an existing parameter that lacks one of I(tags) is re-tagged.
    Tags that are not in I(tags) are left alone.
  - The tierstack collection keeps each tier's outputs this way, under C(/tierstack/<suffix>/outputs),
    owned by the tag C(Tier=<role>).
  - Supports check mode and diff mode.
options:
  path:
    description: The parent path, starting with C(/) and without a trailing C(/), for example C(/tierstack/dev1/outputs).
    type: str
    required: true
  parameters:
    description: Parameter name (the last path element) to value. Values are strings; empty means absent.
    type: dict
    default: {}
  tags:
    description: Tags of the parameters this call writes.
    type: dict
    default: {}
  owner_tags:
    description:
      - The parameters under I(path) that carry all of these tags belong to this set; those not in
        I(parameters) are deleted.
      - Empty means every parameter directly under I(path) belongs to the set.
    type: dict
    default: {}
  state:
    description:
      - C(present) makes the set equal to I(parameters); a parameter named there with an empty value is deleted,
        whether it carries I(owner_tags) or not.
      - C(absent) deletes every parameter of the set, and those named in I(parameters) (whatever their value).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Publish the network tier's outputs of stack dev1
  tierstack.aws.ssm_parameter_set:
    path: /tierstack/dev1/outputs
    parameters:
      VpcId: vpc-0123456789abcdef0
      PublicSubnetIds: subnet-1,subnet-2
    tags: {Environment: dev1, Project: tierstack, Tier: vpc}
    owner_tags: {Tier: vpc}

- name: Remove them
  tierstack.aws.ssm_parameter_set:
    path: /tierstack/dev1/outputs
    owner_tags: {Tier: vpc}
    state: absent
"""

RETURN = r"""
parameters:
  description: The set after the call, parameter name (last path element) to value.
  returned: always
  type: dict
  sample:
    VpcId: vpc-0123456789abcdef0
created:
  description: Names (last path element) of the parameters created, or that would be in check mode.
  returned: always
  type: list
  elements: str
updated:
  description: Names of the parameters whose value changed.
  returned: always
  type: list
  elements: str
retagged:
  description: Names of the parameters that were given missing tags.
  returned: always
  type: list
  elements: str
deleted:
  description: Names of the parameters deleted.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS


def leaf(name):
    """The last path element of a parameter name."""
    return name.rsplit("/", 1)[-1]


def plan(current, owned, tagged, wanted, state):
    """What to do, as four sorted lists of leaf names: (create, update, retag, delete).

    current: leaf -> value of every parameter under the path; owned: leaves of the set's parameters;
    tagged: leaves that already carry every wanted tag; wanted: leaf -> value (empty = not wanted).
    """
    if state == "absent":  # the set's parameters, and those named in wanted
        return [], [], [], sorted((owned | set(wanted)) & set(current))
    empty = {k for k, v in wanted.items() if v in (None, "")}  # named with no value: absent, owned or not
    wanted = {k: v for k, v in wanted.items() if v not in (None, "")}
    create = sorted(k for k in wanted if k not in current)
    update = sorted(k for k in wanted if k in current and current[k] != wanted[k])
    retag = sorted(k for k in wanted if k in current and k not in tagged)
    delete = sorted(k for k in ((owned | empty) & set(current)) if k not in wanted)
    return create, update, retag, delete


def tag_filters(tags):
    return [{"Key": "tag:" + k, "Option": "Equals", "Values": [str(v)]} for k, v in sorted(tags.items())]


def describe_leaves(client, path, tags):
    """Leaves of the parameters directly under path that carry all of tags."""
    filters = [{"Key": "Path", "Option": "OneLevel", "Values": [path]}] + tag_filters(tags)
    paginator = client.get_paginator("describe_parameters")
    return {leaf(p["Name"]) for page in paginator.paginate(ParameterFilters=filters) for p in page.get("Parameters", [])}


def read_path(client, path):
    paginator = client.get_paginator("get_parameters_by_path")
    return {
        leaf(p["Name"]): p["Value"]
        for page in paginator.paginate(Path=path, Recursive=False, WithDecryption=False)
        for p in page.get("Parameters", [])
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            path=dict(type="str", required=True),
            parameters=dict(type="dict", default={}),
            tags=dict(type="dict", default={}),
            owner_tags=dict(type="dict", default={}),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    path = p["path"]
    if not path.startswith("/") or path.endswith("/") or "//" in path:
        module.fail_json(msg=f"path must start with / and end without one; got {path!r}")
    wanted = {str(k): ("" if v is None else str(v)) for k, v in p["parameters"].items()}
    bad = sorted(k for k in wanted if not k or "/" in k)
    if bad:
        module.fail_json(msg=f"parameter names must be single path elements; got {bad}")
    tags = {str(k): str(v) for k, v in p["tags"].items()}
    client = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    try:
        current = read_path(client, path)
        owned = describe_leaves(client, path, p["owner_tags"]) if p["owner_tags"] else set(current)
        tagged = describe_leaves(client, path, tags) if tags and p["state"] == "present" else set(current)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't read the parameters under {path}")

    create, update, retag, delete = plan(current, owned, tagged, wanted, p["state"])
    if not module.check_mode:
        for key in create + update:
            kwargs = dict(Name=f"{path}/{key}", Value=wanted[key], Type="String")
            if key in create and tags:
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            else:
                kwargs["Overwrite"] = True
            try:
                client.put_parameter(aws_retry=True, **kwargs)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Couldn't write the parameter {path}/{key}")
        for key in retag:
            try:
                client.add_tags_to_resource(
                    aws_retry=True, ResourceType="Parameter", ResourceId=f"{path}/{key}", Tags=ansible_dict_to_boto3_tag_list(tags)
                )
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Couldn't tag the parameter {path}/{key}")
        for start in range(0, len(delete), 10):
            try:
                client.delete_parameters(aws_retry=True, Names=[f"{path}/{k}" for k in delete[start:start + 10]])
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Couldn't delete parameters under {path}")

    before = {k: current[k] for k in sorted(owned | set(wanted)) if k in current}
    after = dict(before)
    for key in create + update:
        after[key] = wanted[key]
    for key in delete:
        after.pop(key, None)
    result = dict(
        changed=bool(create or update or retag or delete),
        parameters={k: after[k] for k in sorted(after)},
        created=create,
        updated=update,
        retagged=retag,
        deleted=delete,
    )
    if module._diff and result["changed"]:
        result["diff"] = {"before": before, "after": result["parameters"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
