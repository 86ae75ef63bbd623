"""Fidelity patches for the emulator: make moto behave as AWS does where it does not.

Each submodule of this package is one patch for one gap, with:

* ``GAP``: one sentence naming what moto gets wrong (the line in docs/emulator-gaps.md);
* ``apply()``: patches moto's models in the current process, idempotently;
* a unit test under tests/unit/ that shows the behaviour with and without the patch.

``tierstack.emulator_server`` calls :func:`apply_all` before it starts moto's server, so the
patches live only inside the emulator process.  Each patch is meant to be offered upstream and
removed once moto behaves the same.
"""

from __future__ import annotations

import importlib
import pkgutil


def patch_names() -> list[str]:
    """The submodules of this package, sorted: one per patch."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def apply_all() -> list[str]:
    """Apply every patch; return the names applied."""
    applied = []
    for name in patch_names():
        module = importlib.import_module(f"{__name__}.{name}")
        module.apply()
        applied.append(name)
    return applied
