"""``python -m tierstack status <suffix>``: one screen on a deployed stack.

What is deployed (read back from the endpoint by :mod:`tierstack.live`: tiers, key resources and
their health where the API reports it: target health, ECS running counts, alarm states, the
secret's rotation dates) and what drifted (a check-mode run of site.yml, summarised per tier).
"""

from __future__ import annotations

import collections
import datetime as dt

from tierstack import api, live


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10] if value else "-"


def _count(items, key) -> str:
    counts = collections.Counter(str(i.get(key) or "?") for i in items)
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def deployed_lines(stack: live.Stack) -> list[str]:
    """The 'what is deployed' part, a line or two per tier."""
    out: list[str] = []

    def row(label, text):
        out.append(f"  {label:<11} {text}")

    if stack.vpc:
        azs = sorted({s["AvailabilityZone"] for s in stack.subnets})
        tiers = collections.Counter(live.tags(s.get("Tags")).get("Tier", "subnet") for s in stack.subnets)
        row("network", f"{stack.vpc['VpcId']} {stack.vpc['CidrBlock']}, {len(azs)} AZs, "
            + ", ".join(f"{n} {t}" for t, n in sorted(tiers.items()))
            + f" subnets, {len(stack.nat_gateways)} NAT ({_count(stack.nat_gateways, 'State') or '-'})")
    for lb in stack.load_balancers:
        row("ALB", f"{lb['LoadBalancerName']} {lb.get('State', {}).get('Code', '?')}  http://{lb['DNSName']}")
    if stack.target_groups:
        parts = []
        for tg in stack.target_groups:
            health = tg.get("_health") or []
            healthy = sum(1 for h in health if h == "healthy")
            parts.append(f"{tg['TargetGroupName']} {healthy}/{len(health)}")
        row("targets", "healthy/registered: " + ", ".join(parts))
    for cl in stack.clusters:
        services = [s for s in stack.services if s.get("clusterArn") == cl["clusterArn"]]
        text = ", ".join(f"{s['serviceName']} {s.get('runningCount', 0)}/{s.get('desiredCount', 0)}" for s in services) or "no services"
        row("ECS", f"{cl['clusterName']}: running/desired {text}")
    for db in stack.db_clusters:
        members = db.get("DBClusterMembers", [])
        writers = sum(1 for m in members if m.get("IsClusterWriter"))
        row("database", f"{db['DBClusterIdentifier']} {db.get('Status')} ({db.get('Engine')} {db.get('EngineVersion')}), "
            f"{writers} writer{'s' if writers != 1 else ''}, {len(members) - writers} reader{'s' if len(members) - writers != 1 else ''}; "
            f"{db.get('Endpoint')}")
    for rg in stack.caches:
        row("cache", f"{rg['ReplicationGroupId']} {rg.get('Status')}, {len(rg.get('MemberClusters', []))} nodes, failover {rg.get('AutomaticFailover')}")
    for fs in stack.file_systems:
        row("files", f"{fs['FileSystemId']} {fs.get('Name') or ''} {fs.get('LifeCycleState')}, {len(fs.get('_mount_targets', []))} mount targets")
    for st in stack.streams:
        row("stream", f"{st['StreamName']} {st.get('StreamStatus')}, {st.get('OpenShardCount', '?')} shards, {st.get('RetentionPeriodHours')} h")
    for d in stack.distributions:
        row("CloudFront", f"{d['Id']} {d.get('Status')}  https://{d['DomainName']}")
    for a in stack.apis:
        stages = ", ".join(s["stageName"] for s in a.get("_stages", [])) or "no stage"
        row("API", f"{a['name']} ({a['id']}), stages: {stages}")
    for acl in stack.web_acls:
        row("WAF", f"{acl['Name']} ({acl['_scope']}), {len(acl.get('_resources', []))} associations")
    if stack.repositories:
        row("ECR", ", ".join(r["repositoryName"] for r in stack.repositories))
    for s in stack.secrets:
        if s.get("RotationEnabled"):
            days = (s.get("RotationRules") or {}).get("AutomaticallyAfterDays", "?")
            text = f"rotation every {days} days, last {_date(s.get('LastRotatedDate'))}, next {_date(s.get('NextRotationDate'))}"
        else:
            text = "rotation off"
        row("secret", f"{s['Name']}: {text}")
    if stack.alarms:
        states = collections.Counter(a.get("StateValue") for a in stack.alarms)
        firing = [a["AlarmName"] for a in stack.alarms if a.get("StateValue") == "ALARM"]
        row("alarms", f"{len(stack.alarms)}: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
            + (f"; firing: {', '.join(firing[:4])}" if firing else ""))
    for what, err in sorted(stack.errors.items()):
        row("(unread)", f"{what}: {err[:90]}")
    return out


def drift_lines(result: api.RunResult) -> list[str]:
    """Per tier of the deploy play: how many tasks a check-mode run would change."""
    if not result.tiers:
        return [f"  the check-mode run did not start: {result.status} (rc {result.rc}); see {result.artifact_dir}"]
    last_play = [t for t in result.tiers if t.play == result.tiers[-1].play] or result.tiers
    # A role may stand in more than one unit (rds_aurora's deferred wait, the lock's release): one entry each.
    roles: dict[str, list[int]] = {}
    for t in last_play:
        if t.role != "outputs":
            changed_failed = roles.setdefault(t.role, [0, 0])
            changed_failed[0] += t.changed
            changed_failed[1] += t.failed
    parts = []
    for role, (changed, failed) in roles.items():
        mark = "FAILED" if failed else (f"{changed} would change" if changed else "in sync")
        parts.append(f"{role} {mark}")
    drifted = [role for role, (changed, _failed) in roles.items() if changed]
    if drifted:
        head = f"  {len(drifted)} tier{'s' if len(drifted) != 1 else ''} drifted: {', '.join(drifted)}"
    elif result.ok:
        head = "  no drift: a check-mode run would change nothing"
    else:
        head = "  check-mode run failed"
    lines = [head]
    line = "   "
    for p in parts:
        if len(line) + len(p) + 2 > 100:
            lines.append(line)
            line = "   "
        line += " " + p + ";"
    lines.append(line.rstrip(";"))
    return lines


def run(suffix: str, profile: str | None = None, region: str | None = None, inventory: str = "local", drift: bool = True, out=print) -> int:
    region = region or live.default_region(profile)
    out(f"tierstack status {suffix} ({region}, {'emulator' if inventory == 'local' else inventory})")
    stack = live.collect(suffix, region, inventory)
    if stack.empty():
        out(f"  nothing of {suffix} is deployed in {region}")
        return 1
    out("Deployed")
    for line in deployed_lines(stack):
        out(line)
    if drift:
        out("Drift (site.yml --check, per tier)")
        result = api.deploy(suffix, profile=profile, inventory=inventory, region=region, check=True)
        for line in drift_lines(result):
            out(line)
    return 0
