"""Every fidelity patch of the emulator states its gap, applies, and is listed in docs/emulator-gaps.md."""

import importlib

import pytest

from tierstack import REPO_ROOT, fidelity

GAPS_DOC = (REPO_ROOT / "docs" / "emulator-gaps.md").read_text()


@pytest.mark.parametrize("name", fidelity.patch_names() or ["<none>"])
def test_patch_is_documented_and_applies(name):
    if name == "<none>":
        assert fidelity.apply_all() == []
        return
    module = importlib.import_module(f"tierstack.fidelity.{name}")
    assert module.GAP.strip(), f"{name}: GAP is empty"
    assert f"tierstack.fidelity.{name}" in GAPS_DOC, f"docs/emulator-gaps.md has no line naming tierstack.fidelity.{name}"
    module.apply()
    module.apply()  # idempotent
