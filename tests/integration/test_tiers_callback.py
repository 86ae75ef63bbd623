"""The tierstack.aws.tiers callback on real runs against the emulator.

A deploy of the network and data tiers (the data tier generates the database password), a forced
failure (the data tier of a stack that has no network), and the teardown, each run with
ANSIBLE_STDOUT_CALLBACK=tierstack.aws.tiers and the output captured (not a terminal). The screen
must show the tiers in order with counts that add up to the play recap of the full log, the failure
must name its task, module and message with the command to re-run the tier, and neither the screen
nor the log may contain the database password, read back from the emulator's Secrets Manager.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid

import pytest

from tierstack import REPO_ROOT, emulator
from tierstack.testing import client

TIERS = ["vpc", "rds_aurora"]
LINE = re.compile(r"^(ok|!!|\.\.) (\S+)\s+\[[#.]+\]\s+(\d+)/(\d+|\?)\s+(\d+) changed(?:, (\d+) failed)?\s+(.*)$")


@pytest.fixture(scope="module")
def endpoint():
    port = emulator.endpoint_port()
    started = not emulator.answers(port)
    if started:
        emulator.up(port)
    yield emulator.endpoint_url(port)
    if started:
        emulator.down(port)


def _play(playbook, suffix, tiers, endpoint, log_dir, extra_env=None):
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=endpoint,
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="tierstack.aws.tiers",
        TIERSTACK_LOG_DIR=str(log_dir),
        TIERSTACK_HEARTBEAT="0",
        **(extra_env or {}),
    )
    for key in ("TIERSTACK_VERBOSE", "TIERSTACK_TTY", "TIERSTACK_RERUN_COMMAND"):
        env.pop(key, None)
    argv = [str(REPO_ROOT / ".venv" / "bin" / "ansible-playbook"), playbook, "-e", f"suffix={suffix}", "-e", json.dumps({"tierstack_tiers": tiers})]
    proc = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800)  # noqa: S603
    logs = sorted((log_dir / suffix).glob("*.log"))
    return proc, (logs[-1].read_text() if logs else "")


def _units(screen):
    return [(m.group(1), m.group(2), int(m.group(3)), int(m.group(5)), int(m.group(6) or 0)) for m in map(LINE.match, screen.splitlines()) if m]


def _recap(log):
    match = re.search(r"^\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", log, re.M)
    assert match, log[-2000:]
    return {"ok": int(match.group(1)), "changed": int(match.group(2)), "failed": int(match.group(4))}


@pytest.fixture(scope="module")
def runs(endpoint, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("logs")
    suffix = "cb" + uuid.uuid4().hex[:6]
    state = {"suffix": suffix, "log_dir": log_dir}
    state["deploy"] = _play("site.yml", suffix, TIERS, endpoint, log_dir)
    try:
        secret = client("secretsmanager").get_secret_value(SecretId=f"db-credentials-{suffix}")
        state["password"] = json.loads(secret["SecretString"])["password"]
    except Exception:  # noqa: BLE001 - reported by the tests below
        state["password"] = None
    # the data tier of a stack without a network: its first API call fails, nothing is created
    state["failure"] = _play("site.yml", "nf" + uuid.uuid4().hex[:6], ["rds_aurora"], endpoint, log_dir)
    state["teardown"] = _play("playbooks/teardown.yml", suffix, TIERS, endpoint, log_dir)
    return state


def test_deploy_shows_one_line_per_tier_in_order_with_the_recap_counts(runs):
    proc, log = runs["deploy"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    screen = proc.stdout
    assert "\x1b[" not in screen and "\r" not in screen  # not a terminal: plain text
    units = _units(screen)
    names = [u[1] for u in units]
    # the tiers in the order of tierstack_tiers, after the checks, before the outputs
    assert [n for n in names if n in TIERS] == TIERS
    assert names.index("validate") < names.index(TIERS[0]) and names[-1] == "outputs"
    assert all(u[0] == "ok" for u in units)
    recap = _recap(log)
    assert sum(u[3] for u in units) == recap["changed"] > 0
    assert f"OK: {recap['changed']} changed, 0 failed, {recap['ok']} ok" in screen
    assert len(screen.splitlines()) < 30
    # the key outputs table and the log file
    assert "Key outputs" in screen and "RDSClusterEndpoint" in screen and "VpcId" in screen
    assert f"Full log: {runs['log_dir']}" in screen or "Full log: " in screen
    assert "PLAY RECAP" in log and "TASK [vpc : " in log


def test_no_secret_on_screen_or_in_the_log(runs):
    password = runs["password"]
    assert password and len(password) >= 16
    for proc, log in (runs["deploy"], runs["failure"]):
        assert password not in proc.stdout and password not in proc.stderr
        assert password not in log
    for path in runs["log_dir"].rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")


def test_a_failure_names_the_task_module_message_and_the_rerun_command(runs):
    proc, log = runs["failure"]
    assert proc.returncode != 0
    screen = proc.stdout
    units = _units(screen)
    failed = [u for u in units if u[0] == "!!"]
    assert len(failed) == 1 and failed[0][4] == 1
    assert sum(u[4] for u in units) == _recap(log)["failed"] == 1
    match = re.search(r'^FAILED in (\S+): task "([^"]+)" \(([\w.]+)\) on (\S+)$', screen, re.M)
    assert match, screen
    assert match.group(1) == failed[0][1]
    module, task = match.group(3), match.group(2)
    assert f"TASK [{failed[0][1]} : {task}]" in log or f"TASK [{task}]" in log or task in log
    assert "." in module  # a fully qualified module name
    body = screen[match.end():].split("\n\n")[0]
    assert len(body.strip().splitlines()) >= 2  # the message, then the re-run hint
    if failed[0][1] == "rds_aurora":
        assert "re-run this tier: " in body and '"tierstack_tiers": ["rds_aurora"]' in body
    else:  # a check of the inputs failed: the hint is the whole command
        assert "re-run: " in body
    assert re.search(r"^FAILED: \d+ changed, 1 failed", screen, re.M)


def test_teardown_removes_the_tiers_last_first(runs):
    proc, log = runs["teardown"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    names = [u[1] for u in _units(proc.stdout)]
    assert [n for n in names if n in TIERS] == list(reversed(TIERS))
    assert sum(u[3] for u in _units(proc.stdout)) == _recap(log)["changed"]
