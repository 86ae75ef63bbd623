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
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
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

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tierstack.aws.plugins.module_utils.apigw_account import ensure_account_role
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_common import ApiGatewayTool
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_methods import ensure_shape
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_shape import config_hash
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_shape import desired_gateway_responses
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_shape import desired_methods
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_stage import DEFAULT_ACCESS_LOG_FORMAT
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_stage import ensure_stage
from ansible_collections.tierstack.aws.plugins.module_utils.apigw_stage import stage_arn
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import paginate_items
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC

# The module is the API itself (find, create, update, delete) and main(). The rest lives in module_utils,
# one concern a file:
#   apigw_shape.py    the wanted methods, CORS and gateway responses, and their hash (pure)
#   apigw_methods.py  resources, methods and gateway responses on AWS
#   apigw_stage.py    deployment and stage settings: access logs, metrics, throttling, X-Ray tracing
#   apigw_account.py  the account's CloudWatch role


class ProxyApi(ApiGatewayTool):
    def find_api(self, name):
        try:
            found = [a for a in paginate_items(self.client, "get_rest_apis", "items") if a.get("name") == name]
        except AWS_ERRORS as e:
            self.fail(e, "Couldn't list REST APIs")
        if len(found) > 1:
            self.module.fail_json(msg=f"{len(found)} REST APIs are named {name}; tidy up by hand, names must be unique")
        return found[0] if found else None

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
        **TAG_ARGUMENT_SPEC,
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
            ensure_account_role(api_tool, p["cloudwatch_role_arn"], False, absent=True)
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
        ensure_account_role(api_tool, p["cloudwatch_role_arn"], p["force_cloudwatch_role"])
    api = api_tool.ensure_api(p, tags or {})
    ensure_shape(api_tool, api, methods, gateway_responses)
    stage, deployment_id = ensure_stage(api_tool, api, stage_p, digest, tags)

    api_id = api["id"] if api else None
    out = {}
    if api_id:
        out = dict(
            id=api_id,
            name=p["name"],
            root_resource_id=api.get("rootResourceId"),
            stage_name=stage_p["name"],
            stage_arn=stage_arn(module.region, api_id, stage_p["name"]),
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
