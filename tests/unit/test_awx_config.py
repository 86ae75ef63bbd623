"""The AWX configuration as code (awx/): its data is consistent with the repository.

No AWX server runs here, so these tests check what can go wrong before one is reached: each
job template names a playbook that exists, the surveys apply the roles' suffix rule and offer
only profiles and services that exist, the workflow runs deploy then verify, and the playbook
passes ansible-playbook --syntax-check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from plugins.filter.tierstack import SUFFIX_RE, valid_suffix
from tierstack import REPO_ROOT, api

AWX = REPO_ROOT / "awx"


class _Loader(yaml.SafeLoader):
    """yaml.safe_load plus Ansible's !unsafe tag (AWX injector templates)."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass


@pytest.fixture(scope="module")
def data() -> dict:
    out: dict = {}
    for path in sorted((AWX / "group_vars" / "all").glob("*.yml")):
        out.update(_load(path))
    return out


@pytest.fixture(scope="module")
def stack_vars() -> dict:
    return _load(REPO_ROOT / "group_vars" / "all" / "main.yml")


def _templates(data):
    return data["tierstack_awx_job_templates"] + data["tierstack_awx_workflows"]


def _question(template, variable):
    matches = [q for q in template["survey_spec"]["spec"] if q["variable"] == variable]
    assert len(matches) == 1, f"{template['name']}: expected one survey question for {variable}"
    return matches[0]


def test_every_job_template_playbook_exists(data):
    for jt in data["tierstack_awx_job_templates"]:
        assert (REPO_ROOT / jt["playbook"]).is_file(), f"{jt['name']}: {jt['playbook']} is missing"


def test_the_job_templates_the_issue_asks_for_are_declared(data):
    playbooks = {jt["playbook"] for jt in data["tierstack_awx_job_templates"]}
    assert {"site.yml", "playbooks/teardown.yml", "playbooks/switch_traffic.yml", "playbooks/rotate_now.yml"} <= playbooks


def test_the_suffix_rule_is_the_roles_rule(data, stack_vars):
    assert data["tierstack_awx_suffix_pattern"] == SUFFIX_RE.pattern == api.SUFFIX_PATTERN
    assert data["tierstack_awx_suffix_max_length"] == stack_vars["tierstack_suffix_max_length"] == api.SUFFIX_MAX_LENGTH


def test_every_survey_asks_for_suffix_profile_and_region(data, stack_vars):
    for template in _templates(data):
        suffix = _question(template, "suffix")
        assert suffix["type"] == "text" and suffix["required"] is True
        assert suffix["min"] == 1
        assert suffix["max"] == stack_vars["tierstack_suffix_max_length"]
        assert data["tierstack_awx_suffix_pattern"] in suffix["question_description"]
        _question(template, "tierstack_profile")
        _question(template, "tierstack_region")


def test_the_survey_length_bounds_agree_with_the_rule(data):
    """What the survey lets through by length is exactly what valid_suffix bounds by length."""
    q = _question(data["tierstack_awx_job_templates"][0], "suffix")
    assert valid_suffix("a" * q["max"]) and not valid_suffix("a" * (q["max"] + 1))
    assert not valid_suffix("a" * (q["min"] - 1))


def test_profile_choices_exist(data, stack_vars):
    for template in _templates(data):
        q = _question(template, "tierstack_profile")
        assert q["default"] in q["choices"]
        for name in q["choices"]:
            group = REPO_ROOT / "group_vars" / f"profile_{name}"
            assert group.with_suffix(".yml").is_file() or group.is_dir(), f"no group_vars for profile {name}"
    assert stack_vars["tierstack_profile"] in q["choices"]
    # and every profile of the repository is offered
    profiles = {p.name.removeprefix("profile_").removesuffix(".yml") for p in (REPO_ROOT / "group_vars").glob("profile_*")}
    assert profiles == set(q["choices"])


def test_region_choices_pass_the_preflight_check(data):
    # roles/preflight/tasks/main.yml: tierstack_region is match('^[a-z]{2}(-gov)?-[a-z]+-[0-9]$')
    region_re = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
    for template in _templates(data):
        q = _question(template, "tierstack_region")
        assert q["default"] in q["choices"]
        assert all(region_re.match(r) for r in q["choices"])


def test_switch_traffic_asks_for_a_service_of_the_stack_and_a_weight(data, stack_vars):
    jt = next(t for t in data["tierstack_awx_job_templates"] if t["playbook"] == "playbooks/switch_traffic.yml")
    service = _question(jt, "service")
    assert set(service["choices"]) <= {s["name"] for s in stack_vars["tierstack_services"]}
    weight = _question(jt, "green_weight")
    assert (weight["type"], weight["min"], weight["max"]) == ("integer", 0, 100)
    rollback = _question(jt, "rollback")
    assert rollback["default"] == "false" and set(rollback["choices"]) == {"false", "true"}
    # The playbook reads these variables.
    text = (REPO_ROOT / "playbooks" / "switch_traffic.yml").read_text()
    assert all(var in text for var in ("service", "green_weight", "rollback | bool"))


def test_the_workflow_runs_deploy_then_verify(data):
    names = {jt["name"]: jt for jt in data["tierstack_awx_job_templates"]}
    (workflow,) = [w for w in data["tierstack_awx_workflows"] if w["name"] == "tierstack deploy and verify"]
    nodes = {n["identifier"]: n for n in workflow["workflow_nodes"]}
    for node in nodes.values():
        assert node["unified_job_template"]["name"] in names
        for edge in ("success_nodes", "failure_nodes", "always_nodes"):
            for target in node.get("related", {}).get(edge, []):
                assert target["identifier"] in nodes
    deploy = names[nodes["deploy"]["unified_job_template"]["name"]]
    verify = names[nodes["verify"]["unified_job_template"]["name"]]
    assert deploy["playbook"] == "site.yml"
    assert verify["playbook"] == "playbooks/verify.yml"
    assert nodes["deploy"]["related"]["success_nodes"] == [{"identifier": "verify"}]
    assert "related" not in nodes["verify"] or not any(nodes["verify"]["related"].values())


def test_inventories_point_at_the_repository(data):
    for inv in data["tierstack_awx_inventories"]:
        assert (REPO_ROOT / inv["source_path"]).is_file(), inv
    assert data["tierstack_awx_default_inventory"] in {i["name"] for i in data["tierstack_awx_inventories"]}


def test_the_emulator_credential_type_injects_the_endpoint_the_local_inventory_reads(data):
    (ctype,) = data["tierstack_awx_credential_types"]
    assert set(ctype["injectors"]["env"]) == {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    secret_fields = [f["id"] for f in ctype["inputs"]["fields"] if f.get("secret")]
    assert secret_fields == ["secret_key"]
    local = (REPO_ROOT / "inventories" / "local" / "group_vars" / "all.yml").read_text()
    assert "AWS_ENDPOINT_URL" in local


def test_the_configure_playbook_passes_syntax_check():
    ansible_playbook = Path(sys.executable).parent / "ansible-playbook"
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [str(ansible_playbook), "--syntax-check", "awx/configure.yml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
