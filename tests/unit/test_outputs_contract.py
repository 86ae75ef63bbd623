"""The outputs contract: every tier declares its outputs once (roles/<tier>/vars/outputs.yml), and
everything else that lists them (publishing, the README tables, verify.yml) derives from that
declaration or is checked against it here."""

from __future__ import annotations

import re

import pytest
import yaml

from tierstack import REPO_ROOT, declarations

ROLES = REPO_ROOT / "roles"
TIERS = yaml.safe_load((REPO_ROOT / "group_vars" / "all" / "main.yml").read_text())["tierstack_tiers"]
DECLARED = declarations.declared_roles()
NAME = re.compile(r"^([A-Z][A-Za-z0-9]*|<[A-Z][A-Za-z]*>)+$")


def yaml_tasks(path):
    return yaml.safe_load(path.read_text()) or []


def test_every_tier_declares_its_outputs():
    assert set(TIERS) <= set(DECLARED), f"tiers without roles/<tier>/vars/outputs.yml: {sorted(set(TIERS) - set(DECLARED))}"


@pytest.mark.parametrize("role", DECLARED)
def test_declaration_entries_are_complete(role):
    entries = declarations.declaration(role)
    assert entries, f"{role}: empty declaration"
    for entry in entries:
        assert set(entry) <= {"name", "description", "value", "verify"}, f"{role}: unknown keys in {entry}"
        assert NAME.match(entry["name"]), f"{role}: {entry['name']!r} is not a CamelCase output name"
        assert str(entry.get("description", "")).strip(), f"{role}: {entry['name']} has no description"
        assert "{{" in str(entry.get("value", "")), f"{role}: {entry['name']} has no value template"
        assert isinstance(entry.get("verify", False), bool), f"{role}: verify of {entry['name']} must be a boolean"
        if declarations.PLACEHOLDER.search(entry["name"]):
            # One output per service: the value must be a map from the placeholder to the value.
            assert "dict(" in entry["value"], f"{role}: {entry['name']} must map the placeholder to values with dict(...)"
    names = [e["name"] for e in entries]
    assert len(names) == len(set(names)), f"{role}: duplicate output names"


def test_output_names_are_unique_across_tiers():
    seen = {}
    for role in DECLARED:
        for entry in declarations.declaration(role):
            concrete = declarations.PLACEHOLDER.sub("Backend", entry["name"])
            owners = [r for r in DECLARED for e in declarations.declaration(r) if declarations.name_pattern(e["name"]).match(concrete)]
            assert set(owners) == {role}, f"{entry['name']} of {role} also matches an output of {sorted(set(owners) - {role})}"
            assert entry["name"] not in seen, f"{entry['name']} declared by {seen.get(entry['name'])} and {role}"
            seen[entry["name"]] = role


@pytest.mark.parametrize("role", DECLARED)
def test_readme_outputs_table_matches_the_declaration(role):
    section = declarations.readme_section(role)
    assert section is not None, f"roles/{role}/README.md lacks the {declarations.BEGIN} ... {declarations.END} markers"
    assert section == declarations.readme_table(role), (
        f"roles/{role}/README.md's outputs table is stale: run python -m tierstack.declarations --write"
    )


@pytest.mark.parametrize("role", DECLARED)
def test_role_publishes_and_withdraws_through_the_outputs_role(role):
    """present.yml ends by publishing through outputs/publish, absent.yml by withdrawing; nothing else
    writes tierstack_outputs, and no hand-kept list of output keys is left."""
    tasks_dir = ROLES / role / "tasks"
    for state in ("present", "absent"):
        tasks = yaml_tasks(tasks_dir / f"{state}.yml")
        publish = [t for t in tasks if (t.get("ansible.builtin.include_role") or {}).get("tasks_from") == "publish"]
        assert len(publish) == 1, f"{role}/{state}.yml must include outputs/publish once at top level"
        assert publish[0]["ansible.builtin.include_role"]["name"] == "outputs"
        assert publish[0]["vars"]["outputs_tier"] == role
        assert publish[0]["vars"]["outputs_state"] == state
    for path in list((ROLES / role).rglob("*.yml")):
        text = path.read_text()
        assert f"{role}_output_keys" not in text, f"{path}: a hand-kept output key list"
        assert not re.search(r"^\s+tierstack_outputs:", text, re.M) or path.parent.name == "defaults", (
            f"{path} sets tierstack_outputs itself; publish through the outputs role"
        )


def test_verify_playbook_derives_its_expectations_from_the_declarations():
    text = (REPO_ROOT / "playbooks" / "verify.yml").read_text()
    assert "/vars/outputs.yml" in text and "selectattr('verify')" in text
    # No output name of any declaration is spelt out as an expectation in verify.yml.
    plays = yaml.safe_load(text)
    for play in plays:
        for name, value in (play.get("vars") or {}).items():
            if isinstance(value, (dict, list)):
                flat = yaml.safe_dump(value)
                for role in DECLARED:
                    for entry in declarations.declaration(role):
                        assert entry["name"] not in flat, f"verify.yml's {name} lists {entry['name']} by hand"


def test_missing_follows_the_verify_rule():
    outputs = {"ALBDNSName": "x", "ALBArn": "a", "ALBFullName": "f", "ALBCanonicalHostedZoneId": "z",
               "ALBListenerArn": "l", "ALBHttpListenerArn": "h",
               "BackendBlueTargetGroupArn": "b", "BackendGreenTargetGroupArn": ""}
    assert declarations.missing("alb", outputs) == ["<Service>GreenTargetGroupArn"]
    outputs["BackendGreenTargetGroupArn"] = "g"
    assert declarations.missing("alb", outputs) == []
    del outputs["ALBDNSName"]
    assert declarations.missing("alb", outputs) == ["ALBDNSName"]


def test_name_pattern_and_owner():
    assert declarations.name_pattern("<Service>BlueTargetGroupArn").match("FrontendBlueTargetGroupArn")
    assert not declarations.name_pattern("<Service>BlueTargetGroupArn").match("BlueTargetGroupArn")
    assert declarations.owner("FrontendRepoURI") == "ecr"
    assert declarations.owner("VpcId") == "vpc"
    assert declarations.owner("NoSuchOutput") is None


def test_docs_describe_the_format():
    text = (REPO_ROOT / "docs" / "development.md").read_text()
    assert "## How a tier declares its outputs" in text


@pytest.mark.parametrize("role", DECLARED)
def test_inputs_from_earlier_tiers_come_through_defaults(role):
    """A tier's tasks never template tierstack_outputs: the values of earlier tiers reach them only through
    the role's defaults (typed in argument_specs), so a user can point the tier at resources outside the stack."""
    for path in sorted((ROLES / role / "tasks").glob("*.yml")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.search(r"\{\{[^}]*tierstack_outputs", line), f"{path}:{number} reads tierstack_outputs; add a default"
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    for name, value in defaults.items():
        if "tierstack_outputs" in str(value):
            assert name in specs, f"roles/{role}: {name} takes an earlier tier's output but is not in argument_specs"
