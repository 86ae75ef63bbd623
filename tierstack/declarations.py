"""The tiers' output declarations (``roles/<tier>/vars/outputs.yml``) read from Python.

Each tier role declares its outputs once, as a list ``<tier>_outputs`` of entries with a ``name``, a
``description``, a ``value`` (a Jinja template that the ``outputs`` role's ``publish`` entry point
renders) and an optional ``verify: true`` (a deployed stack always has a non-empty value). A name with a
``<Placeholder>`` (``<Service>BlueTargetGroupArn``) stands for one output per service or repository.

This module reads the declarations for the things derived from them: each role README's outputs table
(between the markers ``<!-- outputs:begin -->`` and ``<!-- outputs:end -->``; ``python -m
tierstack.declarations --write`` rewrites them), the expectations of ``playbooks/verify.yml`` and the
unit test that keeps them in step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from tierstack import REPO_ROOT

ROLES_DIR = REPO_ROOT / "roles"
BEGIN = "<!-- outputs:begin -->"
END = "<!-- outputs:end -->"
PLACEHOLDER = re.compile(r"<[A-Za-z]+>")
# What a placeholder stands for in a concrete output name (a capitalized service or repository name).
PLACEHOLDER_VALUE = "[A-Za-z0-9_-]+"


def declaration_path(role: str, roles_dir: Path = ROLES_DIR) -> Path:
    return roles_dir / role / "vars" / "outputs.yml"


def declared_roles(roles_dir: Path = ROLES_DIR) -> list[str]:
    """The roles that declare outputs, sorted by name."""
    return sorted(p.parent.parent.name for p in roles_dir.glob("*/vars/outputs.yml"))


def declaration(role: str, roles_dir: Path = ROLES_DIR) -> list[dict]:
    """The role's declared outputs, in declaration order."""
    data = yaml.safe_load(declaration_path(role, roles_dir).read_text(encoding="utf-8")) or {}
    key = f"{role}_outputs"
    if key not in data:
        raise KeyError(f"{declaration_path(role, roles_dir)} has no list {key}")
    return list(data[key])


def name_pattern(name: str) -> re.Pattern:
    """The regular expression of the concrete output names a declared name stands for."""
    parts = PLACEHOLDER.split(name)
    return re.compile("^" + PLACEHOLDER_VALUE.join(re.escape(p) for p in parts) + "$")


def owner(key: str, roles_dir: Path = ROLES_DIR) -> str | None:
    """The role that declares the output ``key``, or None."""
    for role in declared_roles(roles_dir):
        if any(name_pattern(o["name"]).match(key) for o in declaration(role, roles_dir)):
            return role
    return None


def expected(role: str, roles_dir: Path = ROLES_DIR) -> list[str]:
    """The names (or placeholder names) a deployed stack's tier always has non-empty (``verify: true``)."""
    return [o["name"] for o in declaration(role, roles_dir) if o.get("verify")]


def missing(role: str, outputs: dict[str, str], roles_dir: Path = ROLES_DIR) -> list[str]:
    """The expected outputs of ``role`` that ``outputs`` lacks or holds empty; the rule verify.yml applies."""
    out = []
    for name in expected(role, roles_dir):
        pattern = name_pattern(name)
        matching = [k for k in outputs if pattern.match(k)]
        if not matching or any(not outputs[k] for k in matching):
            out.append(name)
    return out


def readme_table(role: str, roles_dir: Path = ROLES_DIR) -> str:
    """The role README's outputs table, rendered from the declaration."""
    rows = ["| Output | Description |", "| --- | --- |"]
    for o in declaration(role, roles_dir):
        description = " ".join(str(o["description"]).split()).replace("|", "\\|")
        rows.append(f"| `{o['name']}` | {description} |")
    return "\n".join(rows)


def readme_section(role: str, roles_dir: Path = ROLES_DIR) -> str | None:
    """The text between the outputs markers of the role's README, or None when it has no markers."""
    text = (roles_dir / role / "README.md").read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def write_readme(role: str, roles_dir: Path = ROLES_DIR) -> bool:
    """Rewrite the role README's outputs table from the declaration; True when it changed."""
    path = roles_dir / role / "README.md"
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _table, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{readme_table(role, roles_dir)}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    stale = []
    for role in declared_roles():
        if "--write" in args:
            if write_readme(role):
                print(f"rewrote the outputs table of roles/{role}/README.md")
        elif readme_section(role) != readme_table(role):
            stale.append(role)
    for role in stale:
        print(f"roles/{role}/README.md: the outputs table differs from vars/outputs.yml (run python -m tierstack.declarations --write)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
