"""A deployed stack read back from the endpoint (the emulator or AWS), for ``status`` and ``diagram``.

Nothing here comes from the variables: every resource is found by the suffix in its name (or its
Environment tag) and described through the service's API.  Each service is read on its own, so a
service that fails (or that the account does not use) leaves an error note and an empty list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from tierstack.emulator import endpoint_url


def client(service: str, region: str, inventory: str = "local"):
    """A boto3 client: the emulator (AWS_ENDPOINT_URL, dummy keys) for the local inventory, boto3's chain otherwise."""
    import boto3

    kwargs: dict[str, Any] = {"region_name": region}
    if inventory == "local":
        kwargs.update(endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or endpoint_url(), aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(service, **kwargs)


def named(name: str | None, suffix: str) -> bool:
    """True when ``suffix`` is a whole word of the name (``alb-dev1``, ``db-credentials-dev1``, ``frontend-blue-dev1``)."""
    return bool(name) and re.search(rf"(^|[-_/.:]){re.escape(suffix)}($|[-_/.:])", name) is not None


def tags(items) -> dict:
    if isinstance(items, dict):
        return dict(items)
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in items or []}


@dataclass
class Stack:
    suffix: str
    region: str
    vpc: dict | None = None
    subnets: list = field(default_factory=list)
    nat_gateways: list = field(default_factory=list)
    internet_gateways: list = field(default_factory=list)
    load_balancers: list = field(default_factory=list)
    target_groups: list = field(default_factory=list)
    clusters: list = field(default_factory=list)
    services: list = field(default_factory=list)
    db_clusters: list = field(default_factory=list)
    db_instances: list = field(default_factory=list)
    caches: list = field(default_factory=list)
    file_systems: list = field(default_factory=list)
    streams: list = field(default_factory=list)
    distributions: list = field(default_factory=list)
    apis: list = field(default_factory=list)
    web_acls: list = field(default_factory=list)
    secrets: list = field(default_factory=list)
    alarms: list = field(default_factory=list)
    repositories: list = field(default_factory=list)
    functions: list = field(default_factory=list)
    security_groups: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    dashboards: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    def empty(self) -> bool:
        return not any(
            getattr(self, k)
            for k in ("vpc", "load_balancers", "clusters", "db_clusters", "caches", "file_systems", "streams", "distributions", "apis",
                      "secrets", "repositories")
        )


def _read(stack: Stack, what: str, fn) -> None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - one service's failure must not hide the others
        stack.errors[what] = f"{type(exc).__name__}: {exc}"[:200]


