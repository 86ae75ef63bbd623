"""Every AWX job template of awx/, run the way AWX runs it, each from its own fresh checkout.

AWX starts each job from a fresh checkout of the project: no outputs/ folder, no emulator state, only
the job template's extra variables and the survey's answers, and the collections that the project update
installed from collections/requirements.yml (tierstack.aws itself, from the project directory; no
.collections link). So each job here runs in its own fresh copy of the project (the files git tracks),
with tierstack.aws installed from it as AWX's project update installs it, through ansible-runner with the
template's playbook, the "tierstack local (emulator)" inventory source and the emulator credential's
environment. The deploy job creates the default profile's whole stack, as the deploy template's survey
deploys it; every later job runs in another checkout, so it finds the stack only through its outputs and
record in the account (SSM Parameter Store). The verify job, a check-mode run of every tier from such a
checkout, must find nothing to change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tierstack import REPO_ROOT, api, state
from tierstack.testing import client

REGION = "ap-southeast-1"
TIERS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tierstack_tiers"]
AWX = yaml.safe_load((REPO_ROOT / "awx" / "group_vars" / "all" / "templates.yml").read_text())
TEMPLATES = {t["name"]: t for t in AWX["tierstack_awx_job_templates"]}


class _AwxLoader(yaml.SafeLoader):
    """Reads AWX's own templates (tagged !unsafe) as plain strings."""


_AwxLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
# The inventory source AWX uses for the emulator (awx/group_vars/all/controller.yml).
INVENTORY = next(i["source_path"] for i in yaml.load((REPO_ROOT / "awx" / "group_vars" / "all" / "controller.yml").read_text(),
                                                     Loader=_AwxLoader)["tierstack_awx_inventories"] if "emulator" in i["name"])


def fresh_checkout(dest: Path) -> Path:
    """A copy of the files git tracks (what AWX's project update checks out): no outputs/, no .emulator/."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src, dst = REPO_ROOT / name, dest / name
        if not src.exists() and not src.is_symlink():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, dst)
    assert not (dest / "outputs").exists() and not (dest / ".emulator").exists()
    return dest


def project_update(project: Path, dest: Path) -> Path:
    """What AWX's project update does with collections/requirements.yml: ansible-galaxy installs them from the
    project's root into the job's own collections path, which AWX puts first on ANSIBLE_COLLECTIONS_PATH.
    --no-deps: amazon.aws and community.aws come with the ansible package here, as in the execution
    environment (on AWX the update would also resolve them from Galaxy)."""
    # The project's own ansible.cfg, as in AWX (not the repository's, whose .collections link would make
    # ansible-galaxy find tierstack.aws installed already).
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_CONFIG"] = str(project / "ansible.cfg")
    subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "install", "--no-deps",
                    "-r", "collections/requirements.yml", "-p", str(dest)], cwd=project, env=env, check=True,
                   capture_output=True)
    assert (dest / "ansible_collections" / "tierstack" / "aws" / "MANIFEST.json").is_file()
    assert not (project / ".collections").exists()  # the checkout has no link: tierstack.aws comes from dest
    return dest


def survey_answers(template: dict, **answers) -> dict:
    """The survey's defaults, overridden by the given answers: what AWX passes as extra variables."""
    out = {q["variable"]: q.get("default") for q in template.get("survey_spec", {}).get("spec", [])}
    out.update(answers)
    return out


