"""Drive the tierstack playbooks from Python, through ansible-runner (the engine AWX uses).

Example::

    from tierstack import api

    result = api.deploy("dev1", profile="media_streaming")
    assert result.ok, result.status
    print(result.outputs["VpcId"])
    api.destroy("dev1")

Every call runs ``ansible_runner.run`` with the repository root as the project directory, the
playbook (``site.yml`` or ``playbooks/teardown.yml``), an inventory from ``inventories/`` and the
same extra variables an AWX job template passes (``suffix``, ``tierstack_profile`` and, when
given, ``tierstack_region``).  The runner's private data directory (its ``env/`` input files and
``artifacts/<ident>/`` with ``rc``, ``status``, ``stdout`` and ``job_events/``) is a folder per run
under ``.tierstack/runs/`` of the project (or ``runs_dir`` / ``TIERSTACK_RUNS_DIR``), kept so that a
failed run can be inspected, and pruned to the newest ``keep_runs`` (``TIERSTACK_KEEP_RUNS``, 20)
runs; :attr:`RunResult.artifact_dir` names it.
"""

from __future__ import annotations

import json
import os
import sys
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from tierstack import REPO_ROOT

__all__ = [
    "DEPLOY_PLAYBOOK",
    "TEARDOWN_PLAYBOOK",
    "RunResult",
    "TierProgress",
    "deploy",
    "destroy",
    "outputs",
    "outputs_path",
    "stacks",
    "run_playbook",
    "job_extravars",
    "valid_suffix",
]

DEPLOY_PLAYBOOK = "site.yml"
TEARDOWN_PLAYBOOK = "playbooks/teardown.yml"
INVENTORIES = REPO_ROOT / "inventories"

# The rule of the preflight role (plugins/filter/tierstack.py: valid_suffix); checked here too so
# that a bad suffix fails before ansible-runner starts.  The playbooks check it again.
SUFFIX_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SUFFIX_MAX_LENGTH = 16


def valid_suffix(suffix: Any, max_length: int = SUFFIX_MAX_LENGTH) -> bool:
    """True when ``suffix`` is 1..max_length lowercase letters, digits and single inner hyphens."""
    import re

    return isinstance(suffix, str) and 0 < len(suffix) <= max_length and re.match(SUFFIX_PATTERN, suffix) is not None


def outputs_path(suffix: str) -> Path:
    """Where the outputs role writes the stack's flat outputs."""
    return REPO_ROOT / "outputs" / suffix / "flat-outputs.json"


def outputs(suffix: str, region: str | None = None, source: str = "auto") -> dict[str, str]:
    """The flat outputs of a deployed stack.

    ``source``: ``file`` reads ``outputs/<suffix>/flat-outputs.json`` (FileNotFoundError when this checkout
    did not deploy it); ``account`` reads SSM Parameter Store (``/tierstack/<suffix>/outputs/``, in
    ``region``; ``tierstack.state.StackNotFound`` when the stack is not there); ``auto`` (the default)
    reads the file when it exists, else the account.
    """
    if not valid_suffix(suffix):
        raise ValueError(f"suffix {suffix!r} is invalid: use 1 to {SUFFIX_MAX_LENGTH} lowercase letters, digits and inner hyphens")
    if source == "account" or (source == "auto" and not outputs_path(suffix).exists()):
        from tierstack import state

        return state.outputs(suffix, region)
    with open(outputs_path(suffix), encoding="utf-8") as handle:
        return json.load(handle)


def stacks(region: str | None = None) -> list[dict[str, Any]]:
    """The stacks recorded in the region: suffix, profile, tiers, region and updated (ISO 8601)."""
    from tierstack import state

    return state.stacks(region)


@dataclass
class TierProgress:
    """What one role did in one play: the unit of the CLI's progress lines."""

    play: str
    role: str
    started: float
    finished: float | None = None
    tasks: int = 0
    ok: int = 0
    changed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@dataclass
class RunResult:
    """The outcome of one playbook run through ansible-runner."""

    playbook: str
    suffix: str
    status: str
    rc: int
    private_data_dir: Path
    artifact_dir: Path
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)
    tiers: list[TierProgress] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0

    def changed(self) -> int:
        """Changed tasks over all hosts (from the play recap)."""
        return sum((self.stats.get("changed") or {}).values())


