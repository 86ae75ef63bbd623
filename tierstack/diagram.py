"""``python -m tierstack diagram <suffix>``: the deployed stack as an SVG and a PNG.

The picture is drawn from the live state that :mod:`tierstack.live` reads back from the endpoint,
never from the variables: the VPC with its subnets per AZ and NAT gateways, the ALB and its target
groups, the ECS services, the database writer and readers, the cache, the file system, the stream,
CloudFront, API Gateway and the WAF ACLs, with solid edges for traffic and dashed edges for
permissions (image pulls, secret reads, rotation, stream writes).  Graphviz's ``dot`` renders the
DOT text (Debian's ``graphviz`` package; ``scripts/ensure_graphviz.sh`` installs it).  Each node's
tooltip carries the resource's identifiers (ids, ARNs, endpoints), so the SVG names every resource.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tierstack import live

COLOURS = {
    "edge": "#8c4fff", "network": "#248814", "compute": "#ed7100", "data": "#3b48cc", "storage": "#7aa116",
    "security": "#dd344c", "integration": "#e7157b", "subnet_public": "#e9f3e6", "subnet_private": "#e6f2f8",
    "subnet_isolated": "#f2f2f2",
}


def _q(text) -> str:
    """A DOT string: quotes escaped, line breaks as DOT's centred \\n."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Dot:
    def __init__(self):
        self.lines: list[str] = []
        self.ids: dict[str, str] = {}

    def node(self, key: str, label: str, kind: str, tooltip: list[str] | None = None, shape: str = "box", indent: str = "  ") -> str:
        name = f"n{len(self.ids)}"
        self.ids[key] = name
        tip = "\n".join(str(t) for t in (tooltip or []) if t)
        colour = COLOURS.get(kind, "#555555")
        self.lines.append(
            f"{indent}{name} [label={_q(label)}, tooltip={_q(tip or label)}, shape={shape}, style=\"rounded,filled\", "
            f"fillcolor=\"white\", color=\"{colour}\", penwidth=1.6];"
        )
        return name

    def edge(self, a: str, b: str, label: str = "", dashed: bool = False) -> None:
        if a in self.ids and b in self.ids:
            style = ', style=dashed, color="#777777"' if dashed else ""
            self.lines.append(f"  {self.ids[a]} -> {self.ids[b]} [label={_q(label)}, fontsize=9{style}];")


def _task_ids(svc: dict) -> list[str]:
    """The task definition's roles and log groups, for the service's tooltip."""
    td = svc.get("_taskdef") or {}
    out = [td.get("taskDefinitionArn"), td.get("taskRoleArn"), td.get("executionRoleArn")]
    for container in td.get("containerDefinitions", []):
        out.append(((container.get("logConfiguration") or {}).get("options") or {}).get("awslogs-group"))
    net = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return [x for x in out + net.get("securityGroups", []) if x]