def run_job(name: str, tmp_path: Path, endpoint: str, **answers):
    """Run the job template `name` in a fresh checkout with ansible-runner; returns the runner."""
    import ansible_runner

    template = TEMPLATES[name]
    job = tmp_path / name.replace(" ", "-")
    runs = 1
    while job.exists():  # each job run gets its own fresh checkout, as in AWX
        runs += 1
        job = tmp_path / f"{name.replace(' ', '-')}-{runs}"
    project = fresh_checkout(job / "project")
    extravars = dict(template.get("extra_vars") or {}, **survey_answers(template, **answers))
    env = {
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STRATEGY": "linear", "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    (job / "runner").mkdir(parents=True, exist_ok=True)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(project_update(project, job / "runner" / "requirements_collections"))
    runner = ansible_runner.run(
        private_data_dir=str(job / "runner"), project_dir=str(project), playbook=template["playbook"],
        inventory=str(project / INVENTORY), extravars=extravars, envvars=env, quiet=True,
    )
    stdout = runner.stdout.read() if runner.stdout else ""
    assert runner.status == "successful" and runner.rc == 0, f"{name}: {runner.status} rc={runner.rc}\n{stdout[-4000:]}"
    return runner, stdout


@pytest.fixture(scope="module")
def stack(endpoint):
    """A fresh suffix for the deploy job; whatever the test leaves is removed from the repository."""
    suffix = "awx" + uuid.uuid4().hex[:5]
    yield suffix
    if state.record(suffix, REGION) is not None:
        api.destroy(suffix, region=REGION, envvars={"AWS_ENDPOINT_URL": endpoint})


def test_every_job_template_works_from_a_fresh_checkout(stack, endpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    suffix = stack
    assert set(TEMPLATES) == {"tierstack deploy", "tierstack verify", "tierstack teardown",
                              "tierstack switch traffic", "tierstack rotate now"}, "a new job template needs a run here"
    assert state.record(suffix, REGION) is None

    # Deploy: creates the profile's whole stack from a fresh checkout, and records it in the account.
    runner, _job = run_job("tierstack deploy", tmp_path, endpoint, suffix=suffix)
    assert sum((runner.stats.get("changed") or {}).values()) > 0
    record = state.record(suffix, REGION)
    assert record["tiers"] == TIERS and record["profile"] == "media_streaming"
    outputs = state.outputs(suffix, REGION)
    assert outputs["VpcId"].startswith("vpc-") and outputs["DBSecretArn"].startswith("arn:aws:secretsmanager:")

    # Verify, from another checkout: every tier in check mode finds the stack and nothing to change.
    runner, _job = run_job("tierstack verify", tmp_path, endpoint, suffix=suffix)
    drift = [e["event_data"]["task"] for e in runner.events
             if e["event"] == "runner_on_ok" and e["event_data"].get("res", {}).get("changed")]
    # The only files a check-mode run of the outputs tier would write are the checkout's own (outputs/).
    assert [t for t in drift if t not in ("Create the outputs folder", "Write flat-outputs.json")] == [], drift
    assert state.outputs(suffix, REGION) == outputs

    # Switch traffic: every target group that receives traffic needs a healthy registered target, blue and
    # green both at 90/10 (the emulator runs no task; stand one in for each, as ECS registers running tasks).
    elbv2 = client("elbv2", REGION)
    green = outputs["BackendGreenTargetGroupArn"]
    for i, arn in enumerate([outputs["BackendBlueTargetGroupArn"], green]):
        elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": f"10.0.64.{10 + i}", "Port": 5000}])

    def green_weight():
        rules = elbv2.describe_rules(ListenerArn=outputs["ALBListenerArn"])["Rules"]
        for rule in rules:
            for action in rule["Actions"]:
                for tg in (action.get("ForwardConfig") or {}).get("TargetGroups", []):
                    if tg["TargetGroupArn"] == green:
                        return tg.get("Weight")
        return None

    # One shift is this template's run (the container scenario shifts, rolls back and checks a re-run).
    run_job("tierstack switch traffic", tmp_path, endpoint, suffix=suffix, service="backend", green_weight=10, rollback="false")
    assert green_weight() == 10

    secrets = client("secretsmanager", REGION)
    before = secrets.describe_secret(SecretId=outputs["DBSecretArn"])["VersionIdsToStages"]
    run_job("tierstack rotate now", tmp_path, endpoint, suffix=suffix)
    after = secrets.describe_secret(SecretId=outputs["DBSecretArn"])["VersionIdsToStages"]

    def current(stages):
        return next(v for v, s in stages.items() if "AWSCURRENT" in s)

    assert current(after) != current(before)

    run_job("tierstack teardown", tmp_path, endpoint, suffix=suffix)
    ssm = client("ssm", REGION)
    left = ssm.get_parameters_by_path(Path=f"/tierstack/{suffix}", Recursive=True)["Parameters"]
    assert left == [], [p["Name"] for p in left]
    ec2 = client("ec2", REGION)
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": [suffix]}])["Vpcs"] == []