def job_extravars(suffix: str, profile: str | None = None, region: str | None = None, extravars: dict | None = None) -> dict:
    """The extra variables an AWX job template's survey passes: suffix, profile and region."""
    if not valid_suffix(suffix):
        raise ValueError(
            f"suffix {suffix!r} is invalid: use 1 to {SUFFIX_MAX_LENGTH} lowercase letters, digits and single "
            "inner hyphens, starting with a letter"
        )
    out: dict[str, Any] = {"suffix": suffix}
    if profile:
        out["tierstack_profile"] = profile
    if region:
        out["tierstack_region"] = region
    out.update(extravars or {})
    return out


class _Tracker:
    """Turns ansible-runner events into per-role progress, and calls back when a role finishes."""

    def __init__(self, roles: Iterable[str] | None, on_tier: Callable[[TierProgress], None] | None):
        self.roles = set(roles) if roles is not None else None
        self.on_tier = on_tier
        self.play = ""
        self.current: TierProgress | None = None
        self.done: list[TierProgress] = []

    def _close(self) -> None:
        if self.current is not None:
            self.current.finished = time.monotonic()
            self.done.append(self.current)
            if self.on_tier:
                self.on_tier(self.current)
            self.current = None

    def __call__(self, event: dict) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind == "playbook_on_play_start":
            self._close()
            self.play = data.get("play", "")
        elif kind == "playbook_on_task_start":
            role = data.get("role") or ""
            if self.roles is not None and role not in self.roles:
                role = ""
            if self.current is not None and self.current.role != role:
                self._close()
            if role and self.current is None:
                self.current = TierProgress(play=self.play, role=role, started=time.monotonic())
            if self.current is not None:
                self.current.tasks += 1
        elif kind.startswith("runner_on_") and self.current is not None and data.get("role") == self.current.role:
            if kind == "runner_on_ok":
                self.current.ok += 1
                self.current.changed += bool((data.get("res") or {}).get("changed"))
            elif kind == "runner_on_failed" and not data.get("ignore_errors"):
                self.current.failed += 1
            elif kind == "runner_on_skipped":
                self.current.skipped += 1
        elif kind == "playbook_on_stats":
            self._close()
        return True  # keep the event in artifacts/<ident>/job_events


RUNS_DIR = REPO_ROOT / ".tierstack" / "runs"
KEEP_RUNS = 20


def runs_dir(path: str | os.PathLike | None = None) -> Path:
    """Where the runs' private data directories go: ``path``, TIERSTACK_RUNS_DIR or .tierstack/runs."""
    return Path(path or os.environ.get("TIERSTACK_RUNS_DIR") or RUNS_DIR)


def new_run_dir(suffix: str, playbook: str, base: str | os.PathLike | None = None, keep: int | None = None) -> Path:
    """A fresh ``<base>/<suffix>-<playbook>-<UTC time>-<pid>`` folder; older runs beyond ``keep`` are removed."""
    folder = runs_dir(base)
    folder.mkdir(parents=True, exist_ok=True)
    keep = int(os.environ.get("TIERSTACK_KEEP_RUNS", KEEP_RUNS)) if keep is None else keep
    prune_runs(folder, max(0, keep - 1))
    stem = re.sub(r"[^a-z0-9]+", "-", Path(playbook).stem.lower())
    base = f"{suffix}-{stem}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}"
    run, n = folder / base, 1
    while run.exists():  # two runs in the same second from one process
        n += 1
        run = folder / f"{base}-{n}"
    run.mkdir(parents=True)
    return run


def prune_runs(folder: str | os.PathLike, keep: int) -> list[Path]:
    """Keep the newest ``keep`` run folders of ``folder`` (by modification time); return what was removed."""
    runs = sorted((p for p in Path(folder).iterdir() if p.is_dir() and not p.is_symlink()), key=lambda p: (p.stat().st_mtime, p.name))
    removed = runs[: max(0, len(runs) - keep)]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def mitogen_env() -> dict:
    """ANSIBLE_* settings for the mitogen strategy (as scripts/tuned-env.sh sets), or {} without mitogen."""
    try:
        import ansible_mitogen
    except ImportError:
        return {}
    return {
        "ANSIBLE_STRATEGY_PLUGINS": str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"),
        "ANSIBLE_STRATEGY": "mitogen_linear",
    }


def _env(envvars: dict | None, mitogen: bool | None = None) -> dict:
    """Environment for ansible-playbook: this interpreter's bin dir first, so the venv's ansible runs.

    ``mitogen`` None means: Ansible's stock linear strategy, unless TIERSTACK_MITOGEN is set (and
    neither TIERSTACK_STOCK_ANSIBLE nor a chosen ANSIBLE_STRATEGY says otherwise). The stock strategy
    is the default because a cancelled run then leaves no process behind (docs/reliability.md).
    """
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    if mitogen is None:
        chosen = "ANSIBLE_STRATEGY" in os.environ or "ANSIBLE_STRATEGY" in (envvars or {})
        mitogen = (bool(os.environ.get("TIERSTACK_MITOGEN")) and not chosen
                   and not os.environ.get("TIERSTACK_STOCK_ANSIBLE"))
    if mitogen:
        env.update(mitogen_env())
    env.update(envvars or {})
    return env


