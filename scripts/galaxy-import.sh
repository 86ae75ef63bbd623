#!/usr/bin/env bash
# Build the collection tarball and run Galaxy's importer (the galaxy-importer package) on it, as
# Galaxy does on upload. galaxy-importer lives in its own virtualenv, .cache/galaxy-importer, built
# from tests/galaxy/requirements.txt (PyPI only); its settings (tests/galaxy/galaxy-importer.cfg) need no
# container engine. Exits non-zero when the importer rejects the tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv="$root/.cache/galaxy-importer"
stamp="$venv/.installed"
if [ ! -f "$stamp" ] || [ tests/galaxy/requirements.txt -nt "$stamp" ]; then
  python3.11 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/galaxy/requirements.txt
  touch "$stamp"
fi
out="$root/.cache/galaxy-build"
rm -rf "$out"
mkdir -p "$out"
"$root/.venv/bin/ansible-galaxy" collection build --force --output-path "$out" "$root" >/dev/null
tarball=$(find "$out" -name 'tierstack-aws-*.tar.gz' -print -quit)
log="$out/import.log"
cd "$out"  # the importer writes importer_result.json to the current folder
GALAXY_IMPORTER_CONFIG="$root/tests/galaxy/galaxy-importer.cfg" PATH="$venv/bin:$PATH" \
  "$venv/bin/python" -m galaxy_importer.main "$tarball" >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E 'WARNING|ERROR' "$log" || true
tail -n 1 "$log"
grep -q 'Importer processing completed successfully' "$log"
