#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed, for the
# rotation tests that start a throwaway server on loopback. Idempotent: installs Debian's
# postgresql package with apt-get only when no server binaries are found.
# Prints the bin directory it found (or installed) on the last line.
set -euo pipefail

find_bindir() {
  if [ -n "${TIERSTACK_PG_BINDIR:-}" ] && [ -x "$TIERSTACK_PG_BINDIR/initdb" ]; then
    echo "$TIERSTACK_PG_BINDIR"; return 0
  fi
  local dir
  # Newest major version first.
  for dir in $(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -t/ -k4 -rn); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"; return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

if bindir=$(find_bindir); then
  echo "PostgreSQL server binaries: $bindir"
  echo "$bindir"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries are missing and apt-get is not available: install PostgreSQL (initdb, pg_ctl)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "PostgreSQL is missing and installing it needs root (or sudo)" >&2; exit 1
  fi
fi

echo "Installing Debian's postgresql with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The server package only; no cluster is created or started by the tests' use of it.
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null

if bindir=$(find_bindir); then
  echo "PostgreSQL server binaries: $bindir"
  echo "$bindir"
  exit 0
fi
echo "apt-get installed postgresql but no initdb was found under /usr/lib/postgresql" >&2
exit 1
