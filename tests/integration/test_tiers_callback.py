"""The tierstack.aws.tiers callback on real ansible-playbook runs.

The deploy and teardown of a whole stack through the callback (tiers in order, counts equal to
the recap, no password anywhere) are checked in test_runner.py, on the stack it deploys anyway.
Here: a forced failure against the emulator (the data tier of a stack that has no network: its
first API call fails, nothing is created), a failing no_log task whose message holds a secret, and
the terminal modes (colour, NO_COLOR, plain text when not a terminal).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid

import pytest

from tierstack import REPO_ROOT
from tierstack.testing import progress_units, recap

SECRET = "s3cr3t-" + uuid.uuid4().hex
PLAYBOOK = """
- name: A play with a secret
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say something harmless
      ansible.builtin.debug:
        msg: nothing to hide
    - name: Use the secret
      ansible.builtin.fail:
        msg: "the password is {{ the_secret }}"
      no_log: true
"""


def _play(argv, log_dir, endpoint=None, **extra_env):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="tierstack.aws.tiers",
               TIERSTACK_LOG_DIR=str(log_dir), TIERSTACK_HEARTBEAT="0")
    for key in ("TIERSTACK_VERBOSE", "TIERSTACK_TTY", "TIERSTACK_RERUN_COMMAND", "NO_COLOR", "ANSIBLE_NOCOLOR"):
        env.pop(key, None)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env.update(extra_env)
    proc = subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "ansible-playbook"), *argv], cwd=REPO_ROOT, env=env,  # noqa: S603
                          capture_output=True, timeout=900, check=False)
    # decoded by hand: text mode would turn the \r of a redrawn line into a line break
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def _log(log_dir, suffix):
    logs = sorted((log_dir / suffix).glob("*.log"))
    assert len(logs) == 1, logs
    return logs[0].read_text()


def test_a_failed_tier_names_the_task_module_message_and_the_rerun_command(endpoint, tmp_path):
    suffix = "nf" + uuid.uuid4().hex[:6]
    proc = _play(["site.yml", "-e", f"suffix={suffix}", "-e", json.dumps({"tierstack_tiers": ["rds_aurora"]})], tmp_path, endpoint)
    log = _log(tmp_path, suffix)
    assert proc.returncode != 0
    screen = proc.stdout
    assert "\x1b[" not in screen and "\r" not in screen  # not a terminal: plain text
    units = progress_units(screen)
    failed = [u for u in units if u[0] == "!!"]
    assert len(failed) == 1 and failed[0][4] == 1, screen
    assert sum(u[4] for u in units) == recap(log)["failed"] == 1
    assert sum(u[3] for u in units) == recap(log)["changed"]
    match = re.search(r'^FAILED in (\S+): task "([^"]+)" \(([\w.]+)\) on (\S+)$', screen, re.M)
    assert match, screen
    unit, task, module = match.group(1), match.group(2), match.group(3)
    assert unit == failed[0][1]
    assert task in log and module.count(".") >= 2  # the task as the log names it, a fully qualified module
    body = screen[match.end():].split("\n\n")[0].strip().splitlines()
    assert len(body) >= 2 and body[0].strip()  # the message, then the hint
    assert body[0].strip().split()[0] in log  # the message comes from the task's result
    if unit == "rds_aurora":
        assert body[-1].strip().startswith("re-run this tier: ") and '"tierstack_tiers": ["rds_aurora"]' in body[-1]
        assert body[-1].count("tierstack_tiers") == 1  # the run's own choice of tiers is replaced, not repeated
    else:  # a check of the inputs failed first: the hint is the whole command
        assert body[-1].strip().startswith("re-run: ")
    assert re.search(r"^FAILED: \d+ changed, 1 failed", screen, re.M)


def test_a_no_log_failure_stays_hidden_on_screen_and_in_the_log(tmp_path):
    play = tmp_path / "secret.yml"
    play.write_text(PLAYBOOK)
    proc = _play([str(play), "-e", json.dumps({"the_secret": SECRET, "suffix": "nolog"})], tmp_path / "logs")
    log = _log(tmp_path / "logs", "nolog")
    assert proc.returncode != 0
    assert 'task "Use the secret" (ansible.builtin.fail)' in proc.stdout
    assert "the result is hidden: no_log" in proc.stdout
    assert "censored" in log
    assert '"the_secret": "***"' in proc.stdout  # the re-run command masks a secret-looking extra variable
    for text in (proc.stdout, proc.stderr, log):
        assert SECRET not in text


@pytest.mark.parametrize(
    "env,colour,live",
    [({}, False, False), ({"TIERSTACK_TTY": "1"}, True, True), ({"TIERSTACK_TTY": "1", "NO_COLOR": "1"}, False, True)],
)
def test_colour_and_live_lines_only_on_a_terminal_and_never_with_no_color(tmp_path, env, colour, live):
    play = tmp_path / "ok.yml"
    play.write_text(PLAYBOOK.split("    - name: Use the secret", maxsplit=1)[0])
    proc = _play([str(play), "-e", "suffix=tty"], tmp_path / "logs", **env)
    assert proc.returncode == 0, proc.stdout
    assert ("\x1b[3" in proc.stdout) is colour  # colour codes (32 green, 33 yellow, ...)
    assert ("\r\x1b[2K" in proc.stdout) is live  # a line redrawn in place
    assert "OK: 0 changed, 0 failed, 1 ok" in proc.stdout.replace("\x1b[32m", "").replace("\x1b[0m", "")
