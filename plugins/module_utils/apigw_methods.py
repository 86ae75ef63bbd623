# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resources, methods and gateway responses of a REST API: read them, and bring them to the wanted shape."""

from __future__ import annotations

from ansible_collections.tierstack.aws.plugins.module_utils.apigw_shape import method_matches
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items


def describe_resources(tool, api_id):
    try:
        items = paginate_items(tool.client, "get_resources", "items", restApiId=api_id, embed=["methods"])
    except AWS_ERRORS as e:
        tool.fail(e, f"Couldn't get the resources of API {api_id}")
    return {r["path"]: r for r in items}


def method(tool, api_id, resource, http_method):
    embedded = (resource.get("resourceMethods") or {}).get(http_method)
    if embedded is None:
        return None
    if "methodIntegration" in embedded:
        return embedded
    return get_or_none(
        tool.module,
        tool.client.get_method,
        "NotFoundException",
        f"Couldn't get method {http_method} {resource['path']}",
        restApiId=api_id,
        resourceId=resource["id"],
        httpMethod=http_method,
    )


def put_method(tool, api_id, resource_id, path, http_method, spec, exists):
    tool.changes.append(f"put method {http_method} {path}")
    if tool.check:
        return
    c = tool.client
    try:
        if exists:
            c.delete_method(aws_retry=True, restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
        c.put_method(
            aws_retry=True,
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            authorizationType=spec["authorizationType"],
            apiKeyRequired=spec["apiKeyRequired"],
            requestParameters=spec["requestParameters"],
        )
        for code, resp in spec["methodResponses"].items():
            c.put_method_response(
                aws_retry=True,
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod=http_method,
                statusCode=code,
                responseParameters=resp["responseParameters"],
                responseModels=resp["responseModels"],
            )
        integ = spec["methodIntegration"]
        kwargs = dict(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            type=integ["type"],
            passthroughBehavior=integ["passthroughBehavior"],
        )
        for src, dst in (
            ("httpMethod", "integrationHttpMethod"),
            ("uri", "uri"),
            ("requestParameters", "requestParameters"),
            ("requestTemplates", "requestTemplates"),
            ("timeoutInMillis", "timeoutInMillis"),
        ):
            if src in integ:
                kwargs[dst] = integ[src]
        c.put_integration(aws_retry=True, **kwargs)
        for code, resp in integ["integrationResponses"].items():
            c.put_integration_response(
                aws_retry=True,
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod=http_method,
                statusCode=code,
                responseParameters=resp["responseParameters"],
                responseTemplates=resp["responseTemplates"],
            )
    except AWS_ERRORS as e:
        tool.fail(e, f"Couldn't put method {http_method} {path}")


def ensure_shape(tool, api, methods, gateway_responses):
    """Resources, methods and gateway responses. Returns True when anything changed."""
    before = len(tool.changes)
    if api is None:  # check mode, API not created yet
        for path, m in sorted(methods):
            tool.changes.append(f"put method {m} {path}")
        for rtype in sorted(gateway_responses):
            tool.changes.append(f"put gateway response {rtype}")
        return True
    api_id = api["id"]
    resources = describe_resources(tool, api_id)
    root = resources["/"]
    proxy = resources.get("/{proxy+}")
    if proxy is None:
        tool.changes.append("create resource /{proxy+}")
        if not tool.check:
            try:
                proxy = tool.client.create_resource(aws_retry=True, restApiId=api_id, parentId=root["id"], pathPart="{proxy+}")
            except AWS_ERRORS as e:
                tool.fail(e, "Couldn't create resource /{proxy+}")
            proxy["resourceMethods"] = {}
        else:
            proxy = {"id": None, "path": "/{proxy+}", "resourceMethods": {}}
    by_path = {"/": root, "/{proxy+}": proxy}
    wanted = {}
    for (path, http_method), spec in sorted(methods.items()):
        wanted.setdefault(path, set()).add(http_method)
        current = method(tool, api_id, by_path[path], http_method) if by_path[path]["id"] else None
        if not method_matches(spec, current):
            put_method(tool, api_id, by_path[path]["id"], path, http_method, spec, current is not None)
    # Methods we did not ask for (for example OPTIONS after CORS was switched off) go.
    for path, res in by_path.items():
        for http_method in sorted((res.get("resourceMethods") or {}).keys()):
            if http_method not in wanted.get(path, set()):
                tool.changes.append(f"delete method {http_method} {path}")
                if not tool.check:
                    try:
                        tool.client.delete_method(aws_retry=True, restApiId=api_id, resourceId=res["id"], httpMethod=http_method)
                    except AWS_ERRORS as e:
                        tool.fail(e, f"Couldn't delete method {http_method} {path}")
    ensure_gateway_responses(tool, api_id, gateway_responses)
    return len(tool.changes) > before


def ensure_gateway_responses(tool, api_id, desired):
    try:
        items = tool.client.get_gateway_responses(aws_retry=True, restApiId=api_id, limit=500).get("items", [])
    except AWS_ERRORS as e:
        tool.fail(e, "Couldn't get gateway responses")
    current = {i["responseType"]: i for i in items if not i.get("defaultResponse", False)}
    for rtype, params in sorted(desired.items()):
        if (current.get(rtype) or {}).get("responseParameters") == params:
            continue
        tool.changes.append(f"put gateway response {rtype}")
        if not tool.check:
            try:
                tool.client.put_gateway_response(aws_retry=True, restApiId=api_id, responseType=rtype, responseParameters=params)
            except AWS_ERRORS as e:
                tool.fail(e, f"Couldn't put gateway response {rtype}")
    for rtype in sorted(set(current) - set(desired)):
        if rtype not in ("DEFAULT_4XX", "DEFAULT_5XX"):
            continue  # only the ones this module manages
        tool.changes.append(f"reset gateway response {rtype}")
        if not tool.check:
            try:
                tool.client.delete_gateway_response(aws_retry=True, restApiId=api_id, responseType=rtype)
            except AWS_ERRORS as e:
                tool.fail(e, f"Couldn't reset gateway response {rtype}")
