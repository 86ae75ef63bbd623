"""Benchmark tierstack against the emulator and write docs/benchmarks.md.

    python -m bench [--tiers vpc,rds_aurora,...] [--quick] [--parallel 4] [--output docs/benchmarks.md]
                    [--latency-model | --latency-only] [--latency-scale 0.05] [--baseline DIR]

One run does, on a private emulator (moto on a free loopback port, stopped at the end) behind a
counting proxy (bench/proxy.py):

1. for the *stock* Ansible configuration and the *tuned* one (the project's ansible.cfg plus the
   mitogen strategy): a cold converge of a fresh stack, an idempotent re-run, and a teardown, each
   timed, with the AWS API calls of the phase split into reads and writes and the emulator's own
   service time summed;
2. (with --variants) idempotent re-runs of the tuned stack under the variants in between (the
   project's ansible.cfg alone, and with pipelining switched on), to show which setting buys what;
3. (unless --quick or --parallel 0) N stacks with different suffixes deployed and torn down in
   parallel with the tuned configuration, against the single tuned stack.

With --latency-model (what `make bench` runs), first a cold deploy with stock Ansible where long-running
resources report their in-progress state for their scaled AWS creation time (bench/latency.py): the
critical path, the sequential sum of the waits and a timeline picture (docs/benchmarks-timeline.svg).
With --baseline DIR, the same stock cold deploy, re-runs (interleaved) and teardown from another checkout.

Every deploy runs through tierstack.api (ansible-runner, like AWX) with the extra variables a job
template passes.  Results go to bench/results/<timestamp>.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.proxy import CountingProxy
from tierstack import REPO_ROOT, api, emulator

SUFFIXES = {"stock": "bn1", "tuned": "bn2", "latency": "bnl", "baseline": "bnb"}
PARALLEL_SUFFIXES = ["bn3", "bn4", "bn5", "bn6", "bn7", "bn8", "bn9"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stock_cfg(path: Path, root: Path = REPO_ROOT) -> Path:
    """Ansible's defaults, plus only what is needed to find the project's roles, collection and inventory."""
    path.write_text(
        "# Stock Ansible settings: nothing tuned, only the project's paths.\n"
        "[defaults]\n"
        f"inventory = {root / 'inventories' / 'local'}\n"
        f"roles_path = {root / 'roles'}\n"
        f"collections_path = {root / '.collections'}:~/.ansible/collections:/usr/share/ansible/collections\n"
    )
    return path


# Runs a deploy or teardown from another checkout (--baseline DIR) with that checkout's own tierstack.api,
# timed inside the child so that the child's start-up is not counted.
BASELINE_SCRIPT = r"""
import json, sys, time
from tierstack import api
action, suffix, pdd, tiers, profile = sys.argv[1:6]
fn = api.deploy if action == "deploy" else api.destroy
t = time.monotonic()
r = fn(suffix, profile=profile or None, tiers=json.loads(tiers), private_data_dir=pdd, mitogen=False)
print("BASELINE-RESULT " + json.dumps({"wall": time.monotonic() - t, "status": r.status, "rc": r.rc, "changed": r.changed()}))
"""


def run_baseline_phase(proxy, label, action, suffix, args, workdir) -> dict:
    """A phase run from the --baseline checkout, with stock Ansible, through the same counting proxy."""
    import subprocess

    root = Path(args.baseline).resolve()
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=str(stock_cfg(workdir / "baseline-stock.cfg", root)), AWS_ENDPOINT_URL=proxy.url,
               PYTHONPATH=str(root), TIERSTACK_STOCK_ANSIBLE="1")
    pdd = workdir / "runner" / label.replace(":", "-").replace("#", "-")
    proxy.phase = label
    proc = subprocess.run([sys.executable, "-c", BASELINE_SCRIPT, action, suffix, str(pdd), json.dumps(args.tier_list),
                           args.profile or ""], cwd=root, env=env, capture_output=True, text=True, check=False)
    proxy.phase = "idle"
    calls = proxy.take(label).as_dict()
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BASELINE-RESULT ")), None)
    res = json.loads(line.split(" ", 1)[1]) if line else {"wall": 0.0, "status": "failed", "rc": proc.returncode, "changed": 0}
    row = {"phase": label, "suffix": suffix, "status": res["status"], "rc": res["rc"], "wall_seconds": round(res["wall"], 2),
           "changed": res["changed"], **calls, "tasks": [], "module_runs": 0}
    print(f"  {label:<34} {'ok' if res['status'] == 'successful' else 'FAILED':<6} {res['wall']:7.1f}s  "
          f"changed={res['changed']:<3} reads={calls['reads']:<5} writes={calls['writes']:<4} "
          f"emulator={calls['service_seconds']:.1f}s", flush=True)
    if not line:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
    return row


def configs(workdir: Path) -> dict[str, dict]:
    """name -> environment overrides.  ANSIBLE_* variables beat ansible.cfg."""
    project = {"ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg")}
    out = {
        "stock": {"ANSIBLE_CONFIG": str(stock_cfg(workdir / "stock.cfg"))},
        "project": project,
        "project+pipelining": {**project, "ANSIBLE_PIPELINING": "True"},
    }
    mito = api.mitogen_env()
    out["tuned"] = {**project, **mito} if mito else dict(project)
    return out


class TaskTimes:
    """Runner event handler: time per task (role/task name), module calls (loop items count each)."""

    def __init__(self):
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()

    def __call__(self, event: dict) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        name = f"{data.get('role') or '-'} : {data.get('task', '?')}"
        if kind in ("runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable"):
            if data.get("duration") is not None:
                self.seconds[name] += float(data["duration"])
            if kind != "runner_on_skipped" and not (data.get("res") or {}).get("results"):
                self.calls[name] += 1
        elif kind in ("runner_item_on_ok", "runner_item_on_failed"):
            self.calls[name] += 1
        return True

    def top(self, n=12):
        return [{"task": k, "seconds": round(v, 2), "runs": self.calls.get(k, 0)} for k, v in self.seconds.most_common(n)]


def run_phase(proxy, label, fn, suffix, env, args, workdir, extra_handler=None) -> dict:
    proxy.phase = label
    times = TaskTimes()
    handler = times if extra_handler is None else (lambda event: bool(times(event)) and bool(extra_handler(event)))
    pdd = workdir / "runner" / label.replace(":", "-").replace("+", "-")
    started = time.monotonic()
    result = fn(
        suffix,
        profile=args.profile,
        tiers=args.tier_list,
        envvars={**env, "AWS_ENDPOINT_URL": proxy.url},
        event_handler=handler,
        private_data_dir=pdd,
        mitogen=False,  # each configuration sets its own strategy in env
    )
    wall = time.monotonic() - started
    proxy.phase = "idle"
    calls = proxy.take(label).as_dict()
    row = {
        "phase": label,
        "suffix": suffix,
        "status": result.status,
        "rc": result.rc,
        "wall_seconds": round(wall, 2),
        "changed": result.changed(),
        **calls,
        "tasks": times.top(),
        "module_runs": sum(times.calls.values()),
    }
    mark = "ok" if result.ok else "FAILED"
    print(
        f"  {label:<34} {mark:<6} {wall:7.1f}s  changed={row['changed']:<3} reads={calls['reads']:<5} "
        f"writes={calls['writes']:<4} emulator={calls['service_seconds']:.1f}s",
        flush=True,
    )
    if not result.ok:
        tail = (result.artifact_dir / "stdout").read_text(errors="replace").splitlines()[-25:]
        print("\n".join("    | " + line for line in tail), file=sys.stderr)
    return row


def merge_repeats(rows: list[dict]) -> dict:
    """One row for the repeated re-runs of a configuration: the median wall time, the worst counts."""
    first = dict(rows[0])
    walls = sorted(r["wall_seconds"] for r in rows)
    first["wall_seconds"] = walls[len(walls) // 2] if len(walls) % 2 else round((walls[len(walls) // 2 - 1] + walls[len(walls) // 2]) / 2, 2)
    first["wall_all"] = [r["wall_seconds"] for r in rows]
    for key in ("writes", "reads", "changed", "errors"):
        first[key] = max(r[key] for r in rows)
    first["write_ops"] = {k: v for r in rows for k, v in r["write_ops"].items()}
    first["status"] = "successful" if all(r["status"] == "successful" for r in rows) else "failed"
    return first


def run_parallel(proxy, label, fn, suffixes, env, args, workdir) -> dict:
    proxy.phase = label
    started = time.monotonic()

    def one(suffix):
        return fn(
            suffix,
            profile=args.profile,
            tiers=args.tier_list,
            envvars={**env, "AWS_ENDPOINT_URL": proxy.url},
            private_data_dir=workdir / "runner" / f"{label.replace(':', '-')}-{suffix}",
            mitogen=False,
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(suffixes)) as pool:
        results = list(pool.map(one, suffixes))
    wall = time.monotonic() - started
    proxy.phase = "idle"
    calls = proxy.take(label).as_dict()
    ok = all(r.ok for r in results)
    row = {
        "phase": label,
        "suffixes": suffixes,
        "status": "successful" if ok else "failed",
        "wall_seconds": round(wall, 2),
        "stack_seconds": [round(r.seconds, 2) for r in results],
        **calls,
    }
    print(f"  {label:<34} {'ok' if ok else 'FAILED':<6} {wall:7.1f}s  reads={calls['reads']:<5} writes={calls['writes']:<4} "
          f"emulator={calls['service_seconds']:.1f}s", flush=True)
    return row


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def render(report: dict) -> str:
    """docs/benchmarks.md from one run's results."""
    ph = {r["phase"]: r for r in report["phases"]}
    L = []
    add = L.append
    add("# Benchmarks")
    add("")
    add("Generated by `make bench` (`python -m bench`); do not edit by hand. Re-run it to refresh the figures.")
    add("")
    add(f"- Run: {report['started']} UTC, {report['total_seconds'] / 60:.1f} min in all, on {report['machine']}.")
    add(f"- Tiers: `{', '.join(report['tiers'])}`; profile `{report['profile'] or 'tierstack_profile'}`; "
        f"one host (localhost), every run through ansible-runner as AWX runs it.")
    add(f"- Versions: {report['versions']}.")
    add("- Emulator: a private moto server on a free loopback port, behind a counting proxy (bench/proxy.py).")
    add("  A call is a *read* when its operation is Describe/List/Get/... (or a REST GET/HEAD), otherwise a *write*.")
    add("  *Emulator time* is the sum of the proxy's upstream time: the emulator's own service time, the floor.")
    add("- Configurations: *stock* is Ansible's defaults with only the project's paths; *project* is the repository's")
    add("  `ansible.cfg`; *tuned* is the project's ansible.cfg plus the mitogen strategy (`mitogen_linear`);")
    add("  *baseline* (with `--baseline DIR`) is the stock configuration run from another checkout, for before/after ratios.")
    add("  Same machine, same run. The machine may be shared with other work (see the load above), so absolute times")
    add("  vary between runs; stock and tuned re-runs are interleaved (`--repeat`) so that both see the same load.")
    add("")
    add("## One stack: stock vs tuned")
    add("")
    add("| Phase | Config | Wall (s) | Changed | Reads | Writes | Emulator (s) | Wall / emulator |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    for phase in ("cold", "rerun", "teardown"):
        for cfg in ("baseline", "stock", "tuned"):
            r = ph.get(f"{cfg}:{phase}")
            if not r:
                continue
            wall = f"{r['wall_seconds']:.1f}"
            if len(r.get("wall_all") or []) > 1:
                wall += f" (median of {', '.join(f'{w:.1f}' for w in r['wall_all'])})"
            add(f"| {phase} | {cfg} | {wall} | {r['changed']} | {r['reads']} | {r['writes']} | "
                f"{r['service_seconds']:.2f} | {ratio(r['wall_seconds'], r['service_seconds']) or '-'}× |")
    add("")
    add("| Ratio stock / tuned | Cold | Re-run | Teardown |")
    add("|---|---:|---:|---:|")
    cells = []
    for phase in ("cold", "rerun", "teardown"):
        s, t = ph.get(f"stock:{phase}"), ph.get(f"tuned:{phase}")
        cells.append(f"{ratio(s['wall_seconds'], t['wall_seconds'])}×" if s and t else "-")
    add(f"| wall time | {' | '.join(cells)} |")
    add("")
    variants = [r for r in report["phases"] if r["phase"].endswith(":rerun-variant")]
    if variants:
        add("## Which setting buys what (idempotent re-run of the same stack)")
        add("")
        add("| Config | Wall (s) | Changed | Reads | Writes |")
        add("|---|---:|---:|---:|---:|")
        for key in ("stock:rerun", "tuned:rerun"):
            if key in ph:
                r = ph[key]
                add(f"| {key.split(':', maxsplit=1)[0]} | {r['wall_seconds']:.1f} | {r['changed']} | {r['reads']} | {r['writes']} |")
        for r in variants:
            add(f"| {r['phase'].split(':')[0]} | {r['wall_seconds']:.1f} | {r['changed']} | {r['reads']} | {r['writes']} |")
        add("")
    par = [r for r in report["phases"] if r["phase"].startswith("parallel")]
    if par:
        n = len(par[0]["suffixes"])
        add(f"## {n} stacks in parallel vs 1 (tuned)")
        add("")
        add("| Phase | 1 stack wall (s) | N stacks wall (s) | Slowdown | Throughput gain | Reads | Writes | Emulator (s) |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in par:
            phase = r["phase"].split(":")[1]
            one = ph.get(f"tuned:{phase}")
            one_wall = one["wall_seconds"] if one else None
            slow = ratio(r["wall_seconds"], one_wall)
            gain = ratio(n * one_wall, r["wall_seconds"]) if one_wall else None
            add(f"| {phase} | {one_wall or '-'} | {r['wall_seconds']:.1f} | {slow or '-'}× | {gain or '-'}× | "
                f"{r['reads']} | {r['writes']} | {r['service_seconds']:.2f} |")
        add("")
    lat = ph.get("latency:cold")
    if lat:
        add("## Cold deploy under the AWS latency model")
        add("")
        add(f"`python -m bench --latency-model` (bench/latency.py): the proxy makes each long-running resource report its "
            f"in-progress state for its AWS creation time scaled by {lat['latency']['scale']:.3g}, then the ready state. "
            f"Stock Ansible, suffix `{lat['suffix']}`.")
        add("")
        add(lat["latency_table"])
        add("")
        add("| Measure | Seconds |")
        add("|---|---:|")
        add(f"| playbook wall time | {lat['wall_seconds']:.1f} |")
        add(f"| stack ready (playbook done and every modelled resource ready) | {lat['stack_ready_seconds']:.1f} |")
        add(f"| critical path ({' → '.join(lat['critical_path'])}) | {lat['critical_path_seconds']:.1f} |")
        add(f"| every modelled wait in turn (sequential sum) | {lat['sequential_seconds']:.1f} |")
        add(f"| stack ready / critical path | {ratio(lat['stack_ready_seconds'], lat['critical_path_seconds'])}× |")
        add("")
        add("Resources and when they were ready (seconds from the start; in-progress answers the proxy gave: "
            + ", ".join(f"{k} {n}" for k, n in sorted(lat["latency"]["pending_answers"].items())) + "):")
        add("")
        add("| Resource | Tier | Created | Modelled ready | First seen ready by a describe |")
        add("|---|---|---:|---:|---:|")
        for r in lat["latency"]["resources"]:
            seen = "-" if r["seen_ready"] is None else f"{r['seen_ready']:.1f}"
            add(f"| {r['kind']} `{r['id'][-40:]}` | {r['tier']} | {r['created']:.1f} | {r['ready']:.1f} | {seen} |")
        add("")
        add("![Timeline of the cold deploy under the latency model: tiers on the y axis, seconds on the x axis, "
            "modelled waits shaded](benchmarks-timeline.svg)")
        add("")
    add("## Targets")
    add("")
    for t in report["targets"]:
        add(f"- {'MET' if t['met'] else 'MISSED'}: {t['text']}")
    add("")
    add("## Where the time goes")
    add("")
    for key in ("tuned:cold", "tuned:rerun", "tuned:teardown", "stock:rerun"):
        r = ph.get(key)
        if not r or not r.get("tasks"):
            continue
        add(f"### {key} ({r['wall_seconds']:.1f} s)")
        add("")
        add("| Task (role : name) | Seconds | Module runs |")
        add("|---|---:|---:|")
        for t in r["tasks"][:8]:
            add(f"| {t['task']} | {t['seconds']:.1f} | {t['runs']} |")
        add("")
        add("Slowest API operations (emulator time): " + ", ".join(
            f"`{o['op']}` {o['calls']}× {o['seconds']:.2f}s" for o in r["top_ops"][:5]) + ".")
        add("")
    add("## Notes")
    add("")
    for note in report["notes"]:
        add(f"- {note}")
    add("")
    return "\n".join(L)


def targets_and_notes(report: dict) -> None:
    ph = {r["phase"]: r for r in report["phases"]}
    targets, notes = [], []
    s, t = ph.get("stock:rerun"), ph.get("tuned:rerun")
    if s and t:
        r = ratio(s["wall_seconds"], t["wall_seconds"])
        targets.append({"met": bool(r and r >= 2), "text": f"tuned idempotent re-run {r}× faster than stock "
                        f"({s['wall_seconds']:.1f} s vs {t['wall_seconds']:.1f} s; target ≥ 2×)."})
    if s and t and ratio(s["wall_seconds"], t["wall_seconds"]) < 2:
        s_runs = s.get("module_runs") or sum(x["runs"] for x in s["tasks"]) or 1
        t_runs = t.get("module_runs") or sum(x["runs"] for x in t["tasks"]) or 1
        notes.append(
            f"What bounds the re-run ratio: both re-runs make the same {t['calls']} read calls, which the emulator serves "
            f"in about {t['service_seconds']:.1f} s. Mitogen removes the start of a new Python and the boto3 imports "
            f"for each module run (about {s['wall_seconds'] / s_runs:.2f} s per run stock vs "
            f"{t['wall_seconds'] / t_runs:.2f} s tuned: wall time over {t_runs} module runs), but what is left is the same in "
            f"both: the controller's per-task work (dynamic include_role/include_tasks, templating of the tier's "
            f"variables, ansible-runner's event processing) and a new boto3 client with its service model in every "
            f"module run. The fewer module runs per task a tier has, the lower the ratio; the ratio also grows with "
            f"the machine's load, since process start-up is CPU-bound.")
    b = ph.get("baseline:rerun")
    if b and s:
        r = ratio(s["wall_seconds"], b["wall_seconds"])
        targets.append({"met": bool(r and r <= 0.5), "text": f"stock idempotent re-run is {r}× the baseline's stock re-run "
                        f"({s['wall_seconds']:.1f} s vs {b['wall_seconds']:.1f} s; {s['calls']} vs {b['calls']} reads; "
                        f"target ≤ 0.5×); it is {ratio(s['wall_seconds'], s['service_seconds'])}× the emulator's own time "
                        f"for its reads (baseline {ratio(b['wall_seconds'], b['service_seconds'])}×)."})
    lat = ph.get("latency:cold")
    if lat:
        r = ratio(lat["stack_ready_seconds"], lat["critical_path_seconds"])
        targets.append({"met": bool(r and r <= 1.25), "text": f"cold deploy under the latency model is {r}× the critical path "
                        f"({lat['stack_ready_seconds']:.1f} s vs {lat['critical_path_seconds']:.1f} s; waiting for each modelled "
                        f"resource in turn: {lat['sequential_seconds']:.1f} s; target ≤ 1.25×)."})
        if not (r and r <= 1.25):
            spans = lat.get("tier_spans") or {}
            busy = ", ".join(f"{t} {b - a:.0f} s" for t, (a, b) in spans.items())
            notes.append(
                f"What bounds the latency-model deploy: the critical path counts only the modelled waits "
                f"({lat['critical_path_seconds']:.1f} s), while the playbook itself runs {lat['wall_seconds']:.1f} s of "
                f"tasks one after the other on one host (per tier: {busy}). At this scale the Ansible work, not AWS, is "
                f"most of the cold deploy; on AWS (scale 1) the same waits are 20× longer and the Ansible work is not.")
    reruns = [r for r in report["phases"] if "rerun" in r["phase"]]
    writes = {r["phase"]: r["writes"] for r in reruns}
    bad = {k: v for k, v in writes.items() if v}
    targets.append({"met": not bad, "text": "re-runs make 0 write calls" + (
        "." if not bad else f": {bad} — " + "; ".join(
            f"{r['phase']}: {r['write_ops']}" for r in reruns if r["writes"]))})
    changed = {r["phase"]: r["changed"] for r in reruns if r["changed"]}
    if changed:
        notes.append(f"Re-runs that reported changed tasks (not idempotent): {changed}.")
    c = ph.get("tuned:cold")
    if c:
        r = ratio(c["wall_seconds"], c["service_seconds"])
        met = bool(r and r <= 10)
        targets.append({"met": met, "text": f"tuned cold converge is {r}× the emulator's own service time "
                        f"({c['wall_seconds']:.1f} s vs {c['service_seconds']:.2f} s for {c['calls']} calls; target ≤ 10×)."})
        if not met:
            top = ", ".join(f"{t['task']} ({t['seconds']:.0f} s, {t['runs']} runs)" for t in c["tasks"][:3])
            runs = c.get("module_runs") or sum(x["runs"] for x in c["tasks"]) or 1
            notes.append(
                f"What bounds the tuned cold converge: the emulator serves its {c['calls']} calls in "
                f"{c['service_seconds']:.1f} s, so nearly all of the {c['wall_seconds']:.0f} s is on the Ansible side. "
                f"The slowest tasks are {top}. Two costs dominate: fixed sleeps inside the upstream modules "
                f"(see the next note), which no Ansible setting removes and which apply on AWS too, and the per-task "
                f"cost of a module run (templating, and building a boto3 client and loading its service model in every "
                f"run even under mitogen): {c['wall_seconds'] / runs:.2f} s of wall time per module run here ({runs} runs), "
                f"sleeps included. "
                f"10× the emulator's time would leave ~{10 * c['service_seconds'] / runs:.2f} s per module run.")
    notes.append(
        "Fixed sleeps in amazon.aws 10.1 modules, paid on every create or change (not on a no-op re-run): "
        "ec2_vpc_route_table sleeps 5 s after any change to a table; ec2_security_group sleeps 3 s after creating a "
        "group; ec2_vpc_subnet polls every 5 s; other waiters (NAT gateway, RDS, CloudFront, ...) sleep their boto3 waiter "
        "delay between polls. On the emulator, where resources "
        "are ready at once, these sleeps are most of a cold converge; changing them means changing upstream modules "
        "or the roles, which the bench does not do.")
    for r in report["phases"]:
        if r.get("status") != "successful":
            notes.append(f"Phase {r['phase']} did not succeed (status {r.get('status')}); its figures are not comparable.")
    notes.append("forks does not matter here: a stack is one host (localhost), so Ansible runs its tasks one by one. "
                 "Concurrency that helps is across stacks (the parallel table) or inside a task (async), which "
                 "would mean changing roles; the bench does not change roles.")
    notes.append("Pipelining changes little on the local connection: there is no SSH round-trip to save; the "
                 "module still starts a new Python and imports boto3. Mitogen removes that start-up.")
    report["targets"], report["notes"] = targets, notes


def run_latency_model(proxy, cfgs, args, workdir) -> dict:
    """A cold deploy (stock Ansible) with the AWS latency model on, then its teardown without it."""
    from bench import latency

    model = latency.LatencyModel(scale=args.latency_scale)
    spans = latency.TierSpans(model.t0)
    proxy.hooks.append(model)
    try:
        row = run_phase(proxy, "latency:cold", api.deploy, SUFFIXES["latency"], cfgs["stock"], args, workdir,
                        extra_handler=spans)
    finally:
        proxy.hooks.remove(model)
    summary = model.summary()
    kinds = sorted({r["kind"] for r in summary["resources"]})
    counts = Counter(r["kind"] for r in summary["resources"])
    critical, path = latency.critical_path(kinds, scale=args.latency_scale)
    ready = max([row["wall_seconds"]] + [r["ready"] for r in summary["resources"]])
    row.update({
        "latency": summary, "tier_spans": spans.spans, "critical_path_seconds": round(critical, 2),
        "critical_path": path, "sequential_seconds": round(latency.sequential_sum(counts, args.latency_scale), 2),
        "stack_ready_seconds": round(ready, 2), "latency_table": latency.table_markdown(args.latency_scale),
    })
    svg = REPO_ROOT / "docs" / "benchmarks-timeline.svg"
    svg.write_text(latency.timeline_svg(spans.spans, summary["resources"], ready, critical,
                                        f"Cold deploy, stock Ansible, AWS latency model at 1/{round(1 / args.latency_scale)}"))
    print(f"  latency model: stack ready after {ready:.1f}s; critical path {critical:.1f}s ({' -> '.join(path)}); "
          f"waiting for each in turn {row['sequential_seconds']:.1f}s; wrote {svg.relative_to(REPO_ROOT)}", flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default=None, help="comma-separated tiers (default: tierstack_tiers)")
    parser.add_argument("--profile", default=None, help="profile (default: tierstack_profile)")
    parser.add_argument("--quick", action="store_true", help="stock and tuned only: no variants, no parallel stacks")
    parser.add_argument("--parallel", type=int, default=4, help="stacks deployed in parallel (0 to skip; max 7)")
    parser.add_argument("--output", default=str(REPO_ROOT / "docs" / "benchmarks.md"), help="markdown report ('-' for none)")
    parser.add_argument("--variants", action="store_true",
                        help="also re-run the tuned stack under the project's ansible.cfg alone and with pipelining")
    parser.add_argument("--repeat", type=int, default=2, help="idempotent re-runs per configuration, interleaved (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the runner artifacts directory")
    parser.add_argument("--render", metavar="RESULTS_JSON", help="only rewrite the markdown from a results file")
    parser.add_argument("--baseline", metavar="DIR",
                        help="a checkout to compare with (git worktree add /tmp/baseline <commit>): its stock cold deploy, "
                             "re-runs (interleaved with ours) and teardown, reported as ratios")
    parser.add_argument("--latency-model", action="store_true",
                        help="also a cold deploy where long-running resources take their AWS time (bench/latency.py)")
    parser.add_argument("--latency-only", action="store_true", help="only the latency-model deploy and its teardown")
    parser.add_argument("--latency-scale", type=float, default=1 / 20, help="modelled time / AWS time (default 1/20)")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(Path(args.render).read_text())
        targets_and_notes(report)
        Path(args.output).write_text(render(report))
        print(f"bench: wrote {args.output} from {args.render}")
        return 0
    args.tier_list = [t for t in args.tiers.split(",") if t] if args.tiers else None
    if args.parallel > len(PARALLEL_SUFFIXES):
        parser.error(f"--parallel is at most {len(PARALLEL_SUFFIXES)}")

    tiers = args.tier_list
    if tiers is None:
        import yaml

        tiers = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tierstack_tiers"]
    args.tier_list = list(tiers)  # every run of this bench gets the same tiers, whatever changes meanwhile
    workdir = Path(tempfile.mkdtemp(prefix="tierstack-bench-"))
    port = int(os.environ.get("TIERSTACK_BENCH_PORT") or free_port())  # a fixed port where ports are assigned
    print(f"bench: tiers {','.join(tiers)}; emulator on 127.0.0.1:{port}; work dir {workdir}", flush=True)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    emulator.up(port)
    proxy = CountingProxy(port).start()
    cfgs = configs(workdir)
    started = time.monotonic()
    report = {
        "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at start",
        "tiers": tiers,
        "profile": args.profile,
        "versions": versions(),
        "phases": [],
    }
    phases = report["phases"]
    try:
        if args.latency_model or args.latency_only:
            phases.append(run_latency_model(proxy, cfgs, args, workdir))
            phases.append(run_phase(proxy, "latency:teardown", api.destroy, SUFFIXES["latency"], cfgs["stock"], args, workdir))
        baseline = bool(args.baseline) and not args.latency_only
        for cfg in (() if args.latency_only else ("stock", "tuned")):
            phases.append(run_phase(proxy, f"{cfg}:cold", api.deploy, SUFFIXES[cfg], cfgs[cfg], args, workdir))
        if baseline:
            phases.append(run_baseline_phase(proxy, "baseline:cold", "deploy", SUFFIXES["baseline"], args, workdir))
        # Re-runs alternate stock, tuned (and the baseline's stock), so that a change in the machine's load hits all alike.
        reruns = {"stock": [], "tuned": [], "baseline": []}
        for i in range(0 if args.latency_only else args.repeat):
            for cfg in ("baseline", "stock", "tuned") if baseline else ("stock", "tuned"):
                label = f"{cfg}:rerun" + (f"#{i + 1}" if i else "")
                if cfg == "baseline":
                    reruns[cfg].append(run_baseline_phase(proxy, label, "deploy", SUFFIXES[cfg], args, workdir))
                else:
                    reruns[cfg].append(run_phase(proxy, label, api.deploy, SUFFIXES[cfg], cfgs[cfg], args, workdir))
        for cfg in ("stock", "tuned", "baseline"):
            if reruns[cfg]:
                phases.append(merge_repeats(reruns[cfg]))
        if baseline:
            phases.append(run_baseline_phase(proxy, "baseline:teardown", "destroy", SUFFIXES["baseline"], args, workdir))
        if args.variants and not args.quick and not args.latency_only:
            for variant in ("project", "project+pipelining"):
                phases.append(run_phase(proxy, f"{variant}:rerun-variant", api.deploy, SUFFIXES["tuned"], cfgs[variant], args, workdir))
        for cfg in (() if args.latency_only else ("stock", "tuned")):
            phases.append(run_phase(proxy, f"{cfg}:teardown", api.destroy, SUFFIXES[cfg], cfgs[cfg], args, workdir))
        if args.parallel and not args.quick and not args.latency_only:
            sfx = PARALLEL_SUFFIXES[: args.parallel]
            phases.append(run_parallel(proxy, f"parallel{args.parallel}:cold", api.deploy, sfx, cfgs["tuned"], args, workdir))
            phases.append(run_parallel(proxy, f"parallel{args.parallel}:teardown", api.destroy, sfx, cfgs["tuned"], args, workdir))
    finally:
        proxy.stop()
        emulator.down(port)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report["total_seconds"] = round(time.monotonic() - started, 1)
    targets_and_notes(report)
    results = REPO_ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out_json = results / f"{report['started'].replace(' ', 'T').replace(':', '')}.json"
    out_json.write_text(json.dumps(report, indent=2) + "\n")
    if args.output != "-":
        Path(args.output).write_text(render(report))
        print(f"bench: wrote {args.output} and {out_json}")
    for t in report["targets"]:
        print(f"  {'MET   ' if t['met'] else 'MISSED'} {t['text']}")
    return 0 if all(r.get("status") == "successful" for r in phases) else 1


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("ansible-core", "ansible", "ansible-runner", "moto", "boto3", "mitogen"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
