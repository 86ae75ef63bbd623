#!/usr/bin/env bash
# Make tierstack.aws resolvable from a checkout: .collections/ansible_collections/tierstack/aws -> the
# repository root. ansible.cfg's collections_path starts with .collections. The link is not committed
# (.gitignore): ansible-test and Galaxy reject directory links, and AWX installs the collection from
# collections/requirements.yml instead. Idempotent; make and the tests run it.
set -euo pipefail
cd "$(dirname "$0")/.."
link=.collections/ansible_collections/tierstack/aws
if [ "$(readlink "$link" 2>/dev/null || true)" != "../../.." ]; then
  mkdir -p "$(dirname "$link")"
  rm -rf "$link"
  ln -s ../../.. "$link"
fi
