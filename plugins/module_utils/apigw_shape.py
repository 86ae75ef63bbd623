# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployable shape of the tierstack proxy REST API, as pure functions (unit-tested).

``desired_methods`` and ``desired_gateway_responses`` give the methods (with CORS) and gateway responses
in API Gateway's own shape; ``config_hash`` hashes them for the deployment's description, and
``method_matches`` decides whether a described method already has the desired settings.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.tierstack.aws.plugins.module_utils.compare import strip_blanks

CORS_HEADER = "Access-Control-Allow-Origin"


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
            if strip_blanks(value) != strip_blanks(ci.get(key) or {}):
                return False
        elif value != ci.get(key):
            return False
    return True


def _responses_match(desired, current):
    if set(desired) != set(current):
        return False
    for code, spec in desired.items():
        cur = current[code]
        for key, value in spec.items():
            if isinstance(value, dict):
                if strip_blanks(value) != strip_blanks(cur.get(key)):
                    return False
            elif value != cur.get(key):
                return False
    return True
