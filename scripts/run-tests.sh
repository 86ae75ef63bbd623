#!/usr/bin/env bash
# make test: lint, ansible-test sanity, unit tests, integration tests and every molecule scenario.
# make test-fast (--fast): lint, unit tests and the bad-input tests only.
# make test-all (--all): also the parts listed in OPT_IN below (long, or not yet seen passing here).
#
# The suite is a list of independent parts (declared below with `part`). They run concurrently
# in TIERSTACK_TEST_JOBS lanes (default: CPUs + 1, since part of every run is spent waiting).
# Lane i has its own emulator on port TIERSTACK_TEST_PORT+i (default 4599+i) with its own state
# directory, started on the first part that needs it and reset before each part, so parts never
# see each other's resources. Each part writes its own log (.cache/tests/<part>.log), printed
# when the part fails; the end is a table of part, status and wall time, and a pytest-style
# summary line of every pytest part. Exit status: non-zero if any part failed. Every emulator
# and every running part is stopped on exit, also on Ctrl-C.
#
# Options: --fast (the inner-loop subset), --all (the OPT_IN parts too), --jobs N, --list (print the parts and exit),
#          PATTERN... (only parts whose name contains one of the patterns, opt-in parts included).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
# shellcheck source=scripts/tuned-env.sh
source scripts/tuned-env.sh

FAST=0 ALL=0 LIST=0 PATTERNS=()
JOBS="${TIERSTACK_TEST_JOBS:-$(($(nproc) + 1))}"
BASE_PORT="${TIERSTACK_TEST_PORT:-4599}"
PART_TIMEOUT="${TIERSTACK_TEST_PART_TIMEOUT:-2700}"
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) FAST=1 ;;
    --all) ALL=1 ;;
    --list) LIST=1 ;;
    --jobs) JOBS="$2"; shift ;;
    --jobs=*) JOBS="${1#--jobs=}" ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) PATTERNS+=("$1") ;;
  esac
  shift
done
LOG_DIR="${TIERSTACK_TEST_LOGS:-$PWD/.cache/tests}"
DURATIONS="$LOG_DIR/durations.tsv"   # wall time of each part in the last run: longest first next time
mkdir -p "$LOG_DIR"

# ---- the parts: part NAME EMULATOR(0|1) ESTIMATE_S COMMAND ------------------------------------
NAMES=() EMUS=() CMDS=() ESTS=()
# Parts that only make test-all runs. The vpc, data and container scenarios deploy subsets of the
# default scenario's stack with the same settings, and extensions/molecule/default runs their verify tests against
# its own converge (one converge for four scenarios); it also runs the AWX deploy, verify, switch traffic
# and rotate now jobs on that converge, so test_awx_jobs (the same jobs, plus teardown, on a stack of its
# own) is opt-in too. The others take long deploys of their own on top of the scenarios (see the README's
# Tests section).
OPT_IN=" molecule:vpc molecule:data molecule:container pytest:test_awx_jobs pytest:test_credentials_single_source pytest:test_stack_lock molecule:media_processing molecule:ecommerce molecule:flask_api "
part() {
  local name=$1 emu=$2 est=$3; shift 3
  if [ ${#PATTERNS[@]} -gt 0 ]; then   # a part named by a pattern runs, opt-in or not
    local p hit=0
    for p in "${PATTERNS[@]}"; do [[ "$name" == *"$p"* ]] && hit=1; done
    [ $hit = 1 ] || return 0
  elif [ $ALL = 0 ] && [[ "$OPT_IN" == *" $name "* ]]; then
    return 0
  fi
  NAMES+=("$name"); EMUS+=("$emu"); ESTS+=("$est"); CMDS+=("$*")
}
PYTEST="pytest -q -p no:cacheprovider --durations=5"

# --offline: the collections it would install are in .venv already (ansible bundles them); without it,
# ansible-lint tries Galaxy first, which hangs for minutes where there is no internet.
part lint 0 150 "yamllint --strict . && ansible-lint --offline --profile production"
# ansible-test sanity (every test, its own virtualenvs, no emulator); `make sanity` also runs the Galaxy import.
[ $FAST = 1 ] || part sanity 0 240 "scripts/sanity.sh"
part unit 0 90 "$PYTEST tests/unit app/backend/tests app/frontend/tests"
for f in tests/integration/test_*.py; do
  case "$f" in
    */test_bad_input_*) part "pytest:$(basename "$f" .py)" 0 150 "$PYTEST $f" ;;
    # The runner test drives the CLI's deploy and destroy; extensions/molecule/default deploys every tier already,
    # so make test gives it the network, data and registry tiers (the data tier has the secret it checks
    # stays hidden). make test-all deploys every tier through the runner too.
    */test_runner.py) [ $FAST = 1 ] || part "pytest:test_runner" 1 300 \
      "$([ $ALL = 1 ] || echo 'TIERSTACK_RUNNER_TEST_TIERS=vpc,rds_aurora,ecr ')$PYTEST $f" ;;
    # The AWX jobs deploy a whole stack first (make test-all): start them early (longest first, before any durations.tsv).
    */test_awx_jobs.py) [ $FAST = 1 ] || part "pytest:test_awx_jobs" 1 700 "$PYTEST $f" ;;
    *) [ $FAST = 1 ] || part "pytest:$(basename "$f" .py)" 1 90 "$PYTEST $f" ;;
  esac
