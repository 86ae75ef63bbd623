#!/usr/bin/env bash
# ansible-test sanity for the tierstack.aws collection, offline apart from PyPI.
#
# ansible-test must run from a checkout at .../ansible_collections/<namespace>/<name>, so this copies
# the files git tracks (plus new, not ignored ones) to .cache/sanity/ansible_collections/tierstack/aws
# and runs `ansible-test sanity --venv --python 3.11` there: each sanity test gets a virtualenv built
# from ansible-test's own pinned requirements, no container engine needed.
#
# ansible-test bootstraps pip in those virtualenvs with a get-pip script downloaded from
# ci-files.testing.ansible.com, which this machine and CI cannot reach. A stand-in is written to the
# cache path ansible-test looks in first (~/.ansible/test/cache/get_pip_<version>.py): it runs
# `python -m ensurepip` and then `python -m pip install <the packages ansible-test asks for>` from PyPI.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments, e.g. --test pylint]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv_bin="$root/.venv/bin"

# The pip version ansible-test pins for its virtualenvs (python_requirements.get_venv_packages).
pip_version=$("$venv_bin/python" - <<'PY'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
cache="${HOME}/.ansible/test/cache"
standin="$cache/get_pip_${pip_version//./_}.py"
mkdir -p "$cache"
cat >"$standin" <<'PY'
"""tierstack's offline stand-in for get-pip.py (scripts/sanity.sh writes it): ensurepip, then pip install."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *args])
PY

dest="$root/.cache/sanity/ansible_collections/tierstack/aws"
rm -rf "$dest"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  # Skip what git lists but the working tree has removed; links are copied as links.
  if [ -e "$f" ] || [ -L "$f" ]; then
    mkdir -p "$dest/$(dirname "$f")"
    cp -P -p "$f" "$dest/$f"
  fi
done
# ansible-test treats the copy as the collection's git checkout only if it has its own repository.
git -C "$dest" init --quiet
# ansible-test writes its virtualenvs and results under tests/output/: not part of the collection.
echo /tests/output/ >>"$dest/.git/info/exclude"
git -C "$dest" add --all
git -C "$dest" -c user.name=sanity -c user.email=sanity@localhost commit --quiet --no-verify -m sanity

# The collections ours depends on (amazon.aws, community.aws, ...), from the venv's ansible package,
# beside the copy: ansible-test finds dependencies in the same ansible_collections folder.
bundled=$("$venv_bin/python" -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__file__) if ansible_collections.__file__ else list(ansible_collections.__path__)[0])')
for ns in "$bundled"/*/; do
  ns=$(basename "$ns")
  if [ "$ns" != tierstack ] && [ ! -e "$root/.cache/sanity/ansible_collections/$ns" ]; then
    ln -s "$bundled/$ns" "$root/.cache/sanity/ansible_collections/$ns"
  fi
done

cd "$dest"
export PATH="$venv_bin:$PATH"
exec ansible-test sanity --venv --python 3.11 --color no "$@"
