#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apigw_routes
short_description: Extra resources and methods on an existing API Gateway REST API, as data
version_added: 1.1.0
description:
  - Adds resources (nested paths are created segment by segment) and methods with HTTP_PROXY (or MOCK)
    integrations to an existing REST API, for example C(GET /content) proxied to a path of the ALB.
  - When a route changes, the API is redeployed to O(stage_name). The deployment's description keeps the
    one that M(tierstack.aws.apigw_proxy_api) wrote and appends C(routes:<hash>), so that neither module
    redeploys on a re-run.
  - Resources and methods that are not in O(routes) are left alone (the proxy module owns C(/) and
    C(/{proxy+})).
options:
  rest_api_id:
    description: Id of the REST API.
    type: str
    required: true
  stage_name:
    description: Stage to redeploy when a route changes; none when empty.
    type: str
    default: ""
  backend_url:
    description: Base URL (scheme and host) that O(routes[].backend_path) is appended to, for example the ALB's.
    type: str
    default: ""
  timeout_ms:
    description: Integration timeout in milliseconds (50 to 29000) of the routes that set none.
    type: int
    default: 29000
  api_key_required:
    description: Whether callers must send an API key, for the routes that do not say.
    type: bool
    default: false
  routes:
    description: The routes.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute resource path, for example C(/content) (no C({proxy+}) part).
        type: str
        required: true
      method:
        description: HTTP method, or V(ANY).
        type: str
        required: true
      integration_type:
        description: V(HTTP_PROXY) forwards to O(routes[].uri); V(MOCK) answers 200 with an empty body.
        type: str
        choices: [HTTP_PROXY, MOCK]
        default: HTTP_PROXY
      backend_path:
        description: Path on O(backend_url) of an HTTP_PROXY integration (default O(routes[].path)).
        type: str
      uri:
        description: Full backend URL of an HTTP_PROXY integration, instead of O(backend_url) + O(routes[].backend_path).
        type: str
      timeout_ms:
        description: Integration timeout in milliseconds (50 to 29000); O(timeout_ms) when unset.
        type: int
      api_key_required:
        description: Whether callers must send an API key; O(api_key_required) when unset.
        type: bool
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: GET /content proxied to the ALB
  tierstack.aws.apigw_routes:
    rest_api_id: a1b2c3d4e5
    stage_name: prod
    backend_url: http://my-alb-123.eu-west-2.elb.amazonaws.com
    routes:
      - path: /content
        method: GET
"""

RETURN = r"""
resources:
  description: Path to resource id of every route's resource.
  returned: always
  type: dict
changes:
  description: What was (or would be) changed.
  returned: always
  type: list
  elements: str
deployment_id:
  description: The stage's deployment after the run (empty in check mode when a deployment is due).
  returned: when O(stage_name) is set
  type: str
"""

import hashlib
import json
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ROUTES_MARK = re.compile(r" routes:[0-9a-f]{16}$")


def normalise(route):
    spec = {
        "path": "/" + route["path"].strip("/"),
        "method": route["method"].upper(),
        "integration_type": route["integration_type"],
        "timeout_ms": route["timeout_ms"],
        "api_key_required": route["api_key_required"],
    }
    if route["integration_type"] == "HTTP_PROXY":
        spec["uri"] = route["uri"]
    return spec


def routes_digest(routes):
    return hashlib.sha256(json.dumps(sorted(routes, key=lambda r: (r["path"], r["method"])), sort_keys=True).encode()).hexdigest()[:16]


def deployment_description(current, digest):
    """The proxy module's description with our routes mark replaced."""
    return ROUTES_MARK.sub("", current or "tierstack") + f" routes:{digest}"


def method_matches(spec, method):
    if method is None:
        return False
    integration = method.get("methodIntegration") or {}
    if method.get("authorizationType", "NONE") != "NONE" or bool(method.get("apiKeyRequired")) != spec["api_key_required"]:
        return False
    if integration.get("type") != spec["integration_type"]:
        return False
    if int(integration.get("timeoutInMillis", 29000)) != spec["timeout_ms"]:
        return False
    if spec["integration_type"] == "HTTP_PROXY":
        return integration.get("uri") == spec["uri"] and integration.get("httpMethod") == spec["method"]
    return True


