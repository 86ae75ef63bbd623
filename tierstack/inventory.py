"""What a stack has in the account, kind by kind: the one nothing-left check (tests, molecule, chaos).

``resources(suffix)`` lists every kind that any profile's tiers create, filtered by the suffix (the
Environment tag, or a name that holds the suffix as a whole word); ``nothing_left(suffix)`` keeps the
kinds that still hold something; ``duplicates(suffix)`` names the resources that exist more than once
under one name. ``python -m tierstack.inventory <suffix> [--duplicates]`` prints them as JSON and
exits 1 when something is left (or duplicated).

Kinds: EC2 (VPCs, subnets, security groups, NAT gateways, Elastic IPs, internet gateways, route tables,
network ACLs), ELBv2 (load balancers, target groups), RDS (clusters, instances, subnet groups), Secrets
Manager, Lambda, IAM (roles, policies), CloudWatch Logs log groups, alarms, dashboards, SNS topics,
SSM parameters, ECR, ECS (clusters, services, task definitions), Application Auto Scaling (targets,
policies), CloudFront (distributions, origin access controls), WAFv2 (regional and CloudFront scope),
API Gateway (REST APIs, API keys, usage plans), S3, ElastiCache, EFS, Kinesis.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter

DEFAULT_REGION = "ap-southeast-1"


def _client(service: str, region: str | None = None):
    import boto3

    kwargs = {"region_name": region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION}
    if os.environ.get("TIERSTACK_TARGET", "emulator") == "emulator":
        from tierstack.emulator import endpoint_url

        kwargs.update(endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or endpoint_url(),
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(service, **kwargs)


def _word(suffix: str):
    return re.compile(rf"(^|[-_/:.]){re.escape(suffix)}($|[-_/:.])")


def _tags(items) -> dict:
    if isinstance(items, dict):
        return items
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in items or []}


def _pages(client, op: str, key: str, **kwargs):
    if client.can_paginate(op):
        for page in client.get_paginator(op).paginate(**kwargs):
            yield from page.get(key, [])
    else:
        yield from getattr(client, op)(**kwargs).get(key, [])


def resources(suffix: str, region: str | None = None) -> dict[str, list[str]]:
    """{kind: [name or id, ...]} of everything of the stack ``suffix`` in the region (empty kinds kept)."""
    has = _word(suffix).search
    out: dict[str, list[str]] = {}
    errors: dict[str, str] = {}

    def kind(name):
        def wrap(fn):
            try:
                out[name] = sorted(fn())
            except Exception as e:  # noqa: BLE001 - report, do not hide, a kind that cannot be listed
                errors[name] = f"{type(e).__name__}: {e}"[:200]
                out[name] = []
            return fn
        return wrap

    ec2 = _client("ec2", region)
    env_filter = [{"Name": "tag:Environment", "Values": [suffix]}]

    def ec2_kind(name, op, key, id_key, extra=None, keep=lambda r: True):
        @kind(name)
        def _list():
            items = _pages(ec2, op, key, Filters=env_filter + (extra or []))
            # Filtered on the returned tags too: the emulator ignores some tag filters (docs/emulator-gaps.md).
            return [f"{_tags(i.get('Tags')).get('Name', '')}={i[id_key]}" for i in items
                    if _tags(i.get("Tags")).get("Environment") == suffix and keep(i)]

    ec2_kind("ec2:vpc", "describe_vpcs", "Vpcs", "VpcId")
    ec2_kind("ec2:subnet", "describe_subnets", "Subnets", "SubnetId")
    ec2_kind("ec2:security-group", "describe_security_groups", "SecurityGroups", "GroupId",
             keep=lambda g: g.get("GroupName") != "default")
    ec2_kind("ec2:nat-gateway", "describe_nat_gateways", "NatGateways", "NatGatewayId",
             keep=lambda n: n.get("State") not in ("deleted", "deleting", "failed"))
    ec2_kind("ec2:eip", "describe_addresses", "Addresses", "AllocationId")
    ec2_kind("ec2:internet-gateway", "describe_internet_gateways", "InternetGateways", "InternetGatewayId")
    ec2_kind("ec2:route-table", "describe_route_tables", "RouteTables", "RouteTableId")
    ec2_kind("ec2:network-acl", "describe_network_acls", "NetworkAcls", "NetworkAclId",
             keep=lambda n: not n.get("IsDefault"))

    elb = _client("elbv2", region)
    kind("elbv2:load-balancer")(lambda: [lb["LoadBalancerName"] for lb in _pages(elb, "describe_load_balancers", "LoadBalancers")
                                         if has(lb["LoadBalancerName"])])
    kind("elbv2:target-group")(lambda: [tg["TargetGroupName"] for tg in _pages(elb, "describe_target_groups", "TargetGroups")
                                        if has(tg["TargetGroupName"])])

    rds = _client("rds", region)
    kind("rds:cluster")(lambda: [c["DBClusterIdentifier"] for c in _pages(rds, "describe_db_clusters", "DBClusters")
                                 if has(c["DBClusterIdentifier"])])
    kind("rds:instance")(lambda: [i["DBInstanceIdentifier"] for i in _pages(rds, "describe_db_instances", "DBInstances")
                                  if has(i["DBInstanceIdentifier"])])
    kind("rds:subnet-group")(lambda: [g["DBSubnetGroupName"] for g in _pages(rds, "describe_db_subnet_groups", "DBSubnetGroups")
                                      if has(g["DBSubnetGroupName"])])

    sm = _client("secretsmanager", region)
    kind("secretsmanager:secret")(lambda: [s["Name"] for s in _pages(sm, "list_secrets", "SecretList")
                                           if has(s["Name"]) or _tags(s.get("Tags")).get("Environment") == suffix])
    lam = _client("lambda", region)
    kind("lambda:function")(lambda: [f["FunctionName"] for f in _pages(lam, "list_functions", "Functions") if has(f["FunctionName"])])

    iam = _client("iam", region)
    kind("iam:role")(lambda: [r["RoleName"] for r in _pages(iam, "list_roles", "Roles") if has(r["RoleName"])])
    kind("iam:policy")(lambda: [p["PolicyName"] for p in _pages(iam, "list_policies", "Policies", Scope="Local")
                                if has(p["PolicyName"])])

    logs = _client("logs", region)
    kind("logs:log-group")(lambda: [g["logGroupName"] for g in _pages(logs, "describe_log_groups", "logGroups")
                                    if has(g["logGroupName"])])
    cw = _client("cloudwatch", region)
    kind("cloudwatch:alarm")(lambda: [a["AlarmName"] for a in _pages(cw, "describe_alarms", "MetricAlarms")
                                      if has(a["AlarmName"]) or has(json.dumps(a.get("Dimensions", [])))])
    kind("cloudwatch:dashboard")(lambda: [d["DashboardName"] for d in _pages(cw, "list_dashboards", "DashboardEntries")
                                          if has(d["DashboardName"])])
    sns = _client("sns", region)
    kind("sns:topic")(lambda: [t["TopicArn"].rsplit(":", 1)[-1] for t in _pages(sns, "list_topics", "Topics")
                               if has(t["TopicArn"].rsplit(":", 1)[-1])])
    ssm = _client("ssm", region)
    kind("ssm:parameter")(lambda: [p["Name"] for p in _pages(ssm, "describe_parameters", "Parameters") if has(p["Name"])])

    ecr = _client("ecr", region)
    kind("ecr:repository")(lambda: [r["repositoryName"] for r in _pages(ecr, "describe_repositories", "repositories")
                                    if has(r["repositoryName"])])
    ecs = _client("ecs", region)

    def ecs_clusters():
        arns = [a for a in _pages(ecs, "list_clusters", "clusterArns") if has(a.rsplit("/", 1)[-1])]
        if not arns:
            return []
        return [c["clusterName"] for c in ecs.describe_clusters(clusters=arns)["clusters"] if c.get("status") == "ACTIVE"]

    kind("ecs:cluster")(ecs_clusters)

    def ecs_services():
        names = []
        for cluster in out.get("ecs:cluster", []):
            arns = list(_pages(ecs, "list_services", "serviceArns", cluster=cluster))
            for i in range(0, len(arns), 10):
                names += [s["serviceName"] for s in ecs.describe_services(cluster=cluster, services=arns[i:i + 10])["services"]
                          if s.get("status") != "INACTIVE"]
        return names

    kind("ecs:service")(ecs_services)
    kind("ecs:task-definition")(lambda: [a.rsplit("/", 1)[-1] for a in _pages(ecs, "list_task_definitions", "taskDefinitionArns",
                                                                              status="ACTIVE") if has(a.rsplit("/", 1)[-1].rsplit(":", 1)[0])])
    aas = _client("application-autoscaling", region)
    kind("application-autoscaling:target")(lambda: [t["ResourceId"] for t in _pages(aas, "describe_scalable_targets", "ScalableTargets",
                                                                                    ServiceNamespace="ecs") if has(t["ResourceId"])])
    kind("application-autoscaling:policy")(lambda: [p["PolicyName"] for p in _pages(aas, "describe_scaling_policies", "ScalingPolicies",
                                                                                    ServiceNamespace="ecs")
                                                    if has(p["ResourceId"]) or has(p["PolicyName"])])

    cf = _client("cloudfront", region)

    def distributions():
        dists = cf.list_distributions().get("DistributionList", {}).get("Items", []) or []
        return [d["Id"] for d in dists if has(d.get("Comment", "")) or any(has(o.get("Id", "")) or has(o.get("DomainName", ""))
                                                                           for o in d.get("Origins", {}).get("Items", []))]

    kind("cloudfront:distribution")(distributions)
    kind("cloudfront:origin-access-control")(lambda: [o["Name"] for o in (cf.list_origin_access_controls().get(
        "OriginAccessControlList", {}).get("Items", []) or []) if has(o["Name"])])

    waf = _client("wafv2", region)
    kind("wafv2:web-acl-regional")(lambda: [a["Name"] for a in waf.list_web_acls(Scope="REGIONAL").get("WebACLs", []) if has(a["Name"])])
    waf_global = _client("wafv2", "us-east-1")
    kind("wafv2:web-acl-cloudfront")(lambda: [a["Name"] for a in waf_global.list_web_acls(Scope="CLOUDFRONT").get("WebACLs", [])
                                              if has(a["Name"])])

    apigw = _client("apigateway", region)
    kind("apigateway:rest-api")(lambda: [a["name"] for a in _pages(apigw, "get_rest_apis", "items") if has(a["name"])])
    kind("apigateway:api-key")(lambda: [k["name"] for k in _pages(apigw, "get_api_keys", "items") if has(k.get("name", ""))])
    kind("apigateway:usage-plan")(lambda: [p["name"] for p in _pages(apigw, "get_usage_plans", "items") if has(p["name"])])

    s3 = _client("s3", region)
    kind("s3:bucket")(lambda: [b["Name"] for b in s3.list_buckets().get("Buckets", []) if has(b["Name"])])
    ec = _client("elasticache", region)
    kind("elasticache:replication-group")(lambda: [g["ReplicationGroupId"] for g in _pages(ec, "describe_replication_groups", "ReplicationGroups")
                                                   if has(g["ReplicationGroupId"])])
    kind("elasticache:subnet-group")(lambda: [g["CacheSubnetGroupName"] for g in _pages(ec, "describe_cache_subnet_groups", "CacheSubnetGroups")
                                              if has(g["CacheSubnetGroupName"])])
    efs = _client("efs", region)
    kind("efs:file-system")(lambda: [f["FileSystemId"] for f in _pages(efs, "describe_file_systems", "FileSystems")
                                     if has(f.get("Name", "") or "") or has(f.get("CreationToken", ""))
                                     or _tags(f.get("Tags")).get("Environment") == suffix])
    kinesis = _client("kinesis", region)
    kind("kinesis:stream")(lambda: [s for s in kinesis.list_streams().get("StreamNames", []) if has(s)])

    if errors:
        out["errors"] = [f"{k}: {v}" for k, v in sorted(errors.items())]
    return out


def nothing_left(suffix: str, region: str | None = None, ignore_errors: bool = False) -> dict[str, list[str]]:
    """The kinds that still hold something of the stack ({} when the teardown left nothing)."""
    found = resources(suffix, region)
    if ignore_errors:
        found.pop("errors", None)
    return {k: v for k, v in found.items() if v}


def duplicates(suffix: str, region: str | None = None) -> dict[str, list[str]]:
    """{kind: [name, ...]} of names that exist more than once (EC2 kinds by their Name tag)."""
    found = resources(suffix, region)
    found.pop("errors", None)
    dup = {}
    for kind_name, items in found.items():
        names = [i.split("=", 1)[0] for i in items] if kind_name.startswith("ec2:") else items
        names = [n for n in names if n]
        counts = Counter(names)
        repeated = sorted(n for n, c in counts.items() if c > 1)
        if repeated:
            dup[kind_name] = repeated
    return dup


def secret_password(suffix: str, secret_name: str | None = None, region: str | None = None):
    """The password held by the AWSCURRENT version of the stack's database secret, or None. Never print it."""
    sm = _client("secretsmanager", region)
    name = secret_name or f"db-credentials-{suffix}"
    try:
        meta = sm.describe_secret(SecretId=name)
    except sm.exceptions.ResourceNotFoundException:
        return None
    # By VersionId: the emulator's plain GetSecretValue can lag behind AWSCURRENT (docs/emulator-gaps.md).
    current = [v for v, stages in (meta.get("VersionIdsToStages") or {}).items() if "AWSCURRENT" in stages]
    if not current:
        return None
    value = sm.get_secret_value(SecretId=name, VersionId=current[0])["SecretString"]
    try:
        return json.loads(value).get("password")
    except ValueError:
        return None


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="List what a stack has left in the account, by kind.")
    parser.add_argument("suffix")
    parser.add_argument("--region")
    parser.add_argument("--duplicates", action="store_true", help="list names that exist more than once instead")
    args = parser.parse_args(argv)
    found = duplicates(args.suffix, args.region) if args.duplicates else nothing_left(args.suffix, args.region)
    print(json.dumps(found, indent=2, sort_keys=True))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
