"""The chaos suite: deploys under injected faults, killed runs, concurrent runs and half-built teardowns.

    python -m bench.chaos              # make chaos: the full suite, writes docs/reliability.md
    python -m bench.chaos --slice      # the make-test slice: vpc + rds_aurora at 30% faults,
                                       # one kill-and-re-run, one concurrent pair

It uses the emulator on TIERSTACK_CHAOS_PORT (default 4590; started if it does not answer), behind a proxy
(TIERSTACK_CHAOS_PROXY_PORT, default a free port) with a
FaultInjector (bench/faults.py) and a RequestRecorder (CreateDBCluster/ModifyDBCluster bodies, kept in
memory only), and counts, after each scenario: resources by kind (tierstack.inventory: 0 duplicates),
processes left behind by killed runs (0), and password mismatches between the secret and what the
cluster received (0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tierstack import REPO_ROOT

MARKER_VAR = "TIERSTACK_CHAOS_MARKER"


@dataclass
class Run:
    proc: subprocess.Popen
    marker: str
    started: float = field(default_factory=time.monotonic)
    output: str = ""

    def wait(self, timeout: float = 1800) -> int:
        self.output = self.proc.communicate(timeout=timeout)[0]
        return self.proc.returncode


def ansible_env(endpoint: str | None = None, mitogen: bool = False, marker: str | None = None) -> dict:
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for key in ("ANSIBLE_STRATEGY", "ANSIBLE_STRATEGY_PLUGINS"):
        env.pop(key, None)
    if mitogen:
        from tierstack.api import mitogen_env

        env.update(mitogen_env())
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if marker:
        env[MARKER_VAR] = marker
    return env


def start_run(playbook: str, extra_vars: dict, endpoint: str | None = None, mitogen: bool = False,
              check: bool = False) -> Run:
    """ansible-playbook in its own session and process group (as AWX starts a job), marked in its environment."""
    marker = uuid.uuid4().hex
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), playbook, "-e", json.dumps(extra_vars)]
    if check:
        cmd += ["--check", "--diff"]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=ansible_env(endpoint, mitogen, marker), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return Run(proc, marker)


def processes_with_marker(marker: str, wait: float = 0.0) -> list[dict]:
    """Live processes whose environment carries the run's marker (waiting up to ``wait`` s for them to go)."""
    deadline = time.monotonic() + wait
    needle = f"{MARKER_VAR}={marker}".encode()
    while True:
        found = []
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                if needle not in (pid_dir / "environ").read_bytes().split(b"\0"):
                    continue
                stat = (pid_dir / "stat").read_text()
                state = stat.rsplit(")", 1)[1].split()[0]
                if state == "Z":
                    continue
                cmdline = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                found.append({"pid": int(pid_dir.name), "cmdline": cmdline.strip()})
            except OSError:
                continue
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.5)


def kill_run_after(run: Run, sig: int, delay: float | None = None, when=None, timeout: float = 900) -> bool:
    """Send ``sig`` to the run's process group after ``delay`` seconds or once ``when(processes)`` holds.
    Returns False when the run ended first. SIGTERM is followed by SIGKILL after 10 s, as AWX does."""
    deadline = time.monotonic() + timeout
    while True:
        if run.proc.poll() is not None:
            run.output = run.proc.communicate()[0]
            return False
        if delay is not None and time.monotonic() - run.started >= delay:
            break
        if when is not None and when(processes_with_marker(run.marker)):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
    try:
        os.killpg(run.proc.pid, sig)
        if sig == signal.SIGTERM:
            try:
                run.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(run.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        run.output = run.proc.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        pass
    return True


def recap(output: str) -> dict:
    import re

    match = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output or "")
    return {k: int(v) for k, v in zip(("ok", "changed", "unreachable", "failed"), match.groups())} if match else {}


# ---------------------------------------------------------------------------------------------------
# The suite


