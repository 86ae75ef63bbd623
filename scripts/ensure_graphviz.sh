#!/usr/bin/env bash
# Make sure graphviz's dot is installed, for `python -m tierstack diagram` and `make diagrams`.
# Idempotent: installs Debian's graphviz package with apt-get only when dot is missing.
set -euo pipefail

if command -v dot >/dev/null 2>&1; then
  echo "graphviz: $(command -v dot)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "graphviz (dot) is missing and apt-get is not available: install graphviz" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "graphviz is missing and installing it needs root (or sudo)" >&2; exit 1
  fi
fi

echo "Installing Debian's graphviz with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends graphviz >/dev/null
command -v dot >/dev/null 2>&1 || { echo "apt-get installed graphviz but dot is not on PATH" >&2; exit 1; }
echo "graphviz: $(command -v dot)"
