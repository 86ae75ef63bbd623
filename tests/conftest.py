"""Shared by every test: tierstack.aws must resolve from the checkout (the ignored .collections link)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from tierstack import REPO_ROOT

_link = REPO_ROOT / ".collections" / "ansible_collections" / "tierstack" / "aws"
if not _link.exists():
    subprocess.run([str(REPO_ROOT / "scripts" / "link-collection.sh")], check=True)
    # pyproject's pythonpath named .collections before it existed: forget the cached miss.
    sys.path_importer_cache.pop(str(REPO_ROOT / ".collections"), None)
    importlib.invalidate_caches()