done
if [ $FAST = 0 ]; then
  for dir in extensions/molecule/*/; do
    scenario=$(basename "$dir")
    [ -f "$dir/molecule.yml" ] || continue   # extensions/molecule/shared holds shared playbooks only
    est=400; [ "$scenario" = default ] && est=900
    part "molecule:$scenario" 1 "$est" "molecule test -s $scenario"
  done
fi
# The chaos slice (faults, a kill, a concurrent pair) runs as `make chaos-slice` (about 20 minutes on
# its own; docs/reliability.md).
# ------------------------------------------------------------------------------------------------

[ ${#NAMES[@]} -gt 0 ] || { echo "no part matches: ${PATTERNS[*]}" >&2; exit 2; }
[ "$JOBS" -ge 1 ] 2>/dev/null || { echo "--jobs must be a positive number" >&2; exit 2; }

# Longest first (last run's wall time, else the estimate): the long parts start at once.
order=()
while read -r _ idx; do order+=("$idx"); done < <(
  for i in "${!NAMES[@]}"; do
    est=$(awk -F'\t' -v n="${NAMES[$i]}" '$1 == n { print int($2) }' "$DURATIONS" 2>/dev/null | tail -1 || true)
    echo "${est:-${ESTS[$i]}} $i"
  done | sort -k1,1nr -k2,2n)

if [ $LIST = 1 ]; then
  for i in "${order[@]}"; do printf '%-45s emulator=%s  %s\n' "${NAMES[$i]}" "${EMUS[$i]}" "${CMDS[$i]}"; done
  exit 0
fi

[ "$JOBS" -le ${#NAMES[@]} ] || JOBS=${#NAMES[@]}
lane_port() { echo $((BASE_PORT + $1)); }
lane_env() {  # the environment of lane $1 (its emulator endpoint and state directory)
  local port; port=$(lane_port "$1")
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" TIERSTACK_TEST_PORT="$port"
  export TIERSTACK_STATE_DIR="$PWD/.emulator/test-$port"
}
logfile() { echo "$LOG_DIR/${1//[:\/]/_}.log"; }

declare -A PID_IDX=() PID_LANE=() START=() STATUS=() WALL=()
FREE_LANES=()
for ((l = 0; l < JOBS; l++)); do FREE_LANES+=("$l"); done

cleanup() {
  local pid l
  for pid in "${!PID_IDX[@]}"; do kill -INT -- "-$pid" 2>/dev/null || true; done
  if [ ${#PID_IDX[@]} -gt 0 ]; then
    sleep 5   # let pytest run its fixture teardown (PostgreSQL servers, emulators it started)
    for pid in "${!PID_IDX[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  fi
  for ((l = 0; l < JOBS; l++)); do
    (lane_env "$l"; python -m tierstack.emulator down >/dev/null 2>&1 || true) &
  done
  wait
}
trap cleanup EXIT
trap 'echo "interrupted: stopping the running parts and the emulators" >&2; exit 130' INT TERM

if [ -x scripts/ensure_graphviz.sh ]; then
  echo "graphviz (installed with apt-get if missing), for the diagram tests: $(scripts/ensure_graphviz.sh | tail -1)"
fi
if [ -x scripts/ensure_postgresql.sh ]; then
  echo "PostgreSQL server binaries (installed with apt-get if missing): $(scripts/ensure_postgresql.sh | tail -1)"
fi

run_part() {  # in a subshell of its own process group: lane $1, part $2
  local lane=$1 i=$2
  lane_env "$lane"
  exec >"$(logfile "${NAMES[$i]}")" 2>&1
  echo "# ${NAMES[$i]} on lane $lane (emulator $AWS_ENDPOINT_URL): ${CMDS[$i]}"
  if [ "${EMUS[$i]}" = 1 ]; then
    python -m tierstack.emulator up >/dev/null && python -m tierstack.emulator reset >/dev/null || exit 97
  fi
  exec timeout --signal=INT --kill-after=60 "$PART_TIMEOUT" bash -c "${CMDS[$i]}"
}

T0=$(date +%s.%N)
echo "make test: ${#NAMES[@]} parts in $JOBS lanes (emulators on ports $BASE_PORT..$((BASE_PORT + JOBS - 1))), logs in $LOG_DIR"
set -m   # each part in its own process group, so that cleanup stops all it started
next=0 failed=0
while [ $next -lt ${#order[@]} ] || [ ${#PID_IDX[@]} -gt 0 ]; do
  while [ $next -lt ${#order[@]} ] && [ ${#FREE_LANES[@]} -gt 0 ]; do
    i=${order[$next]}; next=$((next + 1))
    lane=${FREE_LANES[0]}; FREE_LANES=("${FREE_LANES[@]:1}")
    run_part "$lane" "$i" &
    PID_IDX[$!]=$i; PID_LANE[$!]=$lane; START[$i]=$(date +%s.%N)
    printf '%s start  %s (lane %s)\n' "$(date -u +%H:%M:%S)" "${NAMES[$i]}" "$lane"
  done
  rc=0
  wait -n -p done_pid "${!PID_IDX[@]}" || rc=$?
  [ -n "${done_pid:-}" ] || continue
  i=${PID_IDX[$done_pid]}; lane=${PID_LANE[$done_pid]}
  unset "PID_IDX[$done_pid]" "PID_LANE[$done_pid]"; done_pid=
  FREE_LANES+=("$lane")
  WALL[$i]=$(awk -v a="${START[$i]}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ $rc = 0 ]; then STATUS[$i]=passed; else STATUS[$i]="FAILED (rc $rc)"; failed=$((failed + 1)); fi
  printf '%s %-6s %s (%ss)\n' "$(date -u +%H:%M:%S)" "$([ "$rc" = 0 ] && echo "done" || echo FAIL)" "${NAMES[$i]}" "${WALL[$i]}"
  if [ $rc != 0 ]; then
    log=$(logfile "${NAMES[$i]}")
    echo "---- ${NAMES[$i]} failed; its log ($log, last 300 lines) ----"
    tail -n 300 "$log"
    echo "---- end of ${NAMES[$i]} ----"
  fi
done
set +m
TOTAL=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# Remember each part's wall time for the next run's order (other parts' entries are kept).
{
  for i in "${order[@]}"; do printf '%s\t%s\n' "${NAMES[$i]}" "${WALL[$i]}"; done
  if [ -f "$DURATIONS" ]; then cat "$DURATIONS"; fi
} | awk -F'\t' '!seen[$1]++' >"$DURATIONS.new"
mv "$DURATIONS.new" "$DURATIONS"

echo
printf '%-45s %-16s %9s\n' PART STATUS WALL
for i in "${order[@]}"; do printf '%-45s %-16s %8ss\n' "${NAMES[$i]}" "${STATUS[$i]}" "${WALL[$i]}"; done
printf '%-45s %-16s %8ss\n' "total ($JOBS lanes)" "$([ $failed = 0 ] && echo passed || echo "$failed FAILED")" "$TOTAL"

# One pytest-style closing line adding up every pytest part and every scenario's verify (CI reads it).
summary=$(for i in "${order[@]}"; do
  [[ "${NAMES[$i]}" == pytest:* || "${NAMES[$i]}" == unit || "${NAMES[$i]}" == molecule:* ]] || continue
  line=$(grep -E '^=*\s*([0-9]+ [a-z]+(, )?)+ in [0-9.]+s|no tests ran' "$(logfile "${NAMES[$i]}")" | tail -1)
  # no summary line at all: a pytest part crashed (a scenario may have failed before its verify)
  [[ "${NAMES[$i]}" == molecule:* ]] || echo "${line:-1 error}"
  [[ "${NAMES[$i]}" != molecule:* ]] || echo "$line"
done | grep -oE '[0-9]+ (passed|failed|errors?|skipped|xfailed|xpassed|deselected)' |
  awk '{ k = ($2 == "error") ? "errors" : $2; n[k] += $1 }
       END { s = ""; split("failed passed skipped deselected xfailed xpassed errors", o, " ")
             for (j = 1; j <= 7; j++) if (n[o[j]]) s = s (s ? ", " : "") n[o[j]] " " o[j]; print s }')
echo "========== ${summary:-no tests ran} in ${TOTAL}s =========="
if [ $failed != 0 ]; then
  echo "make test: $failed part(s) failed" >&2
  exit 1
fi
echo "make test: all parts passed"
