# shellcheck shell=bash
# Source this file for the project's Ansible settings, used by make and the tests. Ansible's stock
# linear strategy is the default: cancelling a run (SIGTERM/SIGKILL of its process group, as AWX
# does) leaves no process behind. TIERSTACK_MITOGEN=1 opts in to the mitogen strategy when the active
# Python has it (modules run in a persistent interpreter); TIERSTACK_STOCK_ANSIBLE=1 always wins.
if [ -n "${TIERSTACK_MITOGEN:-}" ] && [ -z "${TIERSTACK_STOCK_ANSIBLE:-}" ]; then
  if _tierstack_mitogen=$(python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null); then
    export ANSIBLE_STRATEGY_PLUGINS="$_tierstack_mitogen/plugins/strategy"
    export ANSIBLE_STRATEGY="${ANSIBLE_STRATEGY:-mitogen_linear}"
  fi
  unset _tierstack_mitogen
fi
