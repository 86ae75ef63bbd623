"""Collection-wide checks: every module documents itself, and every AWS module joins the AWS action group
(the controller-side ones, documented in plugins/modules beside their action plugin, call no AWS API)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tierstack import REPO_ROOT

# Modules that run on the controller as action plugins (plugins/action/<name>.py), with no AWS call.
ACTION_MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "action").glob("*.py") if p.stem != "__init__")
MODULES = sorted(p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py")
                 if p.stem != "__init__" and p.stem not in ACTION_MODULES)
ANSIBLE_DOC = str(Path(sys.executable).parent / "ansible-doc")


@pytest.fixture(scope="module")
def docs():
    """ansible-doc's JSON for every module, in one call."""
    out = subprocess.run(
        [ANSIBLE_DOC, "--json"] + [f"tierstack.aws.{name}" for name in MODULES + ACTION_MODULES],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        env={"ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "PATH": str(Path(sys.executable).parent)},
    )
    return json.loads(out.stdout)


def test_there_are_modules():
    assert MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_renders_in_ansible_doc_with_examples_and_return(name, docs):
    doc = docs[f"tierstack.aws.{name}"]
    assert doc["doc"]["short_description"]
    assert doc["doc"].get("options")
    assert doc["examples"].strip()
    assert doc["return"]
    # ansible-doc merges the fragments away, so read them from the source's DOCUMENTATION
    source = _documentation(name)
    fragments = source.get("extends_documentation_fragment") or []
    assert {"amazon.aws.common.modules", "amazon.aws.region.modules", "amazon.aws.boto3"} <= set(fragments), fragments
    assert "supports_check_mode=True" in (REPO_ROOT / "plugins" / "modules" / f"{name}.py").read_text().replace(" ", "")


@pytest.mark.parametrize("name", ACTION_MODULES)
def test_action_module_renders_in_ansible_doc_with_examples_and_return(name, docs):
    doc = docs[f"tierstack.aws.{name}"]
    assert doc["doc"]["short_description"] and doc["doc"].get("options")
    assert doc["examples"].strip() and doc["return"]
    assert (REPO_ROOT / "plugins" / "modules" / f"{name}.py").is_file()
    assert "_supports_check_mode = True" in (REPO_ROOT / "plugins" / "action" / f"{name}.py").read_text()


def _documentation(name):
    import ast

    tree = ast.parse((REPO_ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{name} has no DOCUMENTATION")


def test_every_module_is_in_the_aws_action_group():
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())
    group = [m for m in runtime["action_groups"]["aws"] if isinstance(m, str)]
    assert sorted(group) == MODULES
    extends = [m for m in runtime["action_groups"]["aws"] if isinstance(m, dict)]
    assert extends[0]["metadata"]["extend_group"] == ["amazon.aws.aws", "community.aws.aws"]


def test_every_role_has_argument_specs_for_main_and_validate():
    for role in sorted(p for p in (REPO_ROOT / "roles").iterdir() if p.is_dir()):
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        assert "main" in specs, role.name
        if (role / "tasks" / "validate.yml").exists():
            assert specs.get("validate") == specs["main"], f"{role.name}: validate spec differs from main"


def test_group_vars_mirrors_are_complete_file_links():
    """playbooks/ and molecule scenarios see the root group_vars through one link per file (no directory link)."""
    sources = sorted(p.relative_to(REPO_ROOT / "group_vars") for p in (REPO_ROOT / "group_vars").rglob("*") if p.is_file())
    mirrors = [REPO_ROOT / "playbooks" / "group_vars"]
    scenarios = (REPO_ROOT / "extensions" / "molecule").iterdir()
    mirrors += sorted(d / "group_vars" for d in scenarios if (d / "group_vars").exists() or (d / "group_vars").is_symlink())
    for mirror in mirrors:
        where = mirror.relative_to(REPO_ROOT)
        assert not mirror.is_symlink(), f"{where} is a link to a directory: run scripts/link-group-vars.sh"
        for rel in sources:
            link = mirror / rel
            assert link.is_symlink() and link.resolve() == (REPO_ROOT / "group_vars" / rel).resolve(), (
                f"{where}/{rel} is missing or not a link to group_vars/{rel}: run scripts/link-group-vars.sh")
