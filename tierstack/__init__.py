"""tierstack: deploy three-tier web stacks on AWS with Ansible.

The package holds the embedded AWS emulator controller (``tierstack.emulator``)
and the Python entry points that drive the playbooks.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["REPO_ROOT"]