class Routes:
    def __init__(self, module):
        self.module = module
        self.check = module.check_mode
        self.client = module.client("apigateway", retry_decorator=AWSRetry.jittered_backoff())
        self.changes = []

    def resources(self, api_id):
        paginator = self.client.get_paginator("get_resources")
        items = paginator.paginate(restApiId=api_id, embed=["methods"]).build_full_result()["items"]
        return {r["path"]: r for r in items}

    def ensure_resource(self, api_id, by_path, path):
        if path in by_path:
            return by_path[path]
        parent_path = path.rsplit("/", 1)[0] or "/"
        parent = self.ensure_resource(api_id, by_path, parent_path)
        self.changes.append(f"create resource {path}")
        if self.check or parent.get("id") is None:
            resource = {"id": None, "path": path, "resourceMethods": {}}
        else:
            resource = self.client.create_resource(aws_retry=True, restApiId=api_id, parentId=parent["id"], pathPart=path.rsplit("/", 1)[1])
            resource.setdefault("resourceMethods", {})
        by_path[path] = resource
        return resource

    def get_method(self, api_id, resource, http_method):
        if resource.get("id") is None or http_method not in (resource.get("resourceMethods") or {}):
            return None
        try:
            return self.client.get_method(aws_retry=True, restApiId=api_id, resourceId=resource["id"], httpMethod=http_method)
        except is_boto3_error_code("NotFoundException"):
            return None

    def put(self, api_id, resource, spec, exists):
        self.changes.append(f"{'update' if exists else 'put'} method {spec['method']} {spec['path']}")
        if self.check:
            return
        rid, m = resource["id"], spec["method"]
        if exists:
            self.client.delete_method(aws_retry=True, restApiId=api_id, resourceId=rid, httpMethod=m)
        self.client.put_method(aws_retry=True, restApiId=api_id, resourceId=rid, httpMethod=m, authorizationType="NONE",
                               apiKeyRequired=spec["api_key_required"])
        kwargs = dict(restApiId=api_id, resourceId=rid, httpMethod=m, type=spec["integration_type"], timeoutInMillis=spec["timeout_ms"])
        if spec["integration_type"] == "HTTP_PROXY":
            kwargs.update(integrationHttpMethod=m, uri=spec["uri"])
        else:
            kwargs.update(requestTemplates={"application/json": '{"statusCode": 200}'})
        self.client.put_integration(aws_retry=True, **kwargs)
        if spec["integration_type"] == "MOCK":
            self.client.put_method_response(aws_retry=True, restApiId=api_id, resourceId=rid, httpMethod=m, statusCode="200")
            self.client.put_integration_response(aws_retry=True, restApiId=api_id, resourceId=rid, httpMethod=m, statusCode="200",
                                                 responseTemplates={"application/json": ""})

    def deploy(self, api_id, stage_name, digest):
        try:
            stage = self.client.get_stage(aws_retry=True, restApiId=api_id, stageName=stage_name)
        except is_boto3_error_code("NotFoundException"):
            self.module.fail_json(msg=f"Stage {stage_name} of REST API {api_id} does not exist; create it first (apigw_proxy_api).")
        current = ""
        if stage.get("deploymentId"):
            current = self.client.get_deployment(aws_retry=True, restApiId=api_id, deploymentId=stage["deploymentId"]).get("description", "")
        wanted = deployment_description(current, digest)
        if current == wanted:
            return stage.get("deploymentId", "")
        self.changes.append(f"deploy to {stage_name}")
        if self.check:
            return ""
        deployment_id = self.client.create_deployment(aws_retry=True, restApiId=api_id, description=wanted)["id"]
        self.client.update_stage(aws_retry=True, restApiId=api_id, stageName=stage_name,
                                 patchOperations=[{"op": "replace", "path": "/deploymentId", "value": deployment_id}])
        return deployment_id


def main():
    route_spec = dict(
        path=dict(type="str", required=True),
        method=dict(type="str", required=True),
        integration_type=dict(type="str", choices=["HTTP_PROXY", "MOCK"], default="HTTP_PROXY"),
        backend_path=dict(type="str"),
        uri=dict(type="str"),
        timeout_ms=dict(type="int"),
        api_key_required=dict(type="bool", no_log=False),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            rest_api_id=dict(type="str", required=True),
            stage_name=dict(type="str", default=""),
            backend_url=dict(type="str", default=""),
            timeout_ms=dict(type="int", default=29000),
            api_key_required=dict(type="bool", default=False, no_log=False),
            routes=dict(type="list", elements="dict", default=[], options=route_spec),
        ),
        supports_check_mode=True,
    )
    routes = []
    for route in module.params["routes"]:
        route = dict(route)
        if route["timeout_ms"] is None:
            route["timeout_ms"] = module.params["timeout_ms"]
        if route["api_key_required"] is None:
            route["api_key_required"] = module.params["api_key_required"]
        if not route["uri"] and route["integration_type"] == "HTTP_PROXY":
            route["uri"] = module.params["backend_url"].rstrip("/") + (route["backend_path"] or route["path"])
        if not route["path"].startswith("/") or "{" in route["path"]:
            module.fail_json(msg=f"routes: path {route['path']!r} must be absolute and hold no {{...}} part")
        if route["integration_type"] == "HTTP_PROXY" and not (route["uri"] or "").startswith(("http://", "https://")):
            module.fail_json(msg=f"routes: {route['method']} {route['path']} needs an http(s) uri")
        if not 50 <= route["timeout_ms"] <= 29000:
            module.fail_json(msg=f"routes: {route['method']} {route['path']} timeout_ms must be from 50 to 29000")
        routes.append(normalise(route))
    api_id = module.params["rest_api_id"]
    r = Routes(module)
    result = {}
    try:
        by_path = r.resources(api_id)
        for spec in routes:
            resource = r.ensure_resource(api_id, by_path, spec["path"])
            current = r.get_method(api_id, resource, spec["method"])
            if not method_matches(spec, current):
                r.put(api_id, resource, spec, current is not None)
        result["resources"] = {s["path"]: by_path[s["path"]].get("id") or "" for s in routes}
        if module.params["stage_name"]:
            result["deployment_id"] = r.deploy(api_id, module.params["stage_name"], routes_digest(routes))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Couldn't manage the routes of REST API {api_id}")
    module.exit_json(changed=bool(r.changes), changes=r.changes,
                     diff={"before": {}, "after": {"changes": r.changes}} if r.changes else {"before": {}, "after": {}},
                     **result)


if __name__ == "__main__":
    main()