def collect(suffix: str, region: str, inventory: str = "local") -> Stack:
    """Everything of the stack ``suffix`` in ``region`` that the APIs describe."""
    stack = Stack(suffix, region)

    def c(name, reg=None):
        return client(name, reg or region, inventory)

    def network():
        ec2 = c("ec2")
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"]
        vpcs = [v for v in vpcs if tags(v.get("Tags")).get("Environment") == suffix]
        if not vpcs:
            return
        stack.vpc = vpcs[0]
        vpc_id = vpcs[0]["VpcId"]
        flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
        stack.subnets = sorted(ec2.describe_subnets(Filters=flt)["Subnets"], key=lambda s: (s["AvailabilityZone"], s["CidrBlock"]))
        # the vpc-id filter: DescribeNatGateways ignores tag filters on the emulator
        nats = ec2.describe_nat_gateways(Filters=flt)["NatGateways"]
        stack.nat_gateways = [n for n in nats if n.get("VpcId") == vpc_id and n.get("State") not in ("deleted", "deleting")]
        stack.security_groups = [g for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"] if g.get("GroupName") != "default"]
        stack.internet_gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]

    def balancing():
        elb = c("elbv2")
        lbs = [lb for lb in elb.describe_load_balancers()["LoadBalancers"] if named(lb["LoadBalancerName"], suffix)]
        stack.load_balancers = lbs
        for lb in lbs:
            try:
                lb["_listeners"] = [x["ListenerArn"] for x in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]]
            except Exception:  # noqa: BLE001
                lb["_listeners"] = []
        tgs = [tg for tg in elb.describe_target_groups()["TargetGroups"] if named(tg["TargetGroupName"], suffix)]
        for tg in tgs:
            try:
                health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
            except Exception:  # noqa: BLE001
                health = []
            tg["_health"] = [h["TargetHealth"]["State"] for h in health]
        stack.target_groups = tgs

    def containers():
        ecs = c("ecs")
        arns = [a for a in ecs.list_clusters()["clusterArns"] if named(a.rsplit("/", 1)[-1], suffix)]
        if not arns:
            return
        clusters = [cl for cl in ecs.describe_clusters(clusters=arns)["clusters"] if cl.get("status") == "ACTIVE"]
        stack.clusters = clusters
        for cl in clusters:
            service_arns = ecs.list_services(cluster=cl["clusterArn"]).get("serviceArns", [])
            for i in range(0, len(service_arns), 10):
                for svc in ecs.describe_services(cluster=cl["clusterArn"], services=service_arns[i : i + 10])["services"]:
                    if svc.get("status") == "ACTIVE":
                        try:
                            svc["_taskdef"] = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
                        except Exception:  # noqa: BLE001
                            svc["_taskdef"] = {}
                        stack.services.append(svc)

    def data():
        rds = c("rds")
        stack.db_clusters = [cl for cl in rds.describe_db_clusters()["DBClusters"] if named(cl["DBClusterIdentifier"], suffix)]
        ids = {m["DBInstanceIdentifier"] for cl in stack.db_clusters for m in cl.get("DBClusterMembers", [])}
        stack.db_instances = [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"] in ids]

    def cache():
        ec = c("elasticache")
        stack.caches = [g for g in ec.describe_replication_groups()["ReplicationGroups"] if named(g["ReplicationGroupId"], suffix)]

    def files():
        efs = c("efs")
        stack.file_systems = [
            f for f in efs.describe_file_systems()["FileSystems"] if named(f.get("Name"), suffix) or tags(f.get("Tags")).get("Environment") == suffix
        ]
        for fs in stack.file_systems:
            try:
                fs["_mount_targets"] = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
            except Exception:  # noqa: BLE001
                fs["_mount_targets"] = []

    def stream():
        kin = c("kinesis")
        names = [n for n in kin.list_streams().get("StreamNames", []) if named(n, suffix)]
        stack.streams = [kin.describe_stream_summary(StreamName=n)["StreamDescriptionSummary"] for n in names]

    def edge():
        cf = c("cloudfront", "us-east-1")
        items = (cf.list_distributions().get("DistributionList") or {}).get("Items") or []
        lb_dns = {lb["DNSName"] for lb in stack.load_balancers}
        for d in items:
            origins = [o["DomainName"] for o in d["Origins"]["Items"]]
            try:
                env = tags(cf.list_tags_for_resource(Resource=d["ARN"])["Tags"].get("Items")).get("Environment")
            except Exception:  # noqa: BLE001
                env = None
            if env == suffix or lb_dns & set(origins):
                d["_origins"] = origins
                stack.distributions.append(d)

    def api():
        gw = c("apigateway")
        stack.apis = [a for a in gw.get_rest_apis(limit=500).get("items", []) if named(a["name"], suffix) or tags(a.get("tags")).get("Environment") == suffix]
        for a in stack.apis:
            try:
                a["_stages"] = gw.get_stages(restApiId=a["id"]).get("item", [])
            except Exception:  # noqa: BLE001
                a["_stages"] = []
            try:
                a["_usage_plans"] = [u["id"] for u in gw.get_usage_plans(limit=500).get("items", [])
                                     if any(x.get("apiId") == a["id"] for x in u.get("apiStages", []))]
            except Exception:  # noqa: BLE001
                a["_usage_plans"] = []
            a["_integrations"] = []
            try:
                for res in gw.get_resources(restApiId=a["id"], limit=500).get("items", []):
                    for method in res.get("resourceMethods") or {}:
                        if method == "OPTIONS":
                            continue
                        uri = gw.get_integration(restApiId=a["id"], resourceId=res["id"], httpMethod=method).get("uri")
                        if uri:
                            a["_integrations"].append(uri)
            except Exception:  # noqa: BLE001
                pass

    def waf():
        for scope, reg in (("REGIONAL", region), ("CLOUDFRONT", "us-east-1")):
            w = c("wafv2", reg)
            for acl in w.list_web_acls(Scope=scope).get("WebACLs", []):
                if named(acl["Name"], suffix):
                    acl["_scope"] = scope
                    acl["_resources"] = []
                    if scope == "REGIONAL":
                        for kind in ("API_GATEWAY", "APPLICATION_LOAD_BALANCER"):
                            try:
                                acl["_resources"] += w.list_resources_for_web_acl(WebACLArn=acl["ARN"], ResourceType=kind).get("ResourceArns", [])
                            except Exception:  # noqa: BLE001
                                pass
                    stack.web_acls.append(acl)
        # the API stages' ACLs, asked per resource (the emulator answers ListResourcesForWebACL with a 500)
        w = c("wafv2")
        for a in stack.apis:
            for stage in a.get("_stages", []):
                arn = f"arn:aws:apigateway:{region}::/restapis/{a['id']}/stages/{stage['stageName']}"
                try:
                    found = (w.get_web_acl_for_resource(ResourceArn=arn).get("WebACL") or {}).get("ARN")
                except Exception:  # noqa: BLE001
                    found = None
                for acl in stack.web_acls:
                    if acl["ARN"] == found and arn not in acl["_resources"]:
                        acl["_resources"].append(arn)

    def secrets():
        sm = c("secretsmanager")
        stack.secrets = [s for s in sm.list_secrets(MaxResults=100).get("SecretList", []) if named(s["Name"], suffix)]

    def alarms():
        cw = c("cloudwatch")
        stack.alarms = [a for a in cw.describe_alarms(MaxRecords=100).get("MetricAlarms", []) if named(a["AlarmName"], suffix)]

    def observability():
        sns = c("sns")
        stack.topics = [t["TopicArn"] for t in sns.list_topics().get("Topics", []) if named(t["TopicArn"].rsplit(":", 1)[-1], suffix)]
        cw = c("cloudwatch")
        stack.dashboards = [d["DashboardName"] for d in cw.list_dashboards().get("DashboardEntries", []) if named(d["DashboardName"], suffix)]
        ssm = c("ssm")
        pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=f"/tierstack/{suffix}/", Recursive=True)
        stack.parameters = [p["Name"] for page in pages for p in page.get("Parameters", [])]

    def repos():
        ecr = c("ecr")
        stack.repositories = [r for r in ecr.describe_repositories().get("repositories", []) if named(r["repositoryName"], suffix)]

    def functions():
        lam = c("lambda")
        stack.functions = [f for f in lam.list_functions().get("Functions", []) if named(f["FunctionName"], suffix)]

    for what, fn in (
        ("network", network), ("load balancing", balancing), ("containers", containers), ("database", data),
        ("cache", cache), ("file system", files), ("stream", stream), ("CloudFront", edge), ("API Gateway", api),
        ("WAF", waf), ("secrets", secrets), ("alarms", alarms), ("ECR", repos), ("Lambda", functions),
        ("observability", observability),
    ):
        _read(stack, what, fn)
    return stack


def default_region(profile: str | None = None) -> str:
    """The region a stack of ``profile`` goes to: AWS_REGION, else the profile's tierstack_default_region."""
    import yaml

    from tierstack import REPO_ROOT

    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    found = "ap-southeast-1"
    files = [REPO_ROOT / "group_vars" / "all" / "main.yml"]
    if profile:
        base = REPO_ROOT / "group_vars" / f"profile_{profile}"
        files += [base.with_suffix(".yml")] + (sorted(base.glob("*.yml")) if base.is_dir() else [])
    for path in files:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError:
            continue
        value = data.get("tierstack_default_region")
        if isinstance(value, str) and "{{" not in value:
            found = value
    return found
