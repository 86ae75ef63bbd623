#!/usr/bin/env bash
# Mirror the root group_vars/ into the folders whose playbooks need it (playbooks/ and the molecule
# scenarios that have a group_vars there), one relative link per file. Links to directories are not
# used: ansible-test's symlinks sanity test and Galaxy reject them. Run it after adding a file under
# group_vars/ (tests/unit/test_collection.py fails until the mirrors are complete). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(playbooks)
for dir in extensions/molecule/*/; do
  dir=${dir%/}
  if [ -e "$dir/group_vars" ] || [ -L "$dir/group_vars" ]; then
    targets+=("$dir")
  fi
done
for target in "${targets[@]}"; do
  mirror="$target/group_vars"
  if [ -L "$mirror" ]; then
    rm "$mirror"
  fi
  # Drop links whose file is gone, then link every file of group_vars/.
  if [ -d "$mirror" ]; then
    find "$mirror" -type l ! -exec test -e {} \; -delete
  fi
  while IFS= read -r -d '' file; do
    rel=${file#group_vars/}
    link="$mirror/$rel"
    mkdir -p "$(dirname "$link")"
    up=$(dirname "$link" | sed -e 's|[^/][^/]*|..|g')
    want="$up/$file"
    if [ "$(readlink "$link" 2>/dev/null || true)" != "$want" ]; then
      rm -f "$link"
      ln -s "$want" "$link"
    fi
  done < <(find group_vars -type f -print0 | sort -z)
done
