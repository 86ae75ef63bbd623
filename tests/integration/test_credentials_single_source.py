"""The database secret is the single source of truth for the master password.

The interleaving that broke it: a run writes the secret and is killed before it creates the cluster
(or a second run creates the cluster meanwhile). Here the secret a killed run left behind exists with
its own password and no cluster exists; a run then deploys the data tier through a recording proxy:
the password CreateDBCluster received must equal the secret's (unchanged) password, a re-run sends no
password at all, and the password never appears in the run's -vvv output.
"""

from __future__ import annotations

import json
import os
import secrets
import string

import pytest

from bench.faults import RequestRecorder
from bench.proxy import CountingProxy
from tierstack import emulator
from tierstack.inventory import secret_password
from tierstack.testing import client, run_playbook

SUFFIX = "credsrc"
TIERS = ["vpc", "rds_aurora"]


@pytest.fixture(scope="module")
def recording_proxy():
    port = emulator.endpoint_port()
    started = not emulator.answers(port)
    if started:
        emulator.up(port)
    proxy = CountingProxy(port, port=int(os.environ.get("TIERSTACK_RECORDING_PROXY_PORT", "0")))
    proxy.recorder = RequestRecorder({"CreateDBCluster", "ModifyDBCluster"})
    proxy.start()
    yield proxy
    proxy.stop()
    if started:
        emulator.down(port)


def test_the_cluster_gets_the_password_of_the_secret_a_killed_run_left(recording_proxy):
    left_behind = "".join(secrets.choice(string.ascii_letters + string.digits) for _i in range(32))
    client("secretsmanager").create_secret(
        Name=f"db-credentials-{SUFFIX}",
        SecretString=json.dumps({"engine": "postgres", "host": "", "port": 5432, "username": "dbadmin",
                                 "password": left_behind, "dbname": "app"}))
    try:
        first = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": TIERS}, endpoint=recording_proxy.url, timeout=1500)
        assert first.returncode == 0, first.stdout[-3000:]
        sent = recording_proxy.recorder.values("CreateDBCluster", "MasterUserPassword")
        assert len(sent) == 1
        assert sent[0] == left_behind, "the cluster was created with a password that is not the secret's"
        assert secret_password(SUFFIX) == left_behind, "the run overwrote the existing secret's password"
        assert left_behind not in first.stdout

        again = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": TIERS}, endpoint=recording_proxy.url, timeout=1500)
        assert again.returncode == 0, again.stdout[-3000:]
        assert "changed=0" in again.stdout, again.stdout[-3000:]
        assert recording_proxy.recorder.values("ModifyDBCluster", "MasterUserPassword") == []
        assert secret_password(SUFFIX) == left_behind
        assert left_behind not in again.stdout
    finally:
        down = run_playbook("playbooks/teardown.yml", {"suffix": SUFFIX, "tierstack_tiers": TIERS}, timeout=1500)
        assert down.returncode == 0, down.stdout[-3000:]
