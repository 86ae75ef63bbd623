#!/usr/bin/env bash
# make diagrams: for each profile, deploy a stack against the emulator, draw it from its live state
# (python -m tierstack diagram) into docs/diagrams/<profile>.svg and .png, and tear it down.
# PROFILES="media_streaming ecommerce" narrows the profiles; KEEP=1 leaves the stacks deployed.
# SUFFIX=x (with one profile) converges and draws that stack instead, and leaves it deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
scripts/ensure_graphviz.sh >/dev/null
python -m tierstack.emulator up >/dev/null

profiles=${PROFILES:-}
if [ -z "$profiles" ]; then
  profiles=$(find group_vars -mindepth 1 -maxdepth 1 -name 'profile_*' -printf '%f\n' | sed -n 's/^profile_\([a-z0-9_]*\)\(\.yml\)\{0,1\}$/\1/p' | sort -u)
fi

for profile in $profiles; do
  suffix="pic-$(echo "$profile" | tr '_' '-' | cut -c1-12)"
  suffix=${SUFFIX:-${suffix%-}}
  echo "== $profile (suffix $suffix)"
  make --no-print-directory deploy SUFFIX="$suffix" PROFILE="$profile"
  python -m tierstack diagram "$suffix" --profile "$profile" -o "docs/diagrams/$profile"
  if [ -z "${KEEP:-}" ] && [ -z "${SUFFIX:-}" ]; then
    make --no-print-directory destroy SUFFIX="$suffix" PROFILE="$profile"
  fi
done
