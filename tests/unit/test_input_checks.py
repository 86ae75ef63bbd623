"""tierstack.aws.input_checks (the tiers' input checks, one task per group): evaluated in order, the first
false condition fails with its own message, a check whose `when` is false is skipped without rendering its
message, and malformed checks are refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tierstack import REPO_ROOT

PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    n: 5
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Passing checks, one skipped whose message could not render
      tierstack.aws.input_checks:
        checks:
          - name: range
            that: [n | int > 1, n | int < 10]
            msg: "n is {{ n }}"
          - name: skipped
            that: false
            msg: "{{ undefined_variable.attribute }}"
            when: n | int > 100
      register: passed

    - name: The second check fails, the third is not reached
      tierstack.aws.input_checks:
        checks:
          - that: n | int > 1
            msg: first
          - name: above seven
            that: [n | int > 1, n | int > 7]
            msg: "n must be above 7; got {{ n }}."
          - that: "{{ undefined_variable.attribute }}"
            msg: never
      register: failed
      ignore_errors: true

    - name: A check without a message is refused
      tierstack.aws.input_checks:
        checks:
          - that: true
      register: malformed
      ignore_errors: true

    - name: Report
      ansible.builtin.copy:
        content: "{{ {'passed': passed, 'failed': failed, 'malformed': malformed} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def test_input_checks(tmp_path):
    play, out = tmp_path / "play.yml", tmp_path / "out.json"
    play.write_text(PLAY)
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(play),
                           "-e", f"out={out}"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert result["passed"]["checks_passed"] == 1 and not result["passed"]["changed"]
    assert not result["passed"].get("failed")
    failed = result["failed"]
    assert failed["failed"] and failed["msg"] == "n must be above 7; got 5."
    assert failed["check"] == "above seven" and failed["assertion"] == "n | int > 7"
    assert result["malformed"]["failed"] and "each check needs that and msg" in result["malformed"]["msg"]
