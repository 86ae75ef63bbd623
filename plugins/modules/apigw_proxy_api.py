#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: apigw_proxy_api
short_description: A regional REST API that proxies every path to an HTTP backend, with CORS and a stage
version_added: 1.0.0
description:
  - Builds an API Gateway REST API with the fine-grained API calls (no OpenAPI import), as follows.
    C(ANY /) and C(ANY /{proxy+}) as C(HTTP_PROXY) integrations to I(backend_url),
    optional CORS (C(OPTIONS) mock methods on both resources and gateway responses with CORS headers),
    a deployment and a stage with access logs, metrics, throttling and X-Ray tracing.
  - Idempotent. The API's shape is hashed and the hash kept in the deployment's description, so
    a new deployment is made only when the shape changed (or the stage does not yet run the current shape).
    A re-run with the same arguments makes no write call.
  - Supports check mode and diff mode.
  - Deleting the API (I(state=absent)) removes its stages and deployments. Remove usage plans that refer
    to its stage first (M(tierstack.aws.apigw_usage_plan)).
options:
  name:
    description: Name of the REST API; the API is found by this name, which must be unique in the region.
    type: str
    required: true
  state:
    description: C(present) creates or updates the API, C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the API.
    type: str
    default: ''
  endpoint_type:
    description: Endpoint type of the API.
    type: str
    choices: [REGIONAL, EDGE, PRIVATE]
    default: REGIONAL
  backend_url:
    description:
      - Base URL of the backend, such as C(http://my-alb-123.ap-southeast-1.elb.amazonaws.com).
        C(/) maps to it and C(/{proxy+}) to C(<backend_url>/{proxy}).
      - Required when I(state=present).
    type: str
  timeout_ms:
    description: Integration timeout in milliseconds (50 to 29000).
    type: int
    default: 29000
  api_key_required:
    description: Whether the C(ANY) methods need an API key (C(x-api-key) header).
    type: bool
    default: false
  cors:
    description:
      - CORS settings. When I(cors.enabled), C(OPTIONS) methods answer preflight requests and the
        C(DEFAULT_4XX) and C(DEFAULT_5XX) gateway responses carry CORS headers.
      - With one origin (or C(*)) the header is that origin. With several, the preflight answer echoes the
        request's Origin when it is in the list, and the gateway responses echo the request's Origin.
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Whether to set up CORS.
        type: bool
        default: true
      allow_origins:
        description: Allowed origins, such as C(https://example.com), or C([*]).
        type: list
        elements: str
        default: ['*']
      allow_methods:
        description: Allowed methods.
        type: list
        elements: str
        default: [GET, POST, PUT, PATCH, DELETE, OPTIONS]
      allow_headers:
        description: Allowed request headers.
        type: list
        elements: str
        default: [Content-Type, Authorization, X-Api-Key, X-Amz-Date, X-Amz-Security-Token]
      max_age:
        description: How long browsers may cache a preflight answer, in seconds.
        type: int
        default: 600
  stage:
    description: The stage that serves the API.
    type: dict
    default: {}
    suboptions:
      name:
        description: Stage name.
        type: str
        default: prod
      access_log_destination_arn:
        description: ARN of the CloudWatch Logs group for access logs (without C(:*)); empty disables access logs.
        type: str
        default: ''
      access_log_format:
        description: Access log format; a JSON line with the usual C($context) fields when omitted.
        type: str
      metrics_enabled:
        description: Detailed CloudWatch metrics for every method.
        type: bool
        default: true
      tracing_enabled:
        description: X-Ray tracing.
        type: bool
        default: false
      throttling_rate_limit:
        description: Steady-state requests per second for the whole stage (a safety net).
        type: float
        default: 1000
      throttling_burst_limit:
        description: Burst limit for the whole stage.
        type: int
        default: 2000
  cloudwatch_role_arn:
    description:
      - ARN of an IAM role API Gateway may use to write logs (an account-wide setting that access logs need
        on AWS). When set and the account has no role yet, the account is pointed at it. An account that
        already names a role is left alone unless I(force_cloudwatch_role=true).
      - With I(state=absent), an account setting that names this role is cleared.
    type: str
  force_cloudwatch_role:
    description: Replace a role the account already names with I(cloudwatch_role_arn).
    type: bool
    default: false
  tags:
    description: Tags of the API and the stage.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in I(tags).
    type: bool
    default: true
author:
  - tierstack maintainers
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Proxy every path to the ALB, with CORS and a prod stage
  tierstack.aws.apigw_proxy_api:
    name: api-dev1
    backend_url: "http://{{ tierstack_outputs.ALBDNSName }}"
    cors:
      allow_origins: [https://app.example.com]
    stage:
      name: prod
      access_log_destination_arn: arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/apigateway/api-dev1
      tracing_enabled: true
    tags:
      Environment: dev1
  register: api

- name: Delete it
  tierstack.aws.apigw_proxy_api:
    name: api-dev1
    state: absent
"""

RETURN = r"""
api:
  description: The API after the call (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: REST API id.
      type: str
      sample: a1b2c3d4e5
    name:
      description: REST API name.
      type: str
    root_resource_id:
      description: Id of the C(/) resource.
      type: str
    stage_name:
      description: Name of the stage.
      type: str
      sample: prod
    stage_arn:
      description: ARN of the stage (what a WAFv2 web ACL is associated with).
      type: str
      sample: arn:aws:apigateway:ap-southeast-1::/restapis/a1b2c3d4e5/stages/prod
    invoke_url:
      description: The stage's invoke URL.
      type: str
      sample: https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com/prod
    deployment_id:
      description: Id of the deployment the stage runs.
      type: str
    config_hash:
      description: Hash of the API's shape, kept in the deployment's description.
      type: str
changes:
  description: What was (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["create API", "put method ANY /{proxy+}", "deploy to prod"]
"""

import copy
import hashlib
import json
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:
    pass

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

CORS_HEADER = "Access-Control-Allow-Origin"


# ---------------------------------------------------------------------------
# The desired shape, as pure functions (unit-tested)
# ---------------------------------------------------------------------------


def cors_origin_value(origins):
    """The static header value for a single origin (quoted for API Gateway), or None for several."""
    if len(origins) == 1:
        return "'" + origins[0] + "'"
    return None


def preflight_template(origins):
    """VTL for the OPTIONS integration response that echoes an allowed Origin (several origins only)."""
    if len(origins) <= 1:
        return ""
    allowed = ",".join('"' + o + '"' for o in origins)
    return (
        "#set($origin = $input.params().header.get('Origin'))\n"
        "#if(\"$!origin\" == \"\")#set($origin = $input.params().header.get('origin'))#end\n"
        f"#set($allowed = [{allowed}])\n"
        "#if($allowed.contains($origin))\n"
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n"
        "#end\n"
    )


def desired_methods(backend_url, timeout_ms, api_key_required, cors):
    """The methods of the API: {(path, http_method): method spec in API Gateway's shape}."""
    base = backend_url.rstrip("/")
    methods = {}
    for path in ("/", "/{proxy+}"):
        proxy = path != "/"
        methods[(path, "ANY")] = {
            "authorizationType": "NONE",
            "apiKeyRequired": bool(api_key_required),
            "requestParameters": {"method.request.path.proxy": True} if proxy else {},
            "methodResponses": {},
            "methodIntegration": {
                "type": "HTTP_PROXY",
                "httpMethod": "ANY",
                "uri": base + ("/{proxy}" if proxy else "/"),
                "requestParameters": (
                    {"integration.request.path.proxy": "method.request.path.proxy"} if proxy else {}
                ),
                "passthroughBehavior": "WHEN_NO_MATCH",
                "timeoutInMillis": int(timeout_ms),
                "integrationResponses": {},
            },
        }
        if cors.get("enabled"):
            origins = cors["allow_origins"]
            static_origin = cors_origin_value(origins) or ("'" + origins[0] + "'")
            headers = {
                "method.response.header.Access-Control-Allow-Origin": static_origin,
                "method.response.header.Access-Control-Allow-Methods": "'" + ",".join(cors["allow_methods"]) + "'",
                "method.response.header.Access-Control-Allow-Headers": "'" + ",".join(cors["allow_headers"]) + "'",
                "method.response.header.Access-Control-Max-Age": "'" + str(cors["max_age"]) + "'",
            }
            if len(origins) > 1:
                headers["method.response.header.Vary"] = "'Origin'"
            methods[(path, "OPTIONS")] = {
                "authorizationType": "NONE",
                "apiKeyRequired": False,
                "requestParameters": {},
                "methodResponses": {
                    "200": {
                        "statusCode": "200",
                        "responseParameters": {k: False for k in headers},
                        "responseModels": {"application/json": "Empty"},
                    }
                },
                "methodIntegration": {
                    "type": "MOCK",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "passthroughBehavior": "WHEN_NO_MATCH",
                    "integrationResponses": {
                        "200": {
                            "statusCode": "200",
                            "responseParameters": headers,
                            "responseTemplates": {"application/json": preflight_template(origins)},
                        }
                    },
                },
            }
    return methods


def desired_gateway_responses(cors):
    """Gateway responses with CORS headers: {responseType: responseParameters}."""
    if not cors.get("enabled"):
        return {}
    origins = cors["allow_origins"]
    origin = cors_origin_value(origins) or "method.request.header.origin"
    params = {
        "gatewayresponse.header.Access-Control-Allow-Origin": origin,
        "gatewayresponse.header.Access-Control-Allow-Headers": "'" + ",".join(cors["allow_headers"]) + "'",
        "gatewayresponse.header.Access-Control-Allow-Methods": "'" + ",".join(cors["allow_methods"]) + "'",
    }
    if len(origins) > 1:
        params["gatewayresponse.header.Vary"] = "'Origin'"
    return {"DEFAULT_4XX": params, "DEFAULT_5XX": params}


def config_hash(methods, gateway_responses):
    """A short, stable hash of the API's deployable shape."""
    doc = {
        "methods": {f"{m} {p}": spec for (p, m), spec in sorted(methods.items())},
        "gateway_responses": gateway_responses,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def _blank(value):
    return value in (None, "", {}, [])


def method_matches(desired, current):
    """True when the current method (API Gateway's shape) has every setting of the desired one."""
    if current is None:
        return False
    for key in ("authorizationType", "apiKeyRequired"):
        if desired[key] != current.get(key):
            return False
    if (desired.get("requestParameters") or {}) != (current.get("requestParameters") or {}):
        return False
    if not _responses_match(desired["methodResponses"], current.get("methodResponses") or {}):
        return False
    di, ci = desired["methodIntegration"], current.get("methodIntegration") or {}
    for key, value in di.items():
        if key == "integrationResponses":
            if not _responses_match(value, ci.get("integrationResponses") or {}):
                return False
        elif isinstance(value, dict):
            if _strip(value) != _strip(ci.get(key) or {}):
                return False
        elif value != ci.get(key):
            return False
    return True


def _strip(d):
    """A dict without blank values (the emulator returns "" templates as null)."""
    return {k: v for k, v in (d or {}).items() if not _blank(v)}


def _responses_match(desired, current):
    if set(desired) != set(current):
        return False
    for code, spec in desired.items():
        cur = current[code]
        for key, value in spec.items():
            if isinstance(value, dict):
                if _strip(value) != _strip(cur.get(key)):
                    return False
            elif value != cur.get(key):
                return False
    return True


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


# ---------------------------------------------------------------------------
# Reading and writing
# ---------------------------------------------------------------------------


class ProxyApi:
    def __init__(self, module):
        self.module = module
        self.client = module.client("apigateway", retry_decorator=AWSRetry.jittered_backoff())
        self.region = module.region
        self.changes = []
        self.check = module.check_mode

    def fail(self, e, msg):
        self.module.fail_json_aws(e, msg=msg)

    def find_api(self, name):
        found = []
        try:
            paginator = self.client.get_paginator("get_rest_apis")
            for page in paginator.paginate():
                found.extend(a for a in page.get("items", []) if a.get("name") == name)
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't list REST APIs")
        if len(found) > 1:
            self.module.fail_json(msg=f"{len(found)} REST APIs are named {name}; tidy up by hand, names must be unique")
        return found[0] if found else None

    def resources(self, api_id):
        items = []
        try:
            paginator = self.client.get_paginator("get_resources")
            for page in paginator.paginate(restApiId=api_id, embed=["methods"]):
                items.extend(page.get("items", []))
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't get the resources of API {api_id}")
        return {r["path"]: r for r in items}

    def method(self, api_id, resource, http_method):
        embedded = (resource.get("resourceMethods") or {}).get(http_method)
        if embedded is None:
            return None
        if "methodIntegration" in embedded:
            return embedded
        try:
            return self.client.get_method(aws_retry=True, restApiId=api_id, resourceId=resource["id"], httpMethod=http_method)
        except is_boto3_error_code("NotFoundException"):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Couldn't get method {http_method} {resource['path']}")

    # --- writes -------------------------------------------------------------

    def put_method(self, api_id, resource_id, path, http_method, spec, exists):
        self.changes.append(f"put method {http_method} {path}")
        if self.check:
            return
        c = self.client
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
            self.fail(e, f"Couldn't put method {http_method} {path}")

    def ensure_api(self, p, tags):
        api = self.find_api(p["name"])
        if api is None:
            self.changes.append("create API")
            if self.check:
                return None
            try:
                api = self.client.create_rest_api(
                    aws_retry=True,
                    name=p["name"],
                    description=p["description"],
                    endpointConfiguration={"types": [p["endpoint_type"]]},
                    tags=tags,
                )
            except AWS_ERRORS as e:
                self.fail(e, f"Couldn't create REST API {p['name']}")
            return api
        ops = []
        if (api.get("description") or "") != p["description"]:
            ops.append({"op": "replace", "path": "/description", "value": p["description"]})
        cur_types = (api.get("endpointConfiguration") or {}).get("types") or []
        if cur_types != [p["endpoint_type"]]:
            ops.append({"op": "replace", "path": "/endpointConfiguration/types/" + (cur_types[0] if cur_types else "EDGE"), "value": p["endpoint_type"]})
        if ops:
            self.changes.append("update API settings")
            if not self.check:
                try:
                    api = self.client.update_rest_api(aws_retry=True, restApiId=api["id"], patchOperations=ops)
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't update REST API {p['name']}")
        self.ensure_tags(self.api_arn(api["id"]), api.get("tags") or {}, tags, "API")
        return api

    def api_arn(self, api_id):
        return f"arn:aws:apigateway:{self.region}::/restapis/{api_id}"

    def ensure_tags(self, arn, current, desired, what):
        if desired is None:
            return
        to_add, to_remove = compare_aws_tags(current, desired, self.module.params["purge_tags"])
        if not to_add and not to_remove:
            return
        self.changes.append(f"update {what} tags")
        if self.check:
            return
        try:
            if to_remove:
                self.client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
            if to_add:
                self.client.tag_resource(aws_retry=True, resourceArn=arn, tags=to_add)
        except AWS_ERRORS as e:
            self.fail(e, f"Couldn't tag {arn}")

    def ensure_shape(self, api, methods, gateway_responses):
        """Resources, methods and gateway responses. Returns True when anything changed."""
        before = len(self.changes)
        if api is None:  # check mode, API not created yet
            for path, m in sorted(methods):
                self.changes.append(f"put method {m} {path}")
            for rtype in sorted(gateway_responses):
                self.changes.append(f"put gateway response {rtype}")
            return True
        api_id = api["id"]
        resources = self.resources(api_id)
        root = resources["/"]
        proxy = resources.get("/{proxy+}")
        if proxy is None:
            self.changes.append("create resource /{proxy+}")
            if not self.check:
                try:
                    proxy = self.client.create_resource(aws_retry=True, restApiId=api_id, parentId=root["id"], pathPart="{proxy+}")
                except AWS_ERRORS as e:
                    self.fail(e, "Couldn't create resource /{proxy+}")
                proxy["resourceMethods"] = {}
            else:
                proxy = {"id": None, "path": "/{proxy+}", "resourceMethods": {}}
        by_path = {"/": root, "/{proxy+}": proxy}
        wanted = {}
        for (path, http_method), spec in sorted(methods.items()):
            wanted.setdefault(path, set()).add(http_method)
            current = self.method(api_id, by_path[path], http_method) if by_path[path]["id"] else None
            if not method_matches(spec, current):
                self.put_method(api_id, by_path[path]["id"], path, http_method, spec, current is not None)
        # Methods we did not ask for (for example OPTIONS after CORS was switched off) go.
        for path, res in by_path.items():
            for http_method in sorted((res.get("resourceMethods") or {}).keys()):
                if http_method not in wanted.get(path, set()):
                    self.changes.append(f"delete method {http_method} {path}")
                    if not self.check:
                        try:
                            self.client.delete_method(aws_retry=True, restApiId=api_id, resourceId=res["id"], httpMethod=http_method)
                        except AWS_ERRORS as e:
                            self.fail(e, f"Couldn't delete method {http_method} {path}")
        self.ensure_gateway_responses(api_id, gateway_responses)
        return len(self.changes) > before

    def ensure_gateway_responses(self, api_id, desired):
        try:
            items = self.client.get_gateway_responses(aws_retry=True, restApiId=api_id, limit=500).get("items", [])
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't get gateway responses")
        current = {i["responseType"]: i for i in items if not i.get("defaultResponse", False)}
        for rtype, params in sorted(desired.items()):
            if (current.get(rtype) or {}).get("responseParameters") == params:
                continue
            self.changes.append(f"put gateway response {rtype}")
            if not self.check:
                try:
                    self.client.put_gateway_response(aws_retry=True, restApiId=api_id, responseType=rtype, responseParameters=params)
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't put gateway response {rtype}")
        for rtype in sorted(set(current) - set(desired)):
            if rtype not in ("DEFAULT_4XX", "DEFAULT_5XX"):
                continue  # only the ones this module manages
            self.changes.append(f"reset gateway response {rtype}")
            if not self.check:
                try:
                    self.client.delete_gateway_response(aws_retry=True, restApiId=api_id, responseType=rtype)
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't reset gateway response {rtype}")

    def get_stage(self, api_id, stage_name):
        try:
            return self.client.get_stage(aws_retry=True, restApiId=api_id, stageName=stage_name)
        except is_boto3_error_code("NotFoundException"):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Couldn't get stage {stage_name}")

    def deployment_description(self, api_id, deployment_id):
        try:
            return self.client.get_deployment(aws_retry=True, restApiId=api_id, deploymentId=deployment_id).get("description", "")
        except is_boto3_error_code("NotFoundException"):
            return ""
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Couldn't get deployment {deployment_id}")

    def ensure_stage(self, api, stage_p, digest, tags):
        name = stage_p["name"]
        description = f"tierstack sha256:{digest}"
        if api is None:
            self.changes.append(f"deploy to {name}")
            return None, None
        api_id = api["id"]
        stage = self.get_stage(api_id, name)
        deployment_id = stage.get("deploymentId") if stage else None
        if stage is None or not self.deployment_description(api_id, deployment_id).startswith(description):
            self.changes.append(f"deploy to {name}")
            if not self.check:
                try:
                    deployment_id = self.client.create_deployment(aws_retry=True, restApiId=api_id, description=description)["id"]
                    if stage is None:
                        stage = self.client.create_stage(
                            aws_retry=True,
                            restApiId=api_id,
                            stageName=name,
                            deploymentId=deployment_id,
                            tags=tags or {},
                        )
                    else:
                        stage = self.client.update_stage(
                            aws_retry=True,
                            restApiId=api_id,
                            stageName=name,
                            patchOperations=[{"op": "replace", "path": "/deploymentId", "value": deployment_id}],
                        )
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't deploy API {api_id} to stage {name}")
        ops = stage_patch_operations(stage_p, stage or {})
        if ops:
            self.changes.append(f"update stage {name} settings: " + ", ".join(o["path"] for o in ops))
            if not self.check:
                try:
                    stage = self.client.update_stage(aws_retry=True, restApiId=api_id, stageName=name, patchOperations=ops)
                except AWS_ERRORS as e:
                    self.fail(e, f"Couldn't update stage {name}")
        if stage is not None and stage.get("stageName"):
            self.ensure_tags(f"{self.api_arn(api_id)}/stages/{name}", stage.get("tags") or {}, tags, "stage")
        return stage, deployment_id

    def ensure_account_role(self, role_arn, force, absent=False):
        try:
            account = self.client.get_account(aws_retry=True)
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't get the API Gateway account settings")
        current = account.get("cloudwatchRoleArn") or ""
        if absent:
            if current != role_arn:
                return
            value = ""
        else:
            if current == role_arn or (current and not force):
                return
            value = role_arn
        self.changes.append("clear the account's CloudWatch role" if absent else "set the account's CloudWatch role")
        if self.check:
            return
        # A role created moments ago may not be usable yet (IAM is eventually consistent): API Gateway
        # then answers BadRequest, so retry that for a while.
        deadline = time.time() + 120
        while True:
            try:
                self.client.update_account(aws_retry=True, patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": value}])
                return
            except is_boto3_error_code("BadRequestException") as e:
                if absent or time.time() > deadline:
                    self.fail(e, "Couldn't update the API Gateway account's CloudWatch role")
                time.sleep(5)
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                self.fail(e, "Couldn't update the API Gateway account's CloudWatch role")

    def delete(self, name):
        api = self.find_api(name)
        if api is None:
            return {}
        self.changes.append("delete API")
        if not self.check:
            try:
                self.client.delete_rest_api(aws_retry=True, restApiId=api["id"])
            except is_boto3_error_code("NotFoundException"):
                pass
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                self.fail(e, f"Couldn't delete REST API {name}")
        return api


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str", default=""),
        endpoint_type=dict(type="str", choices=["REGIONAL", "EDGE", "PRIVATE"], default="REGIONAL"),
        backend_url=dict(type="str"),
        timeout_ms=dict(type="int", default=29000),
        api_key_required=dict(type="bool", default=False),
        cors=dict(
            type="dict",
            default={},
            options=dict(
                enabled=dict(type="bool", default=True),
                allow_origins=dict(type="list", elements="str", default=["*"]),
                allow_methods=dict(type="list", elements="str", default=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
                allow_headers=dict(
                    type="list",
                    elements="str",
                    default=["Content-Type", "Authorization", "X-Api-Key", "X-Amz-Date", "X-Amz-Security-Token"],
                ),
                max_age=dict(type="int", default=600),
            ),
        ),
        stage=dict(
            type="dict",
            default={},
            options=dict(
                name=dict(type="str", default="prod"),
                access_log_destination_arn=dict(type="str", default=""),
                access_log_format=dict(type="str"),
                metrics_enabled=dict(type="bool", default=True),
                tracing_enabled=dict(type="bool", default=False),
                throttling_rate_limit=dict(type="float", default=1000),
                throttling_burst_limit=dict(type="int", default=2000),
            ),
        ),
        cloudwatch_role_arn=dict(type="str"),
        force_cloudwatch_role=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["backend_url"])],
    )
    p = module.params
    if not 50 <= p["timeout_ms"] <= 29000:
        module.fail_json(msg=f"timeout_ms must be from 50 to 29000; got {p['timeout_ms']}")
    cors = p["cors"] or {}
    if cors.get("enabled") and not cors.get("allow_origins"):
        module.fail_json(msg="cors.allow_origins must name at least one origin (or '*')")
    stage_p = copy.deepcopy(p["stage"])
    if not stage_p.get("access_log_format"):
        stage_p["access_log_format"] = DEFAULT_ACCESS_LOG_FORMAT
    api_tool = ProxyApi(module)

    if p["state"] == "absent":
        api = api_tool.delete(p["name"])
        if p["cloudwatch_role_arn"]:
            api_tool.ensure_account_role(p["cloudwatch_role_arn"], False, absent=True)
        changed = bool(api_tool.changes)
        result = dict(changed=changed, api={}, changes=api_tool.changes)
        if module._diff and changed:
            result["diff"] = {"before": {"name": p["name"], "id": api.get("id")} if api else {}, "after": {}}
        module.exit_json(**result)

    tags = p["tags"]
    methods = desired_methods(p["backend_url"], p["timeout_ms"], p["api_key_required"], cors)
    gateway_responses = desired_gateway_responses(cors)
    digest = config_hash(methods, gateway_responses)

    if p["cloudwatch_role_arn"]:
        api_tool.ensure_account_role(p["cloudwatch_role_arn"], p["force_cloudwatch_role"])
    api = api_tool.ensure_api(p, tags or {})
    api_tool.ensure_shape(api, methods, gateway_responses)
    stage, deployment_id = api_tool.ensure_stage(api, stage_p, digest, tags)

    api_id = api["id"] if api else None
    out = {}
    if api_id:
        out = dict(
            id=api_id,
            name=p["name"],
            root_resource_id=api.get("rootResourceId"),
            stage_name=stage_p["name"],
            stage_arn=f"{api_tool.api_arn(api_id)}/stages/{stage_p['name']}",
            invoke_url=f"https://{api_id}.execute-api.{module.region}.amazonaws.com/{stage_p['name']}",
            deployment_id=deployment_id,
            config_hash=digest,
        )
    changed = bool(api_tool.changes)
    result = dict(changed=changed, api=out, changes=api_tool.changes)
    if module._diff and changed:
        result["diff"] = {"before": "", "after": "\n".join(api_tool.changes) + "\n"}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
