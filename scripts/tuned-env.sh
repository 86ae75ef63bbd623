# shellcheck shell=bash
# Source this file for the project's tuned Ansible settings, used by make and the tests:
# the mitogen strategy when the active Python has it (it runs modules in a persistent
# interpreter instead of a new process per task). Set TIERSTACK_STOCK_ANSIBLE=1 to skip it.
if [ -z "${TIERSTACK_STOCK_ANSIBLE:-}" ]; then
  if _tierstack_mitogen=$(python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null); then
    export ANSIBLE_STRATEGY_PLUGINS="$_tierstack_mitogen/plugins/strategy"
    export ANSIBLE_STRATEGY="${ANSIBLE_STRATEGY:-mitogen_linear}"
  fi
  unset _tierstack_mitogen
fi
