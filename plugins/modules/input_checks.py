#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: input_checks
short_description: Check a tier's inputs in one task, each check with its own message
version_added: 1.0.0
description:
  - Evaluates O(checks) in order, on the controller, as that many M(ansible.builtin.assert) tasks would, and
    fails on the first check with a false condition, with that check's message.
  - A check whose O(checks[].when) is false is skipped, and its message is not rendered.
  - One task instead of one per check, since each task of a play costs a process on the controller, and the
    tiers' input checks run before every deploy, teardown and verify.
  - Makes no API call.
options:
  checks:
    description: The checks, in the order they are made.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: What the check is about, returned as RV(check) when it fails.
        type: str
      that:
        description: Conditional expressions (as in M(ansible.builtin.assert)), all of which must be true.
        type: list
        elements: str
        required: true
      msg:
        description: The message when one of O(checks[].that) is false; a template, rendered only then.
        type: str
        required: true
      when:
        description: Conditional expressions; unless all are true, the check is skipped.
        type: list
        elements: str
attributes:
  check_mode:
    support: full
    description: Reads variables only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so it has no diff.
  platform:
    platforms: all
    description: Runs on the controller.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
author:
  - tierstack maintainers (@tierstack)
"""

EXAMPLES = r"""
- name: Check the data tier's inputs
  tierstack.aws.input_checks:
    checks:
      - name: reader count
        that:
          - rds_aurora_reader_count | int >= 0
          - rds_aurora_reader_count | int <= 15
        msg: rds_aurora_reader_count must be 0 to 15; got {{ rds_aurora_reader_count }}.
      - name: instance class
        that: rds_aurora_instance_class is match('^db\.')
        msg: rds_aurora_instance_class '{{ rds_aurora_instance_class }}' is not an instance class.
        when: rds_aurora_capacity_mode == 'provisioned'
"""

RETURN = r"""
msg:
  description: The failed check's message, or how many checks passed.
  returned: always
  type: str
check:
  description: The O(checks[].name) of the check that failed.
  returned: failure
  type: str
assertion:
  description: The condition that was false.
  returned: failure
  type: str
checks_passed:
  description: How many checks were made and passed (those skipped by their O(checks[].when) are not counted).
  returned: success
  type: int
"""