class Chaos:
    def __init__(self, port: int, rate: float, seed: int, mitogen: bool, kinds: tuple[str, ...] = ("throttle", "500", "503")):
        from bench.faults import FaultInjector, RequestRecorder
        from bench.proxy import CountingProxy

        self.port = port
        self.mitogen = mitogen
        self.rng = random.Random(seed)
        self.faults = FaultInjector(rate=rate, seed=seed, kinds=kinds)
        self.recorder = RequestRecorder({"CreateDBCluster", "ModifyDBCluster"})
        self.proxy = CountingProxy(port, port=int(os.environ.get("TIERSTACK_CHAOS_PROXY_PORT", "0")))
        self.proxy.faults = self.faults
        self.proxy.recorder = self.recorder
        self.rows: list[dict] = []

    def start(self):
        self.proxy.start()
        return self

    def stop(self):
        self.proxy.stop()

    @property
    def endpoint(self) -> str:
        return self.proxy.url

    def run(self, playbook: str, extra: dict, faults: bool = True, **kw) -> Run:
        self.faults.enabled = faults
        run = start_run(playbook, extra, endpoint=self.endpoint, mitogen=self.mitogen, **kw)
        run.wait()
        return run

    def unlock(self, suffix: str) -> None:
        self.faults.enabled = False
        start_run("playbooks/unlock.yml", {"suffix": suffix}, endpoint=self.endpoint).wait()

    def duplicates(self, suffix: str) -> dict:
        from tierstack.inventory import duplicates

        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{self.port}"
        return duplicates(suffix)

    def leftovers(self, suffix: str) -> dict:
        from tierstack.inventory import nothing_left

        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{self.port}"
        return nothing_left(suffix)

    def password_mismatches(self, suffix: str) -> int:
        """0 when the secret's password is the one the cluster last received (create or modify)."""
        from tierstack.inventory import secret_password

        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{self.port}"
        sent = [p for op in ("CreateDBCluster", "ModifyDBCluster") for p in self.recorder.values(op, "MasterUserPassword")]
        cluster_ids = [p.get("DBClusterIdentifier", "") for _op, p in self.recorder.records]
        if not any(suffix in c for c in cluster_ids):
            return 0
        current = secret_password(suffix)
        last = [p for (op, params) in self.recorder.records if suffix in params.get("DBClusterIdentifier", "")
                for p in [params.get("MasterUserPassword")] if p]
        return 0 if (current is not None and last and last[-1] == current) else 1 if sent else 0

    # scenarios ---------------------------------------------------------------------------------

    def deploy_under_faults(self, suffix: str, tiers: list[str]) -> dict:
        t0 = time.monotonic()
        first = self.run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers})
        rerun = self.run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, faults=False)
        row = {"scenario": f"deploy at {int(self.faults.rate * 100)}% faults", "suffix": suffix,
               "converged": first.proc.returncode == 0, "rerun_changed": recap(rerun.output).get("changed"),
               "duplicates": self.duplicates(suffix), "password_mismatches": self.password_mismatches(suffix),
               "faults": self.faults.summary(), "seconds": round(time.monotonic() - t0, 1),
               "error": "" if first.proc.returncode == 0 else _last_error(first.output)}
        self.rows.append(row)
        return row

    def kill_and_rerun(self, suffix: str, tiers: list[str], at: float, sig=signal.SIGKILL) -> dict:
        self.faults.enabled = False
        run = start_run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, endpoint=self.endpoint,
                        mitogen=self.mitogen)
        killed = kill_run_after(run, sig, delay=at)
        orphans = processes_with_marker(run.marker, wait=15)
        self.unlock(suffix)  # the operator's step after a killed run: its lock outlives it
        rerun = self.run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, faults=False)
        again = self.run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, faults=False)
        row = {"scenario": f"killed at {at:.0f}s, re-run", "suffix": suffix, "killed": killed,
               "orphans": len(orphans), "converged": rerun.proc.returncode == 0,
               "rerun_changed": recap(again.output).get("changed"), "duplicates": self.duplicates(suffix),
               "password_mismatches": self.password_mismatches(suffix),
               "error": "" if rerun.proc.returncode == 0 else _last_error(rerun.output)}
        for pid in (p["pid"] for p in orphans):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.rows.append(row)
        return row

    def concurrent_pair(self, suffix: str, tiers: list[str]) -> dict:
        self.faults.enabled = False
        a = start_run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, endpoint=self.endpoint, mitogen=self.mitogen)
        time.sleep(2)  # "started 2 s apart", as in the issue
        b = start_run("site.yml", {"suffix": suffix, "tierstack_tiers": tiers}, endpoint=self.endpoint, mitogen=self.mitogen)
        rc_a, rc_b = a.wait(), b.wait()
        waited_or_refused = rc_b == 0 or "is held by" in b.output
        row = {"scenario": "two runs 2 s apart", "suffix": suffix, "first_ok": rc_a == 0, "second_ok": rc_b == 0,
               "second_waited_or_refused": waited_or_refused, "duplicates": self.duplicates(suffix),
               "password_mismatches": self.password_mismatches(suffix),
               "converged": rc_a == 0 and waited_or_refused}
        self.rows.append(row)
        return row

    def teardown(self, suffix: str, tiers: list[str]) -> dict:
        self.faults.enabled = False
        run = self.run("playbooks/teardown.yml", {"suffix": suffix, "tierstack_tiers": tiers}, faults=False)
        left = self.leftovers(suffix)
        row = {"scenario": "teardown", "suffix": suffix, "ok": run.proc.returncode == 0, "left": left,
               "converged": run.proc.returncode == 0 and not left,
               "error": "" if run.proc.returncode == 0 else _last_error(run.output)}
        self.rows.append(row)
        return row


