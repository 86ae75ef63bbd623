# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tag reconciliation, one helper for every module that tags.

Each AWS API spells its tag calls differently (a list of Key/Value, of key/value, a dict, an Items
wrapper; ResourceArns, resourceArn, Resource, ResourceARN). ``TAG_APIS`` records the spelling once per
service, and :func:`reconcile_tags` compares (amazon.aws's ``compare_aws_tags``), applies outside check
mode and returns the plan. Modules document ``tags``/``purge_tags`` with the ``amazon.aws.tags`` fragment
and declare them with :data:`TAG_ARGUMENT_SPEC`.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS

TAG_ARGUMENT_SPEC = dict(
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)

TagPlan = namedtuple("TagPlan", ["to_set", "to_remove", "after"])
TagPlan.changed = property(lambda self: bool(self.to_set or self.to_remove))


def normalise_tags(tags):
    """Tags with string values (Ansible may pass numbers), or None when the module was given none."""
    if tags is None:
        return None
    return {str(k): str(v) for k, v in tags.items()}


def plan_tags(current, desired, purge):
    """TagPlan(to_set, to_remove, after) that takes ``current`` to ``desired``; nothing when desired is None."""
    current = dict(current or {})
    if desired is None:
        return TagPlan({}, [], current)
    to_set, to_remove = compare_aws_tags(current, desired, purge_tags=purge)
    after = {k: v for k, v in current.items() if k not in to_remove}
    after.update(to_set)
    return TagPlan(to_set, list(to_remove), after)


def ecs_tags_to_dict(tags):
    """ECS's [{key, value}] as a dict."""
    return {t["key"]: t["value"] for t in tags or []}


def dict_to_ecs_tags(tags):
    return [{"key": k, "value": v} for k, v in tags.items()]


def _list(tags):
    return ansible_dict_to_boto3_tag_list(tags)


def _key_value_api(id_param, read="list_tags_for_resource", result="Tags", tag="tag_resource", untag="untag_resource",
                   tags_param="Tags", keys_param="TagKeys"):
    """(read, write, delete) for an API that takes tags as a list of Key/Value and the resource as ``id_param``."""

    def read_tags(c, arn):
        return boto3_tag_list_to_ansible_dict(getattr(c, read)(aws_retry=True, **{id_param: arn}).get(result, []))

    def write_tags(c, arn, tags):
        return getattr(c, tag)(aws_retry=True, **{id_param: arn, tags_param: _list(tags)})

    def delete_tags(c, arn, keys):
        return getattr(c, untag)(aws_retry=True, **{id_param: arn, keys_param: keys})

    return read_tags, write_tags, delete_tags


# service: (read(client, arn) -> dict, write(client, arn, to_set), delete(client, arn, keys))
TAG_APIS = {
    "elbv2": (
        lambda c, arn: boto3_tag_list_to_ansible_dict(
            (c.describe_tags(aws_retry=True, ResourceArns=[arn]).get("TagDescriptions") or [{}])[0].get("Tags", [])
        ),
        lambda c, arn, tags: c.add_tags(aws_retry=True, ResourceArns=[arn], Tags=_list(tags)),
        lambda c, arn, keys: c.remove_tags(aws_retry=True, ResourceArns=[arn], TagKeys=keys),
    ),
    "cloudfront": (
        lambda c, arn: boto3_tag_list_to_ansible_dict(
            (c.list_tags_for_resource(aws_retry=True, Resource=arn).get("Tags") or {}).get("Items") or []
        ),
        lambda c, arn, tags: c.tag_resource(aws_retry=True, Resource=arn, Tags={"Items": _list(tags)}),
        lambda c, arn, keys: c.untag_resource(aws_retry=True, Resource=arn, TagKeys={"Items": keys}),
    ),
    "cloudwatch": _key_value_api("ResourceARN"),
    "ecr": _key_value_api("resourceArn", result="tags", tags_param="tags", keys_param="tagKeys"),
    "ecs": (
        lambda c, arn: ecs_tags_to_dict(c.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags")),
        lambda c, arn, tags: c.tag_resource(aws_retry=True, resourceArn=arn, tags=dict_to_ecs_tags(tags)),
        lambda c, arn, keys: c.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=keys),
    ),
    "apigateway": (
        lambda c, arn: dict(c.get_tags(aws_retry=True, resourceArn=arn).get("tags") or {}),
        lambda c, arn, tags: c.tag_resource(aws_retry=True, resourceArn=arn, tags=tags),
        lambda c, arn, keys: c.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=keys),
    ),
    "acm": (
        lambda c, arn: boto3_tag_list_to_ansible_dict(c.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags", [])),
        lambda c, arn, tags: c.add_tags_to_certificate(aws_retry=True, CertificateArn=arn, Tags=_list(tags)),
        lambda c, arn, keys: c.remove_tags_from_certificate(aws_retry=True, CertificateArn=arn, Tags=[{"Key": k} for k in keys]),
    ),
    "lambda": (
        lambda c, arn: dict(c.list_tags(aws_retry=True, Resource=arn).get("Tags") or {}),
        lambda c, arn, tags: c.tag_resource(aws_retry=True, Resource=arn, Tags=tags),
        lambda c, arn, keys: c.untag_resource(aws_retry=True, Resource=arn, TagKeys=keys),
    ),
    "elasticache": _key_value_api("ResourceName", result="TagList", tag="add_tags_to_resource", untag="remove_tags_from_resource"),
    # EFS takes the file system's or access point's id where the others take an ARN.
    "efs": _key_value_api("ResourceId"),
    "secretsmanager": _key_value_api("SecretId", read="describe_secret"),
}


def get_tags(module, client, service, arn):
    """The resource's tags as a dict (fails the module on an API error)."""
    try:
        return TAG_APIS[service][0](client, arn)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of {arn}")


def read_tag_plan(module, client, service, arn, desired, purge, current=None):
    """The TagPlan that takes the tags of ``arn`` to ``desired`` (None: leave them alone), without writing.

    ``current`` saves a read when the description already holds the tags.
    """
    if desired is None:
        return TagPlan({}, [], dict(current or {}))
    if current is None:
        current = get_tags(module, client, service, arn)
    return plan_tags(current, normalise_tags(desired), purge)


def apply_tag_plan(module, client, service, arn, plan):
    """Write ``plan`` (removals first, then additions) outside check mode; fails the module on an API error."""
    if not plan.changed or module.check_mode:
        return plan
    _read, write, delete = TAG_APIS[service]
    try:
        if plan.to_remove:
            delete(client, arn, plan.to_remove)
        if plan.to_set:
            write(client, arn, plan.to_set)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't tag {arn}")
    return plan


def reconcile_tags(module, client, service, arn, desired, purge, current=None):
    """Bring the tags of ``arn`` to ``desired`` (None: leave them alone) and return the TagPlan.

    ``current`` saves a read when the description already holds the tags. Writes happen only outside
    check mode and only when something differs: removals first, then additions.
    """
    plan = read_tag_plan(module, client, service, arn, desired, purge, current=current)
    return apply_tag_plan(module, client, service, arn, plan)


def create_tags(service, tags):
    """Tags in the shape the service's create call takes (None when there are none)."""
    tags = normalise_tags(tags)
    if not tags:
        return None
    if service == "ecs":
        return dict_to_ecs_tags(tags)
    if service == "cloudfront":
        return {"Items": _list(tags)}
    if service in ("apigateway", "lambda"):
        return tags
    return _list(tags)
