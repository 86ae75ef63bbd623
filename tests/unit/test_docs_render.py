"""ansible-doc renders every module, filter and role of the collection, with no warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tierstack import REPO_ROOT

ANSIBLE_DOC = str(Path(sys.executable).parent / "ansible-doc")


def _plugins(kind):
    if kind == "module":
        return sorted(p.stem for p in (REPO_ROOT / "plugins/modules").glob("*.py") if not p.stem.startswith("_"))
    if kind == "filter":
        # Every name a FilterModule returns; each is documented by plugins/filter/<name>.yml.
        out = subprocess.run([ANSIBLE_DOC, "-t", "filter", "-l", "--json", "tierstack.aws"], capture_output=True, text=True,
                             check=True, cwd=REPO_ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg")))
        return sorted(n.split(".")[-1] for n in json.loads(out.stdout))
    return sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "meta/argument_specs.yml").is_file())


@pytest.mark.parametrize("kind", ["module", "filter", "role"])
def test_ansible_doc_renders_everything(kind):
    names = _plugins(kind)
    assert names
    result = subprocess.run([ANSIBLE_DOC, "-t", kind, "--json", *[f"tierstack.aws.{n}" for n in names]], capture_output=True,
                            text=True, cwd=REPO_ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg")),
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    docs = json.loads(result.stdout)
    assert sorted(docs) == sorted(f"tierstack.aws.{n}" for n in names)
    for name, doc in docs.items():
        if kind == "role":
            assert doc["entry_points"]["main"].get("short_description"), name
            continue
        assert doc["doc"].get("short_description"), name
        assert doc.get("examples"), f"{name} has no EXAMPLES"
        assert doc.get("return"), f"{name} has no RETURN"


def test_every_filter_is_documented():
    import importlib

    modules = [
        importlib.import_module(f"ansible_collections.tierstack.aws.plugins.filter.{p.stem}")
        for p in sorted((REPO_ROOT / "plugins/filter").glob("*.py"))
        if p.stem != "__init__"
    ]
    names = sorted(n for m in modules for n in m.FilterModule().filters())
    documented = sorted(p.stem for p in (REPO_ROOT / "plugins/filter").glob("*.yml"))
    assert names == documented