def run_playbook(
    playbook: str,
    suffix: str,
    profile: str | None = None,
    inventory: str = "local",
    extravars: dict | None = None,
    *,
    region: str | None = None,
    tiers: list[str] | None = None,
    envvars: dict | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    on_tier: Callable[[TierProgress], None] | None = None,
    event_handler: Callable[[dict], bool] | None = None,
    private_data_dir: str | os.PathLike | None = None,
    quiet: bool = True,
    forks: int | None = None,
    mitogen: bool | None = None,
    stdout_callback: str | None = None,
    runs_dir: str | os.PathLike | None = None,
    keep_runs: int | None = None,
) -> RunResult:
    """Run a repository playbook for one stack through ``ansible_runner.run``.

    ``inventory`` is a folder name under ``inventories/`` (``local`` for the emulator, ``aws``) or
    a path.  ``tiers`` overrides ``tierstack_tiers``.  ``on_tier`` is called with a
    :class:`TierProgress` each time a role finishes in a play; ``event_handler`` sees every raw
    runner event.  ``mitogen`` chooses the mitogen strategy (default: only when TIERSTACK_MITOGEN is
    set, and neither TIERSTACK_STOCK_ANSIBLE nor ANSIBLE_STRATEGY is).  ``stdout_callback``
    (for example ``tierstack.aws.tiers``) shapes the run's stdout, which ansible-runner wraps as AWX
    does.  ``private_data_dir`` defaults to a new folder under ``runs_dir`` (see :func:`new_run_dir`).
    """
    import ansible_runner  # imported here so that `python -m tierstack emulator` stays light

    variables = job_extravars(suffix, profile, region, extravars)
    if tiers is not None:
        variables["tierstack_tiers"] = list(tiers)
    inv = Path(inventory)
    if not inv.is_absolute() and not inv.exists():
        inv = INVENTORIES / inventory
    if not inv.exists():
        raise ValueError(f"inventory {inventory!r} not found; use one of {sorted(p.name for p in INVENTORIES.iterdir())} or a path")
    pdd = Path(private_data_dir) if private_data_dir else new_run_dir(suffix, playbook, runs_dir, keep_runs)
    pdd.mkdir(parents=True, exist_ok=True)

    tracker = _Tracker(None, on_tier)

    def handler(event: dict) -> bool:
        tracker(event)
        if event_handler is not None:
            return event_handler(event)
        return True

    cmdline = []
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    started = time.monotonic()
    runner = ansible_runner.run(
        private_data_dir=str(pdd),
        project_dir=str(REPO_ROOT),
        playbook=playbook,
        inventory=str(inv.resolve()),
        extravars=variables,
        envvars=_env({**({"ANSIBLE_STDOUT_CALLBACK": stdout_callback} if stdout_callback else {}), **(envvars or {})}, mitogen),
        cmdline=" ".join(cmdline) or None,
        verbosity=verbosity or None,
        forks=forks,
        quiet=quiet,
        event_handler=handler,
    )
    seconds = time.monotonic() - started
    result = RunResult(
        playbook=playbook,
        suffix=suffix,
        status=runner.status,
        rc=runner.rc,
        private_data_dir=pdd,
        artifact_dir=Path(runner.config.artifact_dir),
        seconds=seconds,
        stats=runner.stats or {},
        tiers=tracker.done,
    )
    return result


def deploy(suffix: str, profile: str | None = None, inventory: str = "local", extravars: dict | None = None, **kwargs) -> RunResult:
    """Deploy (or converge) the stack ``suffix`` with site.yml; the result carries its outputs."""
    result = run_playbook(DEPLOY_PLAYBOOK, suffix, profile, inventory, extravars, **kwargs)
    if result.ok and not kwargs.get("check"):
        try:
            result.outputs = outputs(suffix)
        except FileNotFoundError:
            result.outputs = {}
    return result


def destroy(suffix: str, profile: str | None = None, inventory: str = "local", extravars: dict | None = None, **kwargs) -> RunResult:
    """Tear the stack ``suffix`` down with playbooks/teardown.yml (tiers in reverse order)."""
    return run_playbook(TEARDOWN_PLAYBOOK, suffix, profile, inventory, extravars, **kwargs)
