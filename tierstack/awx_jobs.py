"""Run tierstack's AWX job templates (awx/group_vars/all/templates.yml) the way AWX runs them.

AWX starts each job from a fresh checkout of the project: no outputs/ folder, no emulator state, only the
job template's extra variables and the survey's answers, and the collections that the project update
installed from collections/requirements.yml (tierstack.aws itself, from the project directory; no
.collections link). run_job() does the same: each job runs in its own fresh copy of the project (the files
git tracks), with tierstack.aws installed from it as AWX's project update installs it, through
ansible-runner with the template's playbook, the "tierstack local (emulator)" inventory source and the
emulator credential's environment. A job finds a deployed stack only through its outputs and record in
the account (SSM Parameter Store).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tierstack import REPO_ROOT

AWX = yaml.safe_load((REPO_ROOT / "awx" / "group_vars" / "all" / "templates.yml").read_text())
TEMPLATES = {t["name"]: t for t in AWX["tierstack_awx_job_templates"]}


class _AwxLoader(yaml.SafeLoader):
    """Reads AWX's own templates (tagged !unsafe) as plain strings."""


_AwxLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
# The inventory source AWX uses for the emulator (awx/group_vars/all/controller.yml).
INVENTORY = next(i["source_path"] for i in yaml.load((REPO_ROOT / "awx" / "group_vars" / "all" / "controller.yml").read_text(),
                                                     Loader=_AwxLoader)["tierstack_awx_inventories"] if "emulator" in i["name"])
# The only files a check-mode run of the outputs tier writes are the checkout's own (outputs/).
LOCAL_FILE_TASKS = ("Create the outputs folder", "Write flat-outputs.json")


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
    questions = {q["variable"]: q.get("default") for q in template.get("survey_spec", {}).get("spec", [])}
    unknown = sorted(set(answers) - set(questions))
    assert not unknown, f"{template['name']}: {unknown} are not questions of its survey"
    return dict(questions, **answers)


def run_job(name: str, workdir: Path, endpoint: str, **answers):
    """Run the job template ``name`` in a fresh checkout under ``workdir`` with ansible-runner, against
    ``endpoint``; the survey gets ``answers``. Asserts that the job succeeded; returns (runner, stdout)."""
    import ansible_runner

    template = TEMPLATES[name]
    job = workdir / name.replace(" ", "-")
    runs = 1
    while job.exists():  # each job run gets its own fresh checkout, as in AWX
        runs += 1
        job = workdir / f"{name.replace(' ', '-')}-{runs}"
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


def changed_tasks(runner, allowed=LOCAL_FILE_TASKS) -> list[str]:
    """The tasks a job reported changed (from the runner's events, not the totals), less ``allowed``."""
    return [e["event_data"]["task"] for e in runner.events
            if e["event"] == "runner_on_ok" and e["event_data"].get("res", {}).get("changed")
            and e["event_data"]["task"] not in allowed]


def green_weight(elbv2, listener_arn: str, green_arn: str):
    """The weight the listener's rules give the green target group (None when no rule forwards to it)."""
    for rule in elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]:
        for action in rule["Actions"]:
            for tg in (action.get("ForwardConfig") or {}).get("TargetGroups", []):
                if tg["TargetGroupArn"] == green_arn:
                    return tg.get("Weight")
    return None


def current_version(stages: dict) -> str:
    """The secret version that holds AWSCURRENT, from describe_secret's VersionIdsToStages."""
    return next(v for v, s in stages.items() if "AWSCURRENT" in s)


def run_day2_jobs(workdir: Path, endpoint: str, suffix: str, outputs: dict, region: str) -> None:
    """The switch traffic and rotate now jobs on a deployed default-profile stack, each checked on the endpoint."""
    from tierstack.testing import client

    # Every target group that receives traffic needs a healthy registered target, blue and green both at 90/10
    # (the emulator runs no task; stand one in for each, as ECS registers running tasks).
    elbv2 = client("elbv2", region)
    green = outputs["BackendGreenTargetGroupArn"]
    for i, arn in enumerate([outputs["BackendBlueTargetGroupArn"], green]):
        elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": f"10.0.64.{10 + i}", "Port": 5000}])
    # One shift is this template's run (the container scenario shifts, rolls back and checks a re-run).
    run_job("tierstack switch traffic", workdir, endpoint, suffix=suffix, service="backend", green_weight=10,
            rollback="false")
    assert green_weight(elbv2, outputs["ALBListenerArn"], green) == 10

    secrets = client("secretsmanager", region)
    before = secrets.describe_secret(SecretId=outputs["DBSecretArn"])["VersionIdsToStages"]
    run_job("tierstack rotate now", workdir, endpoint, suffix=suffix)
    after = secrets.describe_secret(SecretId=outputs["DBSecretArn"])["VersionIdsToStages"]
    assert current_version(after) != current_version(before)
