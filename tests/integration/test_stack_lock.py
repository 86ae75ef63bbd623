"""The stack lock (/tierstack/<suffix>/lock) against the emulator, with real playbook runs.

- A lock held by another run makes site.yml fail after stack_lock_timeout, naming the holder, before
  any write; --check takes no lock; playbooks/unlock.yml breaks it; a run that fails after taking the
  lock still releases it.
- Two runs started on one suffix while the first holds the lock: one with a short timeout refuses,
  naming the first run; one with the default timeout waits and then converges. Nothing is duplicated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from tierstack import REPO_ROOT
from tierstack.testing import client, run_playbook

TIERS = ["ecr"]


def lock_value(suffix):
    try:
        return json.loads(client("ssm").get_parameter(Name=f"/tierstack/{suffix}/lock")["Parameter"]["Value"])
    except client("ssm").exceptions.ParameterNotFound:
        return None


def repos(suffix):
    names = [r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]]
    return sorted(n for n in names if n.endswith(f"-{suffix}"))


def _popen(playbook, extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    cmd = [str(os.path.join(os.path.dirname(sys.executable), "ansible-playbook")), playbook, "-e", json.dumps(extra)]
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_a_held_lock_refuses_naming_the_holder_and_unlock_breaks_it(endpoint):
    suffix = "lkheld"
    holder = {"run_id": "other-run-1", "user": "alice", "host": "laptop-7", "operation": "site.yml (suffix lkheld)",
              "since": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "lease_seconds": 7200}
    client("ssm").put_parameter(Name=f"/tierstack/{suffix}/lock", Value=json.dumps(holder), Type="String")

    refused = run_playbook("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS, "stack_lock_timeout": 2,
                                        "stack_lock_poll_interval": 1})
    assert refused.returncode != 0
    assert "is held by alice@laptop-7 (run other-run-1)" in refused.stdout, refused.stdout[-3000:]
    assert "playbooks/unlock.yml -e suffix=lkheld" in refused.stdout
    assert repos(suffix) == []  # it stopped before the first write of the tier
    assert lock_value(suffix) == holder

    unlocked = run_playbook("playbooks/unlock.yml", {"suffix": suffix})
    assert unlocked.returncode == 0, unlocked.stdout[-3000:]
    assert "Removed the lock held by" in unlocked.stdout and "other-run-1" in unlocked.stdout
    assert lock_value(suffix) is None

    # A run that fails after taking the lock (here: its outputs cannot be written) still releases it.
    failed = run_playbook("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS,
                                       "outputs_dir": "/proc/tierstack-cannot-write-here"})
    assert failed.returncode != 0 and "Release the stack lock" in failed.stdout, failed.stdout[-3000:]
    assert lock_value(suffix) is None
    assert len(repos(suffix)) == 2

    # --check takes no lock: it runs while another run holds it, and leaves the lock as it was.
    client("ssm").put_parameter(Name=f"/tierstack/{suffix}/lock", Value=json.dumps(holder), Type="String")
    checked = run_playbook("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS, "stack_lock_timeout": 2}, check=True)
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert lock_value(suffix) == holder
    assert run_playbook("playbooks/unlock.yml", {"suffix": suffix}).returncode == 0

    down = run_playbook("playbooks/teardown.yml", {"suffix": suffix, "tierstack_tiers": TIERS})
    assert down.returncode == 0, down.stdout[-3000:]
    assert repos(suffix) == [] and lock_value(suffix) is None


def test_two_runs_on_one_suffix_second_waits_or_refuses(endpoint):
    suffix = "lkpair"
    first = _popen("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS})
    try:
        deadline = time.monotonic() + 300
        while (held := lock_value(suffix)) is None:
            assert first.poll() is None, first.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.2)
        refusing = _popen("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS, "stack_lock_timeout": 1,
                                       "stack_lock_poll_interval": 1})
        waiting = _popen("site.yml", {"suffix": suffix, "tierstack_tiers": TIERS, "stack_lock_timeout": 600,
                                      "stack_lock_poll_interval": 1})
        out_first, out_refusing, out_waiting = (p.communicate(timeout=900)[0] for p in (first, refusing, waiting))
    finally:
        for proc in (p for p in locals().values() if isinstance(p, subprocess.Popen)):
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
    assert first.returncode == 0, out_first[-3000:]
    assert refusing.returncode != 0
    assert f"(run {held['run_id']})" in out_refusing, out_refusing[-3000:]
    assert waiting.returncode == 0, out_waiting[-3000:]
    assert "changed=0" in out_waiting  # it ran after the first had converged
    assert lock_value(suffix) is None
    assert len(repos(suffix)) == 2  # one repository per service, none duplicated

    down = run_playbook("playbooks/teardown.yml", {"suffix": suffix, "tierstack_tiers": TIERS})
    assert down.returncode == 0, down.stdout[-3000:]
    assert repos(suffix) == []
