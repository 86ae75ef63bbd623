"""Cancelling a run (SIGTERM or SIGKILL of its process group, as AWX's cancel does) leaves no process
behind, with the default (stock linear) strategy.

Every process of the run inherits a marker in its environment, so a process that left the run's
session or process group (as mitogen's do) is still found by scanning /proc.
"""

from __future__ import annotations

import signal

import pytest

from bench.chaos import kill_run_after, processes_with_marker, start_run


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_cancelled_run_leaves_no_process(endpoint, sig):
    run = start_run("site.yml", {"suffix": f"orph-{sig.name[3:].lower()}", "tierstack_tiers": ["ecr"]}, mitogen=False)
    # Kill it in the middle of the tier: once a module process of the run is alive.
    killed = kill_run_after(run, sig, when=lambda procs: any("AnsiballZ" in p["cmdline"] for p in procs))
    assert killed, "the run ended before a module was running"
    assert processes_with_marker(run.marker, wait=15) == []