def _last_error(output: str) -> str:
    lines = [line for line in (output or "").splitlines() if line.startswith(("fatal:", "failed:")) or '"msg"' in line
             or line.strip().startswith("msg:")]
    return (lines[-1] if lines else (output or "")[-300:]).strip()[:400]


def ok(row: dict) -> bool:
    return (row.get("converged", True) and not row.get("duplicates") and not row.get("orphans")
            and not row.get("password_mismatches") and row.get("rerun_changed") in (None, 0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slice", action="store_true", help="the make-test slice only")
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--modes", default="stock,mitogen")
    parser.add_argument("--report", default=str(REPO_ROOT / "docs" / "reliability.md"))
    parser.add_argument("--json", default="")
    parser.add_argument("--lost", action="store_true",
                        help="inject lost responses too (a create performed, its answer replaced by a 500): creates "
                             "without an idempotency token are not protected against them yet")
    args = parser.parse_args(argv)

    from tierstack import emulator

    port = int(os.environ.get("TIERSTACK_CHAOS_PORT", "4590"))
    os.environ.setdefault("TIERSTACK_STATE_DIR", str(REPO_ROOT / ".emulator" / f"chaos-{port}"))
    started = not emulator.answers(port)
    if started:
        emulator.up(port)
    rows = []
    try:
        modes = ["stock"] if args.slice else [m for m in args.modes.split(",") if m]
        for mode in modes:
            kinds = ("throttle", "500", "503", "lost") if args.lost else ("throttle", "500", "503")
            chaos = Chaos(port, args.rate, args.seed, mitogen=(mode == "mitogen"), kinds=kinds).start()
            try:
                if args.slice:
                    tiers = ["vpc", "rds_aurora"]
                    _print(chaos.deploy_under_faults("chs-faults", tiers))
                    _print(chaos.kill_and_rerun("chs-kill", ["vpc"], at=chaos.rng.uniform(8, 25)))
                    _print(chaos.concurrent_pair("chs-pair", ["ecr"]))
                    for suffix, t in (("chs-faults", tiers), ("chs-kill", ["vpc"]), ("chs-pair", ["ecr"])):
                        _print(chaos.teardown(suffix, t))
                else:
                    full = None  # every tier of the default profile
                    tiers = json.loads(json.dumps(_default_tiers())) if full is None else full
                    _print(chaos.deploy_under_faults(f"chaos-{mode}", tiers))
                    for i in range(args.kills):
                        _print(chaos.kill_and_rerun(f"kill{i}-{mode[:3]}", tiers, at=chaos.rng.uniform(5, 120)))
                    _print(chaos.concurrent_pair(f"pair-{mode}", tiers))
                    for row in list(chaos.rows):
                        if row["scenario"] != "teardown":
                            _print(chaos.teardown(row["suffix"], tiers))
                for row in chaos.rows:
                    row["mode"] = mode
                rows += chaos.rows
            finally:
                chaos.stop()
    finally:
        if started:
            emulator.down(port)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, default=str))
    if not args.slice:
        write_report(rows, args, Path(args.report))
    failed = [r for r in rows if not ok(r)]
    print(f"chaos: {len(rows) - len(failed)} of {len(rows)} scenarios passed")
    return 1 if failed else 0


def _default_tiers() -> list[str]:
    import yaml

    return yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tierstack_tiers"]


def _print(row: dict) -> None:
    print(("ok    " if ok(row) else "FAIL  ") + json.dumps(row, default=str), flush=True)


def write_report(rows: list[dict], args, path: Path) -> None:
    lines = ["# Reliability: faults, kills, concurrent runs", "",
             f"Written by `make chaos` (`python -m bench.chaos --rate {args.rate} --seed {args.seed} --kills {args.kills}`).",
             "", "| mode | scenario | suffix | ok | duplicates | orphans | password mismatches | re-run changed | note |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.get('mode')} | {r['scenario']} | {r['suffix']} | {'yes' if ok(r) else 'NO'} | "
                     f"{r.get('duplicates') or 0} | {r.get('orphans', '')} | {r.get('password_mismatches', '')} | "
                     f"{r.get('rerun_changed', '')} | {str(r.get('error') or r.get('left') or '')[:120]} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
