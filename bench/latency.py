"""An AWS latency model for the benchmark (``python -m bench --latency-model``).

On AWS, a cold deploy is dominated by resources that take minutes to become usable; the emulator makes
them ready at once. In this mode the bench's proxy (bench/proxy.py) passes every response through
:class:`LatencyModel`, which notes when each long-running resource is created and, until its modelled
creation time (the real one times ``scale``) has passed, rewrites describe responses so that the resource
reports the in-progress state AWS would report (creating / pending / provisioning / InProgress).

``DURATIONS`` is the one table of modelled creation times, with sources. ``DEPENDENCIES`` says which
modelled resource must be ready (not merely exist) before another can be created or be useful; from both,
:func:`critical_path` gives the shortest possible cold deploy if every independent resource were started
at once (ignoring Ansible's own time), and :func:`sequential_sum` the cost of waiting for each in turn.
:func:`timeline_svg` draws a run: tiers on the y axis, time on the x axis, modelled waits shaded.
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape

from bench.proxy import classify


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    tier: str
    seconds: float  # real AWS creation time, before scaling
    source: str
    service: str  # SigV4 signing name
    create_ops: tuple[str, ...]  # operations (bench.proxy.classify) that start the clock
    id_from: str  # "request:<Param>" (form parameter) or "response:<Tag or JSON key>"
    describe_ops: tuple[str, ...]  # responses to rewrite
    id_key: str  # element / JSON key that identifies the resource in a describe response
    state_path: tuple[str, ...]  # path below the resource's element / object to its state
    ready: str
    pending: str


# Real creation times on AWS (seconds), each with where the figure comes from. Typical values, not worst cases.
DURATIONS: tuple[Kind, ...] = (
    Kind("nat_gateway", "NAT gateway", "vpc", 90,
         "AWS CLI `ec2 wait nat-gateway-available` polls every 15 s; NAT gateways typically leave `pending` in "
         "1-2 min (Terraform aws_nat_gateway logs: 'Creation complete after 1m3x-1m4xs')",
         "ec2", ("CreateNatGateway",), "response:natGatewayId", ("DescribeNatGateways",), "natGatewayId",
         ("state",), "available", "pending"),
    Kind("aurora_cluster", "Aurora cluster", "rds_aurora", 120,
         "Aurora cluster without instances: 1-3 min to `available` (AWS Aurora user guide, 'Creating an Amazon "
         "Aurora DB cluster'; the cluster and its instances together take 10-20 min)",
         "rds", ("CreateDBCluster",), "request:DBClusterIdentifier", ("DescribeDBClusters",), "DBClusterIdentifier",
         ("Status",), "available", "creating"),
    Kind("aurora_instance", "Aurora instance", "rds_aurora", 600,
         "Aurora PostgreSQL DB instance: about 10 min from `creating` to `available` (AWS: cluster plus instances "
         "10-20 min; boto3 waiter db_instance_available polls every 30 s, 60 times)",
         "rds", ("CreateDBInstance",), "request:DBInstanceIdentifier", ("DescribeDBInstances",), "DBInstanceIdentifier",
         ("DBInstanceStatus",), "available", "creating"),
    Kind("load_balancer", "Application load balancer", "alb", 180,
         "ALB `provisioning` to `active`: typically 2-3 min (ELBv2 waiter load_balancer_available polls every 15 s; "
         "CloudFormation AWS::ElasticLoadBalancingV2::LoadBalancer ~3 min)",
         "elasticloadbalancing", ("CreateLoadBalancer",), "response:LoadBalancerArn", ("DescribeLoadBalancers",),
         "LoadBalancerArn", ("State", "Code"), "active", "provisioning"),
    Kind("ecs_service", "ECS service steady state", "ecs_fargate", 180,
         "Fargate task start (image pull, ENI) ~1 min plus ALB health checks (30 s interval, healthy threshold) "
         "~1-2 min; ECS waiter services_stable polls every 15 s",
         "ecs", ("CreateService",), "response:serviceArn", ("DescribeServices",), "serviceArn",
         ("deployments", "rolloutState"), "COMPLETED", "IN_PROGRESS"),
    Kind("cloudfront_distribution", "CloudFront distribution", "cloudfront", 300,
         "AWS Networking & Content Delivery blog, 'Slashing CloudFront change propagation times in 2020': changes "
         "now propagate within 5 minutes (down from 17-35)",
         "cloudfront", ("POST /2020-05-31/distribution",), "response:Id",
         ("GET /2020-05-31/distribution/{id}", "GET /2020-05-31/distribution"), "Id", ("Status",), "Deployed", "InProgress"),
    Kind("elasticache_replication_group", "ElastiCache replication group", "elasticache", 600,
         "ElastiCache for Redis replication group: typically 5-15 min to `available` (boto3 waiter "
         "replication_group_available polls every 15 s, 40 times)",
         "elasticache", ("CreateReplicationGroup",), "request:ReplicationGroupId", ("DescribeReplicationGroups",),
         "ReplicationGroupId", ("Status",), "available", "creating"),
    Kind("efs_mount_target", "EFS mount target", "efs", 90,
         "EFS file system `available` in seconds; a mount target ~1.5 min (AWS EFS user guide: 'it can take "
         "several minutes' for the mount target's lifecycle state to become available)",
         "elasticfilesystem", ("POST /2015-02-01/mount-targets",), "response:MountTargetId",
         ("GET /2015-02-01/mount-targets",), "MountTargetId", ("LifeCycleState",), "available", "creating"),
)
KINDS = {k.key: k for k in DURATIONS}

# What must be READY before a resource is created or useful (a value that exists at creation, such as an
# endpoint or a DNS name, is no wait). Tiers without modelled resources take no modelled time.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "nat_gateway": (),
    "aurora_cluster": (),
    "aurora_instance": ("aurora_cluster",),  # CloudFormation and the RDS API create instances in an available cluster
    "load_balancer": (),
    "ecs_service": ("load_balancer", "nat_gateway"),  # tasks pull images through NAT and register with the ALB
    "cloudfront_distribution": (),  # needs the ALB's DNS name, which exists as soon as the ALB does
    "elasticache_replication_group": (),
    "efs_mount_target": (),
}
DEFAULT_SCALE = 1 / 20


def critical_path(kinds: list[str] | None = None, scale: float = DEFAULT_SCALE) -> tuple[float, list[str]]:
    """Earliest finish of the whole set if every resource starts as soon as what it depends on is ready."""
    kinds = kinds or list(KINDS)
    finish: dict[str, tuple[float, list[str]]] = {}

    def f(k):
        if k not in finish:
            deps = [f(d) for d in DEPENDENCIES.get(k, ()) if d in kinds]
            start, path = max(deps, default=(0.0, []))
            finish[k] = (start + KINDS[k].seconds * scale, path + [k])
        return finish[k]

    return max((f(k) for k in kinds), default=(0.0, []))


def sequential_sum(counts: dict[str, int], scale: float = DEFAULT_SCALE) -> float:
    """Every modelled resource waited for in turn (what a playbook that waits for each would pay)."""
    return sum(KINDS[k].seconds * scale * n for k, n in counts.items() if k in KINDS)


def table_markdown(scale: float = DEFAULT_SCALE) -> str:
    rows = ["| Resource | Tier | AWS (s) | Modelled (s) | In-progress state | Source |", "|---|---|---:|---:|---|---|"]
    for k in DURATIONS:
        rows.append(f"| {k.label} | {k.tier} | {k.seconds:.0f} | {k.seconds * scale:.1f} | `{k.pending}` → `{k.ready}` | {k.source} |")
    return "\n".join(rows)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem, name):
    return [c for c in elem if _local(c.tag) == name]


class LatencyModel:
    """A response hook for CountingProxy: ``proxy.hooks.append(LatencyModel(scale))``."""

    def __init__(self, scale: float = DEFAULT_SCALE, clock=time.monotonic):
        self.scale = scale
        self.clock = clock
        self.t0 = clock()
        self.lock = threading.Lock()
        self.created: dict[tuple[str, str], float] = {}  # (kind, id) -> created at (clock)
        self.first_ready_seen: dict[tuple[str, str], float] = {}
        self.pending_answers: dict[str, int] = {}

    def ready_at(self, kind: str, ident: str) -> float:
        return self.created[(kind, ident)] + KINDS[kind].seconds * self.scale

    def __call__(self, method, path, headers, body, status, data: bytes) -> bytes:
        if status >= 400 or not data:
            return data
        service, op, _kind = classify(method, path, headers, body)
        for k in DURATIONS:
            if service != k.service:
                continue
            if op in k.create_ops:
                self._note_creation(k, body, data)
            elif op in k.describe_ops:
                data = self._rewrite(k, data)
        return data

    def _note_creation(self, k: Kind, body: bytes, data: bytes) -> None:
        where, key = k.id_from.split(":", 1)
        ident = None
        if where == "request":
            from urllib.parse import parse_qs

            ident = (parse_qs(body.decode("utf-8", "replace")).get(key) or [None])[0]
        else:
            ident = self._find_id(data, key)
        if ident:
            with self.lock:
                self.created.setdefault((k.key, ident), self.clock())

    @staticmethod
    def _find_id(data: bytes, key: str):
        text = data.strip()
        if text.startswith(b"{"):
            def walk(o):
                if isinstance(o, dict):
                    if isinstance(o.get(key), str):
                        return o[key]
                    for v in o.values():
                        r = walk(v)
                        if r:
                            return r
                elif isinstance(o, list):
                    for v in o:
                        r = walk(v)
                        if r:
                            return r
                return None
            return walk(json.loads(text))
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            return None
        for e in root.iter():
            if _local(e.tag) == key and e.text:
                return e.text.strip()
        return None

    def _still_pending(self, k: Kind, ident: str, now: float) -> bool:
        if (k.key, ident) not in self.created:
            return False
        if now < self.ready_at(k.key, ident):
            self.pending_answers[k.key] = self.pending_answers.get(k.key, 0) + 1
            return True
        self.first_ready_seen.setdefault((k.key, ident), now)
        return False

    def _rewrite(self, k: Kind, data: bytes) -> bytes:
        now = self.clock()
        with self.lock:
            if not any(key == k.key for key, _value in self.created):
                return data
            text = data.strip()
            if text.startswith(b"{"):
                doc = json.loads(text)
                changed = self._rewrite_json(k, doc, now)
                return json.dumps(doc).encode() if changed else data
            try:
                root = ET.fromstring(text)
            except ET.ParseError:
                return data
            changed = False
            for e in root.iter():
                ids = _children(e, k.id_key)
                if len(ids) != 1 or not ids[0].text or not self._still_pending(k, ids[0].text.strip(), now):
                    continue
                for node in self._state_nodes(e, k.state_path):
                    if (node.text or "").strip() == k.ready:
                        node.text = k.pending
                        changed = True
            return ET.tostring(root, encoding="utf-8", xml_declaration=True) if changed else data

    @staticmethod
    def _state_nodes(elem, path):
        nodes = [elem]
        for name in path:
            nxt = []
            for n in nodes:
                found = _children(n, name)
                if not found:  # list wrappers: <member>/<item>
                    found = [g for c in n for g in _children(c, name)]
                nxt.extend(found)
            nodes = nxt
        return nodes

    def _rewrite_json(self, k: Kind, doc, now) -> bool:
        changed = False

        def set_path(obj, path):
            nonlocal changed
            head, rest = path[0], path[1:]
            val = obj.get(head)
            if rest:
                for sub in val if isinstance(val, list) else [val]:
                    if isinstance(sub, dict):
                        set_path(sub, rest)
            elif val == k.ready:
                obj[head] = k.pending
                changed = True
                if "runningCount" in obj:  # an ECS deployment that has not reached its desired count
                    obj["runningCount"] = 0

        def walk(o):
            if isinstance(o, dict):
                ident = o.get(k.id_key)
                if isinstance(ident, str) and self._still_pending(k, ident, now):
                    set_path(o, k.state_path)
                for v in o.values():
                    walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)

        walk(doc)
        return changed

    def summary(self) -> dict:
        """Per resource: kind, id, created and ready (modelled) and first seen ready, in seconds from t0."""
        with self.lock:
            rows = []
            for (kind, ident), created in sorted(self.created.items(), key=lambda x: x[1]):
                rows.append({
                    "kind": kind, "id": ident, "tier": KINDS[kind].tier,
                    "created": round(created - self.t0, 2),
                    "ready": round(self.ready_at(kind, ident) - self.t0, 2),
                    "seen_ready": round(self.first_ready_seen[(kind, ident)] - self.t0, 2)
                    if (kind, ident) in self.first_ready_seen else None,
                })
            return {"scale": self.scale, "resources": rows, "pending_answers": dict(self.pending_answers)}


class TierSpans:
    """ansible-runner event handler: when each role (tier) first and last ran a task, in seconds from t0."""

    def __init__(self, t0: float, clock=time.monotonic):
        self.t0, self.clock = t0, clock
        self.spans: dict[str, list[float]] = {}

    def __call__(self, event: dict) -> bool:
        data = event.get("event_data") or {}
        role = data.get("role")
        if role and event.get("event", "").startswith(("runner_on_", "runner_item_on_", "playbook_on_task_start")):
            now = self.clock() - self.t0
            span = self.spans.setdefault(role, [now, now])
            span[1] = now
        return True


def timeline_svg(spans: dict[str, list[float]], resources: list[dict], total: float, critical: float,
                 title: str = "Cold deploy under the AWS latency model") -> str:
    """Tiers on the y axis, time on the x axis; a bar per tier's tasks, shaded boxes for modelled waits."""
    tiers = list(spans)
    for r in resources:
        if r["tier"] not in tiers:
            tiers.append(r["tier"])
    left, right, top, row = 110, 30, 40, 34
    width = 900
    height = top + row * len(tiers) + 50
    end = max([total, critical] + [r["ready"] for r in resources] + [s[1] for s in spans.values()] + [1.0])

    def x(t):
        return left + (width - left - right) * t / end

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="20" font-size="14">{escape(title)}</text>']
    for i, tier in enumerate(tiers):
        y = top + i * row
        out.append(f'<text x="{left - 8}" y="{y + row / 2 + 4}" text-anchor="end">{escape(tier)}</text>')
        out.append(f'<line x1="{left}" y1="{y + row}" x2="{width - right}" y2="{y + row}" stroke="#eee"/>')
        if tier in spans:
            a, b = spans[tier]
            out.append(f'<rect x="{x(a):.1f}" y="{y + 8}" width="{max(x(b) - x(a), 1):.1f}" height="{row - 16}" fill="#4a7bd0"/>')
        mine = [r for r in resources if r["tier"] == tier]
        for j, r in enumerate(mine):
            h = (row - 6) / max(len(mine), 1)
            out.append(f'<rect x="{x(r["created"]):.1f}" y="{y + 3 + j * h:.1f}" width="{max(x(r["ready"]) - x(r["created"]), 1):.1f}" '
                       f'height="{h:.1f}" fill="#f0a030" fill-opacity="0.45" stroke="#c07010" stroke-width="0.5">'
                       f'<title>{escape(KINDS[r["kind"]].label)} {escape(r["id"])}: {r["created"]}-{r["ready"]} s</title></rect>')
    base = top + row * len(tiers)
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    step = max(1, round(end / 10 / 5) * 5) if end > 20 else max(1, round(end / 10))
    t = 0
    while t <= end:
        out.append(f'<line x1="{x(t):.1f}" y1="{base}" x2="{x(t):.1f}" y2="{base + 4}" stroke="#333"/>'
                   f'<text x="{x(t):.1f}" y="{base + 16}" text-anchor="middle">{t:g}</text>')
        t += step
    out.append(f'<text x="{(left + width) / 2}" y="{base + 34}" text-anchor="middle">seconds (modelled waits shaded)</text>')
    for t, label, color in ((critical, "critical path", "#c00"), (total, "deploy done", "#060")):
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{base}" stroke="{color}" stroke-dasharray="4 3"/>'
                   f'<text x="{x(t) + 3:.1f}" y="{top - 8}" fill="{color}">{label} {t:.0f} s</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
