#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fargate_service
short_description: Manage an Amazon ECS service on Fargate behind load balancer target groups
version_added: 1.0.0
description:
  - Creates, updates or deletes an ECS service with awsvpc networking, a capacity provider strategy (or launch
    type), load balancer target groups, the deployment circuit breaker, minimum/maximum percent, a health check
    grace period and tags.
  - Every setting is compared with the described service and only what differs is written; a re-run with the
    same arguments makes no write call.
  - With O(preserve_desired_count=true) the desired count is only set when the service is created, so that a
    re-run does not undo Application Auto Scaling.
  - C(community.aws.ecs_service) compares only some of these fields (a change of the deployment configuration,
    network or capacity provider strategy of an existing service is never applied), resets the desired count
    chosen by autoscaling, and cannot change the tags of an existing service.
  - A setting the endpoint leaves out of the service description (an emulator that does not store it) cannot be
    compared and is not reported as a change; AWS always describes these settings.
options:
  name:
    description: Name of the service.
    type: str
    required: true
  cluster:
    description: Name or ARN of the cluster.
    type: str
    required: true
  task_definition:
    description: C(family:revision) or ARN of the task definition. Required when O(state=present).
    type: str
  desired_count:
    description: Number of tasks.
    type: int
    default: 1
  preserve_desired_count:
    description: Leave the desired count of an existing service alone (autoscaling owns it).
    type: bool
    default: false
  capacity_provider_strategy:
    description: Capacity provider strategy; mutually exclusive with O(launch_type).
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: FARGATE or FARGATE_SPOT.
        type: str
        required: true
      weight:
        description: Relative weight.
        type: int
        default: 1
      base:
        description: Tasks placed on this provider first.
        type: int
        default: 0
  launch_type:
    description: Launch type; mutually exclusive with O(capacity_provider_strategy).
    type: str
    choices: [FARGATE]
  platform_version:
    description: Fargate platform version.
    type: str
    default: LATEST
  subnets:
    description: Subnets of the tasks. Required when O(state=present).
    type: list
    elements: str
  security_groups:
    description: Security group IDs (not names) of the tasks. Required when O(state=present).
    type: list
    elements: str
  assign_public_ip:
    description: Give each task a public IP.
    type: bool
    default: false
  load_balancers:
    description: Target groups to register the tasks in.
    type: list
    elements: dict
    default: []
    suboptions:
      target_group_arn:
        description: ARN of the target group.
        type: str
        required: true
      container_name:
        description: Container to register.
        type: str
        required: true
      container_port:
        description: Port of that container.
        type: int
        required: true
  health_check_grace_period:
    description: Seconds during which failing load balancer health checks of a new task are ignored.
    type: int
  minimum_healthy_percent:
    description: Deployment minimum healthy percent.
    type: int
    default: 100
  maximum_percent:
    description: Deployment maximum percent.
    type: int
    default: 200
  circuit_breaker:
    description: Enable the deployment circuit breaker.
    type: bool
    default: true
  rollback:
    description: Roll back a deployment the circuit breaker stopped.
    type: bool
    default: true
  propagate_tags:
    description: Where task tags come from.
    type: str
    choices: [SERVICE, TASK_DEFINITION, NONE]
    default: SERVICE
  enable_execute_command:
    description: Allow ECS Exec.
    type: bool
    default: false
  wait:
    description: With O(state=absent), wait until the service is INACTIVE (the cluster can then be deleted).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds O(wait) waits at most (boto3's C(services_inactive) waiter, polling every 15 seconds).
    type: int
    default: 600
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
author:
  - tierstack maintainers (@tierstack)
extends_documentation_fragment:
  - amazon.aws.tags
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Backend service on Fargate and Fargate Spot behind its blue target group
  tierstack.aws.fargate_service:
    name: backend-dev1
    cluster: tierstack-dev1
    task_definition: backend-dev1:3
    desired_count: 2
    preserve_desired_count: true
    capacity_provider_strategy:
      - {capacity_provider: FARGATE, weight: 30, base: 1}
      - {capacity_provider: FARGATE_SPOT, weight: 70}
    subnets: [subnet-aaa, subnet-bbb]
    security_groups: [sg-123]
    load_balancers:
      - {target_group_arn: "{{ tg_arn }}", container_name: backend, container_port: 5000}
    health_check_grace_period: 60
    tags:
      Environment: dev1
"""

RETURN = r"""
service:
  description: The service after the change (snake_case; tags as a dict).
  returned: when state is present and the service exists
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tierstack.aws.plugins.module_utils.botocore import AWS_ERRORS
from ansible_collections.tierstack.aws.plugins.module_utils.botocore import get_or_none
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import TAG_ARGUMENT_SPEC
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import create_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import ecs_tags_to_dict
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import normalise_tags
from ansible_collections.tierstack.aws.plugins.module_utils.tagging import reconcile_tags
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import boto3_wait
from ansible_collections.tierstack.aws.plugins.module_utils.waiters import is_waiter_error


# ---- pure helpers (unit-tested) ----------------------------------------------------------------


def desired_view(p):
    """The comparable settings the module parameters ask for."""
    view = {
        "task_definition": p["task_definition"],
        "desired_count": p["desired_count"],
        "platform_version": p["platform_version"],
        "network": {
            "subnets": sorted(p["subnets"] or []),
            "security_groups": sorted(p["security_groups"] or []),
            "assign_public_ip": "ENABLED" if p["assign_public_ip"] else "DISABLED",
        },
        "load_balancers": sorted(
            (
                {"target_group_arn": lb["target_group_arn"], "container_name": lb["container_name"], "container_port": int(lb["container_port"])}
                for lb in p["load_balancers"]
            ),
            key=lambda lb: (lb["target_group_arn"], lb["container_name"]),
        ),
        "deployment": {
            "minimum_healthy_percent": p["minimum_healthy_percent"],
            "maximum_percent": p["maximum_percent"],
            "circuit_breaker": p["circuit_breaker"],
            "rollback": p["rollback"],
        },
        "propagate_tags": p["propagate_tags"],
        "enable_execute_command": p["enable_execute_command"],
    }
    if p["health_check_grace_period"] is not None:
        view["health_check_grace_period"] = p["health_check_grace_period"]
    if p["capacity_provider_strategy"]:
        view["capacity_provider_strategy"] = sorted(
            ({"capacity_provider": s["capacity_provider"], "weight": s["weight"], "base": s["base"]} for s in p["capacity_provider_strategy"]),
            key=lambda s: s["capacity_provider"],
        )
    elif p["launch_type"]:
        view["launch_type"] = p["launch_type"]
    return view


def existing_view(svc):
    """The comparable settings of a described service; keys the description lacks are left out."""
    view = {
        "task_definition": svc["taskDefinition"].split("/")[-1],
        "desired_count": svc["desiredCount"],
        "load_balancers": sorted(
            (
                {"target_group_arn": lb["targetGroupArn"], "container_name": lb["containerName"], "container_port": int(lb["containerPort"])}
                for lb in svc.get("loadBalancers", [])
            ),
            key=lambda lb: (lb["target_group_arn"], lb["container_name"]),
        ),
        "propagate_tags": svc.get("propagateTags", "NONE"),
        "enable_execute_command": bool(svc.get("enableExecuteCommand", False)),
    }
    if "platformVersion" in svc:
        view["platform_version"] = svc["platformVersion"]
    vpc = svc.get("networkConfiguration", {}).get("awsvpcConfiguration")
    if vpc is not None:
        view["network"] = {
            "subnets": sorted(vpc.get("subnets", [])),
            "security_groups": sorted(vpc.get("securityGroups", [])),
            "assign_public_ip": vpc.get("assignPublicIp", "DISABLED"),
        }
    dc = svc.get("deploymentConfiguration")
    if dc is not None:
        cb = dc.get("deploymentCircuitBreaker", {})
        view["deployment"] = {
            "minimum_healthy_percent": dc.get("minimumHealthyPercent"),
            "maximum_percent": dc.get("maximumPercent"),
            "circuit_breaker": bool(cb.get("enable", False)),
            "rollback": bool(cb.get("rollback", False)),
        }
    if "healthCheckGracePeriodSeconds" in svc:
        view["health_check_grace_period"] = svc["healthCheckGracePeriodSeconds"]
    if svc.get("capacityProviderStrategy"):
        view["capacity_provider_strategy"] = sorted(
            (
                {"capacity_provider": s["capacityProvider"], "weight": int(s.get("weight", 0)), "base": int(s.get("base", 0))}
                for s in svc["capacityProviderStrategy"]
            ),
            key=lambda s: s["capacity_provider"],
        )
    elif svc.get("launchType"):
        view["launch_type"] = svc["launchType"]
    return view


def differences(want, have, preserve_desired_count):
    """Keys of ``want`` whose value differs from ``have``; keys ``have`` lacks cannot be compared and are skipped."""
    out = []
    for key, value in want.items():
        if key == "desired_count" and preserve_desired_count:
            continue
        if key == "task_definition":
            if not (value == have.get(key) or value.endswith("/" + have.get(key, "\0"))):
                out.append(key)
            continue
        if key in ("capacity_provider_strategy", "launch_type"):
            # A launch type of EC2 cannot run these Fargate task definitions: the endpoint dropped the
            # strategy it was given (the emulator does), so there is nothing to compare.
            if have.get("launch_type") != "EC2" and have.get(key) != value:
                out.append(key)
            continue
        if key in have and have[key] != value:
            out.append(key)
    return out


# ---- AWS side ----------------------------------------------------------------------------------


def describe_service(module, client, cluster, name):
    found = get_or_none(
        module,
        client.describe_services,
        "ClusterNotFoundException",  # no cluster, so no service
        f"Couldn't describe ECS service {name}",
        default={},
        cluster=cluster,
        services=[name],
        include=["TAGS"],
    )
    for svc in found.get("services", []):
        if svc.get("status") != "INACTIVE":
            return svc
    return None


def api_params(p):
    params = {
        "taskDefinition": p["task_definition"],
        "platformVersion": p["platform_version"],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": p["subnets"],
                "securityGroups": p["security_groups"],
                "assignPublicIp": "ENABLED" if p["assign_public_ip"] else "DISABLED",
            }
        },
        "loadBalancers": [
            {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": int(lb["container_port"])}
            for lb in p["load_balancers"]
        ],
        "deploymentConfiguration": {
            "minimumHealthyPercent": p["minimum_healthy_percent"],
            "maximumPercent": p["maximum_percent"],
            "deploymentCircuitBreaker": {"enable": p["circuit_breaker"], "rollback": p["rollback"]},
        },
        "propagateTags": p["propagate_tags"],
        "enableExecuteCommand": p["enable_execute_command"],
    }
    if p["health_check_grace_period"] is not None:
        params["healthCheckGracePeriodSeconds"] = p["health_check_grace_period"]
    if p["capacity_provider_strategy"]:
        params["capacityProviderStrategy"] = [
            {"capacityProvider": s["capacity_provider"], "weight": s["weight"], "base": s["base"]} for s in p["capacity_provider_strategy"]
        ]
    return params


