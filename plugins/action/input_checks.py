# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of tierstack.aws.input_checks: a tier's input checks in one task (see the module's docs)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """Evaluate a list of checks in order, as that many ansible.builtin.assert tasks would, in one task."""

    _requires_connection = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(("checks",))

    @classmethod
    def finalize_task_arg(cls, name, value, templar, context):
        # Each check's conditions and message are templated here, lazily: a message only when its check fails,
        # and nothing of a check whose `when` is false (as a skipped assert task would be).
        if name == "checks":
            return value
        return super().finalize_task_arg(name, value, templar, context)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        checks = self._task.args.get("checks")
        if not isinstance(checks, list) or not checks:
            raise AnsibleActionFail("checks must be a non-empty list of {name, that, msg[, when]}")
        passed = 0
        for check in checks:
            if not isinstance(check, dict) or "that" not in check or "msg" not in check or \
                    set(check) - {"name", "that", "msg", "when"}:
                raise AnsibleActionFail(f"each check needs that and msg (and may have name and when); got {check!r}")
            when = check.get("when", [])
            if not all(self._templar.evaluate_conditional(conditional=c) for c in _as_list(when)):
                continue
            for that in _as_list(check["that"]):
                if not self._templar.evaluate_conditional(conditional=that):
                    result.update(failed=True, msg=self._templar.template(check["msg"]), assertion=that,
                                  check=check.get("name", ""), evaluated_to=False)
                    return result
            passed += 1
        result.update(changed=False, msg=f"{passed} checks passed", checks_passed=passed)
        return result


def _as_list(value):
    return value if isinstance(value, list) else [value]
