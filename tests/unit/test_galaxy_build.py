"""The collection tarball that `ansible-galaxy collection build` makes: what it holds and what it leaves out."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tierstack import REPO_ROOT

# Caches and local state: none may ship (galaxy.yml's build_ignore).
NEVER_SHIPPED = (".ansible/", ".cache/", ".pytest_cache/", ".venv/", ".emulator/", ".collections/", "outputs/",
                 "logs/", "bench/results/", "tests/output/", ".git/")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run([str(galaxy), "collection", "build", "--force", "--output-path", str(out), str(REPO_ROOT)],
                   check=True, capture_output=True, text=True)
    meta = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    path = out / f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def names(tarball):
    with tarfile.open(tarball) as tar:
        return sorted(m.name.removeprefix("./") for m in tar.getmembers())


def test_the_tarball_holds_the_collection(names):
    for required in ("MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml", "plugins/filter/tierstack.py",
                     "plugins/module_utils/tagging.py", "plugins/doc_fragments/application_autoscaling.py"):
        assert required in names, required
    modules = sorted(p.name for p in (REPO_ROOT / "plugins/modules").glob("*.py"))
    assert modules and all(f"plugins/modules/{m}" in names for m in modules)
    for role in sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if p.is_dir()):
        assert f"roles/{role}/README.md" in names, f"role {role} has no README"
        assert f"roles/{role}/meta/argument_specs.yml" in names, f"role {role} has no argument specs"


def test_no_cache_or_state_folder_ships(names):
    shipped = [n for n in names if n.startswith(NEVER_SHIPPED) or "/__pycache__/" in n or n.endswith(".pyc")]
    assert shipped == []


def test_no_second_copy_of_the_collection(names):
    # A nested ansible_collections/ folder (ansible-lint's or ansible-test's cache) would double the tarball.
    assert [n for n in names if "ansible_collections/" in n] == []
    assert len([n for n in names if n.endswith("galaxy.yml")]) <= 1