def ensure_present(module, client, svc):
    p = module.params
    tags = normalise_tags(p["tags"])
    want = desired_view(p)
    params = api_params(p)
    if svc is None:
        if not module.check_mode:
            kwargs = dict(params, serviceName=p["name"], cluster=p["cluster"], desiredCount=p["desired_count"], schedulingStrategy="REPLICA")
            kwargs["deploymentController"] = {"type": "ECS"}
            if p["launch_type"] and not p["capacity_provider_strategy"]:
                kwargs["launchType"] = p["launch_type"]
            if tags:
                kwargs["tags"] = create_tags("ecs", tags)
            svc = client.create_service(aws_retry=True, **kwargs)["service"]
        return True, {}, dict(want, tags=tags or {}), svc

    have = existing_view(svc)
    current_tags = ecs_tags_to_dict(svc.get("tags"))
    diff_keys = differences(want, have, p["preserve_desired_count"])
    changed = bool(diff_keys)
    if changed and not module.check_mode:
        kwargs = {"service": p["name"], "cluster": p["cluster"]}
        kwargs.update(params)
        if "desired_count" in diff_keys:
            kwargs["desiredCount"] = p["desired_count"]
        if "capacity_provider_strategy" in diff_keys or "launch_type" in diff_keys:
            kwargs["forceNewDeployment"] = True
        svc = client.update_service(aws_retry=True, **kwargs)["service"]
    tag_plan = reconcile_tags(module, client, "ecs", svc["serviceArn"], tags, p["purge_tags"], current=current_tags)
    changed |= tag_plan.changed
    after_tags = tag_plan.after
    before = dict(have, tags=current_tags)
    after = dict(have)
    after.update({k: want[k] for k in diff_keys})
    after["tags"] = after_tags
    return changed, before, after, svc


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            cluster=dict(type="str", required=True),
            task_definition=dict(type="str"),
            desired_count=dict(type="int", default=1),
            preserve_desired_count=dict(type="bool", default=False),
            capacity_provider_strategy=dict(
                type="list",
                elements="dict",
                options=dict(
                    capacity_provider=dict(type="str", required=True),
                    weight=dict(type="int", default=1),
                    base=dict(type="int", default=0),
                ),
            ),
            launch_type=dict(type="str", choices=["FARGATE"]),
            platform_version=dict(type="str", default="LATEST"),
            subnets=dict(type="list", elements="str"),
            security_groups=dict(type="list", elements="str"),
            assign_public_ip=dict(type="bool", default=False),
            load_balancers=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    target_group_arn=dict(type="str", required=True),
                    container_name=dict(type="str", required=True),
                    container_port=dict(type="int", required=True),
                ),
            ),
            health_check_grace_period=dict(type="int"),
            minimum_healthy_percent=dict(type="int", default=100),
            maximum_percent=dict(type="int", default=200),
            circuit_breaker=dict(type="bool", default=True),
            rollback=dict(type="bool", default=True),
            propagate_tags=dict(type="str", choices=["SERVICE", "TASK_DEFINITION", "NONE"], default="SERVICE"),
            enable_execute_command=dict(type="bool", default=False),
            **TAG_ARGUMENT_SPEC,
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ["task_definition", "subnets", "security_groups"])],
        mutually_exclusive=[("capacity_provider_strategy", "launch_type")],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present" and not p["capacity_provider_strategy"] and not p["launch_type"]:
        module.fail_json(msg="Give capacity_provider_strategy or launch_type, so that the service runs on Fargate")
    if p["state"] == "present" and any(not sg.startswith("sg-") for sg in p["security_groups"]):
        module.fail_json(msg=f"security_groups must be IDs (sg-...), not names; got {p['security_groups']}")
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    try:
        svc = describe_service(module, client, p["cluster"], p["name"])
        if p["state"] == "present":
            changed, before, after, svc = ensure_present(module, client, svc)
            if changed and svc and not module.check_mode:
                svc = describe_service(module, client, p["cluster"], p["name"]) or svc
            result = dict(changed=changed, diff={"before": before, "after": after})
            if svc:
                result["service"] = camel_dict_to_snake_dict(
                    {k: v for k, v in svc.items() if k not in ("events", "tags")}
                )
                result["service"]["tags"] = ecs_tags_to_dict(svc.get("tags"))
            module.exit_json(**result)
        if svc is None:
            module.exit_json(changed=False, diff={"before": {}, "after": {}})
        if not module.check_mode:
            if svc.get("desiredCount"):
                client.update_service(aws_retry=True, cluster=p["cluster"], service=p["name"], desiredCount=0)
            client.delete_service(aws_retry=True, cluster=p["cluster"], service=p["name"], force=True)
            if p["wait"]:
                boto3_wait(client, "services_inactive", p["wait_timeout"], 15, cluster=p["cluster"], services=[p["name"]])
        module.exit_json(changed=True, diff={"before": existing_view(svc), "after": {}})
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Couldn't apply ECS service {p['name']}")
    except Exception as e:  # pylint: disable=broad-except
        if not is_waiter_error(e):
            raise
        module.fail_json_aws(e, msg=f"ECS service {p['name']} did not become inactive within {p['wait_timeout']}s")


if __name__ == "__main__":
    main()