def to_dot(stack: live.Stack) -> str:
    """The stack as Graphviz DOT text."""
    d = _Dot()
    title = f"tierstack {stack.suffix} ({stack.region})"
    d.lines += [
        "digraph tierstack {",
        f"  graph [label={_q(title)}, labelloc=t, fontsize=18, fontname=\"Helvetica\", rankdir=LR, compound=true, nodesep=0.25, ranksep=0.7];",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", color="#444444"];',
    ]
    d.node("users", "Users\n(internet)", "edge", shape="ellipse")

    # edge services, outside the VPC
    for dist in stack.distributions:
        d.node(f"cf:{dist['Id']}", f"CloudFront\n{dist['Id']}\n{dist['DomainName']}", "edge",
               [dist["Id"], dist.get("ARN"), dist["DomainName"], "https://" + dist["DomainName"]])
    for api in stack.apis:
        stages = [s["stageName"] for s in api.get("_stages", [])]
        urls = [f"https://{api['id']}.execute-api.{stack.region}.amazonaws.com/{s}" for s in stages]
        stage_arns = [f"arn:aws:apigateway:{stack.region}::/restapis/{api['id']}/stages/{s}" for s in stages]
        logs = [((s.get("accessLogSettings") or {}).get("destinationArn") or "").split(":log-group:")[-1] for s in api.get("_stages", [])]
        d.node(f"api:{api['id']}", f"API Gateway\n{api['name']}\n{api['id']} ({', '.join(stages) or 'no stage'})", "integration",
               [api["id"], api["name"], *urls, *stage_arns, *[x for x in logs if x], *(f"usage plan {u}" for u in api.get("_usage_plans", []))])
    for acl in stack.web_acls:
        d.node(f"waf:{acl['ARN']}", f"WAF {acl['_scope'].lower()}\n{acl['Name']}", "security", [acl["Name"], acl.get("Id"), acl["ARN"]], shape="octagon")

    # the VPC, its AZs and subnets
    if stack.vpc:
        vpc = stack.vpc
        d.lines.append("  subgraph cluster_vpc {")
        d.lines.append(f"    label={_q('VPC ' + vpc['VpcId'] + '  ' + vpc['CidrBlock'])}; style=rounded; color=\"{COLOURS['network']}\"; fontsize=12;")
        for igw in stack.internet_gateways:
            d.node(f"igw:{igw['InternetGatewayId']}", f"Internet gateway\n{igw['InternetGatewayId']}", "network", [igw["InternetGatewayId"]], indent="    ")
        azs = sorted({s["AvailabilityZone"] for s in stack.subnets})
        for i, az in enumerate(azs):
            d.lines.append(f"    subgraph cluster_az{i} {{")
            d.lines.append(f"      label={_q(az)}; style=\"rounded,dashed\"; color=\"#999999\";")
            for sn in (s for s in stack.subnets if s["AvailabilityZone"] == az):
                tier = live.tags(sn.get("Tags")).get("Tier", "subnet")
                name = live.tags(sn.get("Tags")).get("Name", "")
                d.node(f"subnet:{sn['SubnetId']}", f"{tier} subnet\n{sn['SubnetId']}\n{sn['CidrBlock']}", f"subnet_{tier}",
                       [sn["SubnetId"], name, sn["CidrBlock"]], shape="note", indent="      ")
                d.lines[-1] = d.lines[-1].replace('fillcolor="white"', f'fillcolor="{COLOURS.get("subnet_" + tier, "#ffffff")}"')
            for nat in (n for n in stack.nat_gateways if any(s["SubnetId"] == n.get("SubnetId") and s["AvailabilityZone"] == az for s in stack.subnets)):
                ips = [a.get("PublicIp") for a in nat.get("NatGatewayAddresses", []) if a.get("PublicIp")]
                d.node(f"nat:{nat['NatGatewayId']}", f"NAT gateway\n{nat['NatGatewayId']}", "network", [nat["NatGatewayId"], *ips], indent="      ")
            d.lines.append("    }")
        for lb in stack.load_balancers:
            d.node(f"lb:{lb['LoadBalancerArn']}", f"ALB {lb['LoadBalancerName']}\n{lb['DNSName']}", "network",
                   [lb["LoadBalancerName"], lb["LoadBalancerArn"], lb["DNSName"], *lb.get("_listeners", []), *lb.get("SecurityGroups", [])], indent="    ")
        for tg in stack.target_groups:
            health = tg.get("_health") or []
            healthy = sum(1 for h in health if h == "healthy")
            d.node(f"tg:{tg['TargetGroupArn']}", f"target group\n{tg['TargetGroupName']}\n:{tg.get('Port')} {healthy}/{len(health)} healthy", "network",
                   [tg["TargetGroupName"], tg["TargetGroupArn"]], indent="    ")
        for cl in stack.clusters:
            d.lines.append(f"    subgraph cluster_ecs_{len(d.ids)} {{")
            d.lines.append(f"      label={_q('ECS cluster ' + cl['clusterName'])}; style=rounded; color=\"{COLOURS['compute']}\";")
            for svc in (s for s in stack.services if s.get("clusterArn") == cl["clusterArn"]):
                d.node(f"svc:{svc['serviceArn']}", f"service {svc['serviceName']}\n{svc.get('runningCount', 0)}/{svc.get('desiredCount', 0)} running",
                       "compute", [svc["serviceName"], svc["serviceArn"], cl["clusterName"], cl["clusterArn"], *_task_ids(svc)], indent="      ")
            if not any(s.get("clusterArn") == cl["clusterArn"] for s in stack.services):
                d.node(f"cluster:{cl['clusterArn']}", f"ECS cluster\n{cl['clusterName']}", "compute", [cl["clusterName"], cl["clusterArn"]], indent="      ")
            d.lines.append("    }")
        for db in stack.db_clusters:
            d.lines.append(f"    subgraph cluster_db_{len(d.ids)} {{")
            d.lines.append(f"      label={_q('Aurora ' + db['DBClusterIdentifier'])}; style=rounded; color=\"{COLOURS['data']}\";")
            members = db.get("DBClusterMembers", [])
            d.node(f"db:{db['DBClusterIdentifier']}", f"writer endpoint\n{db.get('Endpoint')}", "data",
                   [db["DBClusterIdentifier"], db.get("DBClusterArn"), db.get("Endpoint"), db.get("ReaderEndpoint")], shape="cylinder", indent="      ")
            for m in members:
                role = "writer" if m.get("IsClusterWriter") else "reader"
                d.node(f"dbi:{m['DBInstanceIdentifier']}", f"{role}\n{m['DBInstanceIdentifier']}", "data", [m["DBInstanceIdentifier"]],
                       shape="cylinder", indent="      ")
            if db.get("ReaderEndpoint"):
                d.node(f"dbr:{db['DBClusterIdentifier']}", f"reader endpoint\n{db['ReaderEndpoint']}", "data", [db["ReaderEndpoint"]],
                       shape="cylinder", indent="      ")
            d.lines.append("    }")
        for rg in stack.caches:
            primary = (rg.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint", {}).get("Address", "")
            reader = (rg.get("NodeGroups") or [{}])[0].get("ReaderEndpoint", {}).get("Address", "")
            d.node(f"cache:{rg['ReplicationGroupId']}", f"ElastiCache {rg['ReplicationGroupId']}\n{len(rg.get('MemberClusters', []))} nodes", "data",
                   [rg["ReplicationGroupId"], rg.get("ARN"), primary, reader, *rg.get("MemberClusters", [])], shape="cylinder", indent="    ")
        for fs in stack.file_systems:
            d.node(f"efs:{fs['FileSystemId']}",
                   f"EFS {fs.get('Name') or ''}\n{fs['FileSystemId']}\n{len(fs.get('_mount_targets', []))} mount targets", "storage",
                   [fs["FileSystemId"], fs.get("FileSystemArn"), fs.get("Name")], shape="folder", indent="    ")
        for fn in stack.functions:
            d.node(f"fn:{fn['FunctionName']}", f"Lambda\n{fn['FunctionName']}", "compute", [fn["FunctionName"], fn.get("FunctionArn")], indent="    ")
        d.lines.append("  }")

    for st in stack.streams:
        d.node(f"stream:{st['StreamName']}", f"Kinesis {st['StreamName']}\n{st.get('OpenShardCount', '?')} shards", "integration",
               [st["StreamName"], st.get("StreamARN")], shape="cds")
    for repo in stack.repositories:
        d.node(f"ecr:{repo['repositoryName']}", f"ECR {repo['repositoryName']}", "compute",
               [repo["repositoryName"], repo.get("repositoryUri"), repo.get("repositoryArn")], shape="component")
    for sec in stack.secrets:
        d.node(f"secret:{sec['Name']}", f"secret {sec['Name']}", "security", [sec["Name"], sec.get("ARN")], shape="component")
    if stack.alarms or stack.dashboards or stack.topics:
        states = sorted({a.get("StateValue") for a in stack.alarms})
        label = f"CloudWatch\n{len(stack.alarms)} alarms ({', '.join(states) or '-'})" + "".join(f"\ndashboard {x}" for x in stack.dashboards)
        d.node("alarms", label, "integration", [*stack.dashboards, *stack.topics, *(a["AlarmName"] for a in stack.alarms)], shape="tab")
        for topic in stack.topics:
            d.node(f"sns:{topic}", f"SNS {topic.rsplit(':', 1)[-1]}", "integration", [topic], shape="tab")
            d.edge("alarms", f"sns:{topic}", "notifies")
    if stack.parameters:
        prefix = f"/tierstack/{stack.suffix}/"
        d.node("ssm", f"SSM parameters\n{prefix} ({len(stack.parameters)})", "integration", [prefix, *stack.parameters], shape="tab")
    if stack.security_groups:
        d.node("sgs", "security groups\n" + "\n".join(g["GroupName"] for g in stack.security_groups), "security",
               [f"{g['GroupId']} {g['GroupName']}" for g in stack.security_groups], shape="octagon")

    # traffic
    lb_by_dns = {lb["DNSName"]: lb for lb in stack.load_balancers}
    for dist in stack.distributions:
        d.edge("users", f"cf:{dist['Id']}", "HTTPS")
        for origin in dist.get("_origins", []):
            if origin in lb_by_dns:
                d.edge(f"cf:{dist['Id']}", f"lb:{lb_by_dns[origin]['LoadBalancerArn']}", "origin")
    for api in stack.apis:
        d.edge("users", f"api:{api['id']}", "HTTPS")
        for dns, lb in lb_by_dns.items():
            if any(dns in uri for uri in api.get("_integrations", [])):
                d.edge(f"api:{api['id']}", f"lb:{lb['LoadBalancerArn']}", "HTTP proxy")
    if not stack.distributions and not stack.apis:
        for lb in stack.load_balancers:
            d.edge("users", f"lb:{lb['LoadBalancerArn']}", "HTTP")
    for acl in stack.web_acls:
        for res in acl.get("_resources", []):
            for api in stack.apis:
                if f"/restapis/{api['id']}/" in res:
                    d.edge(f"waf:{acl['ARN']}", f"api:{api['id']}", "filters")
            for lb in stack.load_balancers:
                if res == lb["LoadBalancerArn"]:
                    d.edge(f"waf:{acl['ARN']}", f"lb:{lb['LoadBalancerArn']}", "filters")
        for dist in stack.distributions:
            if dist.get("WebACLId") in (acl["ARN"], acl.get("Id")):
                d.edge(f"waf:{acl['ARN']}", f"cf:{dist['Id']}", "filters")
    for tg in stack.target_groups:
        for lb_arn in tg.get("LoadBalancerArns", []):
            d.edge(f"lb:{lb_arn}", f"tg:{tg['TargetGroupArn']}", "")
    for svc in stack.services:
        for lbinfo in svc.get("loadBalancers", []):
            d.edge(f"tg:{lbinfo.get('targetGroupArn')}", f"svc:{svc['serviceArn']}", str(lbinfo.get("containerPort", "")))
        for db in stack.db_clusters:
            d.edge(f"svc:{svc['serviceArn']}", f"db:{db['DBClusterIdentifier']}", str(db.get("Port", "")))
        for rg in stack.caches:
            d.edge(f"svc:{svc['serviceArn']}", f"cache:{rg['ReplicationGroupId']}", "6379")
        for fs in stack.file_systems:
            d.edge(f"svc:{svc['serviceArn']}", f"efs:{fs['FileSystemId']}", "NFS 2049")
        for st in stack.streams:
            d.edge(f"svc:{svc['serviceArn']}", f"stream:{st['StreamName']}", "PutRecords", dashed=True)
        for repo in stack.repositories:
            if repo["repositoryName"].startswith(svc["serviceName"].split("-")[0]):
                d.edge(f"svc:{svc['serviceArn']}", f"ecr:{repo['repositoryName']}", "pulls", dashed=True)
        for sec in stack.secrets:
            if stack.db_clusters and "db" in sec["Name"]:
                d.edge(f"svc:{svc['serviceArn']}", f"secret:{sec['Name']}", "reads", dashed=True)
    for db in stack.db_clusters:
        for m in db.get("DBClusterMembers", []):
            source = f"db:{db['DBClusterIdentifier']}" if m.get("IsClusterWriter") else f"dbr:{db['DBClusterIdentifier']}"
            d.edge(source, f"dbi:{m['DBInstanceIdentifier']}", "")
    for fn in stack.functions:
        for sec in stack.secrets:
            if sec.get("RotationLambdaARN") == fn.get("FunctionArn"):
                d.edge(f"fn:{fn['FunctionName']}", f"secret:{sec['Name']}", "rotates", dashed=True)
        for db in stack.db_clusters:
            d.edge(f"fn:{fn['FunctionName']}", f"db:{db['DBClusterIdentifier']}", "5432")
    for nat in stack.nat_gateways:
        for igw in stack.internet_gateways:
            d.edge(f"nat:{nat['NatGatewayId']}", f"igw:{igw['InternetGatewayId']}", "egress")
        d.edge(f"subnet:{nat.get('SubnetId')}", f"nat:{nat['NatGatewayId']}", "in", dashed=True)
    d.lines.append("}")
    return "\n".join(d.lines) + "\n"


def dot_binary() -> str:
    path = shutil.which("dot")
    if not path:
        raise RuntimeError("graphviz's dot is not installed: run scripts/ensure_graphviz.sh (apt-get install graphviz)")
    return path


def render(dot_text: str, out_base: str | Path, formats=("svg", "png")) -> list[Path]:
    """Write ``<out_base>.dot`` and one file per format with graphviz's ``dot``."""
    base = Path(out_base)
    base.parent.mkdir(parents=True, exist_ok=True)
    (base.with_suffix(".dot")).write_text(dot_text)
    written = []
    for fmt in formats:
        target = base.with_suffix("." + fmt)
        subprocess.run([dot_binary(), f"-T{fmt}", "-o", str(target)], input=dot_text, text=True, check=True, timeout=120)  # noqa: S603
        written.append(target)
    return written


def run(suffix: str, profile: str | None = None, region: str | None = None, inventory: str = "local", out: str | None = None, echo=print) -> int:
    region = region or live.default_region(profile)
    stack = live.collect(suffix, region, inventory)
    if stack.empty():
        echo(f"nothing of {suffix} is deployed in {region}")
        return 1
    base = Path(out) if out else Path("docs") / f"diagram-{suffix}"
    for path in render(to_dot(stack), base):
        echo(str(path))
    for what, err in sorted(stack.errors.items()):
        echo(f"(not drawn: {what}: {err[:100]})")
    return 0
