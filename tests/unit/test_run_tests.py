"""scripts/run-tests.sh discovers its parts: every molecule scenario and integration test file joins
make test on its own, and make test-fast keeps only lint, unit tests and the bad-input tests."""

from __future__ import annotations

import glob
import subprocess
from pathlib import Path

import yaml

from tierstack import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "run-tests.sh"


def _parts(*args: str) -> dict[str, str]:
    out = subprocess.run(["bash", str(SCRIPT), "--list", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
    return {name: emulator for name, emulator, _cmd in rows}


def test_every_scenario_and_test_file_is_a_part():
    parts = _parts("--all")
    scenarios = {p.parent.name for p in (REPO_ROOT / "extensions" / "molecule").glob("*/molecule.yml")}
    files = {p.stem for p in (REPO_ROOT / "tests" / "integration").glob("test_*.py")}
    assert {f"molecule:{s}" for s in scenarios} <= parts.keys()
    assert {f"pytest:{f}" for f in files} <= parts.keys()
    assert {"lint", "unit"} <= parts.keys()
    assert all(parts[f"molecule:{s}"] == "emulator=1" for s in scenarios)


def test_fast_subset_needs_no_emulator():
    parts = _parts("--fast")
    assert parts
    assert {"lint", "unit"} <= parts.keys()
    assert all(name in ("lint", "unit") or name.startswith("pytest:test_bad_input_") for name in parts)
    assert set(parts.values()) == {"emulator=0"}


def test_make_test_leaves_out_only_the_opt_in_parts():
    left_out = set(_parts("--all")) - set(_parts())
    assert left_out == {"pytest:test_credentials_single_source", "pytest:test_stack_lock",
                        "molecule:media_processing", "molecule:ecommerce", "molecule:flask_api", "molecule:vpc", "molecule:data",
                        "molecule:container", "pytest:test_awx_jobs"}


def test_the_default_converge_runs_the_awx_jobs_that_make_test_leaves_out():
    """test_awx_jobs is opt-in because extensions/molecule/default runs the same job templates on its converge."""
    source = (REPO_ROOT / "extensions" / "molecule" / "default" / "tests" / "test_stack.py").read_text()
    for job in ("tierstack deploy", "tierstack verify"):
        assert f'run_job("{job}"' in source, job
    assert "run_day2_jobs(" in source
    day2 = (REPO_ROOT / "tierstack" / "awx_jobs.py").read_text()
    assert 'run_job("tierstack switch traffic"' in day2 and 'run_job("tierstack rotate now"' in day2


def test_the_scenarios_make_test_leaves_out_are_verified_against_the_default_converge():
    """extensions/molecule/default runs the verify tests of vpc, data and container against its own stack."""
    config = yaml.safe_load((REPO_ROOT / "extensions" / "molecule" / "default" / "molecule.yml").read_text())
    extra = config["verifier"]["additional_files_or_dirs"]
    tests_dir = REPO_ROOT / "extensions" / "molecule" / "default" / "tests"
    for scenario in ("vpc", "data", "container"):
        # molecule globs each entry from the verifier's directory, as glob.glob does here
        found = [Path(p).resolve() for pattern in extra for p in glob.glob(str(tests_dir / pattern))
                 if f"/{scenario}/tests/" in str(Path(p).resolve())]
        assert found, scenario
        assert set(found) == set((REPO_ROOT / "extensions" / "molecule" / scenario / "tests").glob("test_*.py")), scenario
    assert config["verifier"]["env"]["TIERSTACK_TEST_SUFFIX"] == "mol-full"


def test_patterns_select_parts():
    assert set(_parts("molecule:vpc", "unit")) == {"molecule:vpc", "unit"}
    assert Path(SCRIPT).stat().st_mode & 0o111
