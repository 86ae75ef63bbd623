#!/usr/bin/env bash
# make test: lint, unit tests, integration tests and every molecule scenario, against an
# emulator started here on a test port (loopback only) and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export AWS_ENDPOINT_URL="http://127.0.0.1:${TIERSTACK_TEST_PORT:-4599}"
export TIERSTACK_STATE_DIR="$PWD/.emulator/test"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
# shellcheck source=scripts/tuned-env.sh
source scripts/tuned-env.sh

step() { printf '\n==== %s (%s) ====\n' "$*" "$(date -u +%H:%M:%S)"; }

step "lint: yamllint and ansible-lint (production profile)"
yamllint --strict .
ansible-lint --profile production
step "ansible-test sanity, Galaxy import"; scripts/sanity.sh; scripts/galaxy-import.sh

if [ -x scripts/ensure_postgresql.sh ]; then
  step "PostgreSQL server binaries (installed with apt-get if missing)"
  scripts/ensure_postgresql.sh
fi

step "emulator on $AWS_ENDPOINT_URL"
python -m tierstack.emulator up
trap 'python -m tierstack.emulator down >/dev/null || true' EXIT

step "pytest: unit and integration tests"
pytest -q --durations=15

step "molecule: every scenario"
for scenario in $(find molecule -mindepth 1 -maxdepth 1 -type d ! -name shared -printf '%f\n' | sort); do
  step "molecule test -s $scenario"
  molecule test -s "$scenario"
done
echo
echo "make test: all steps passed"
