# tierstack: make deploy | make test | make destroy SUFFIX=x | make bench
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUFFIX ?= demo
PROFILE ?= media_streaming
INVENTORY ?= inventories/local
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Ansible settings: the stock linear strategy, or mitogen with TIERSTACK_MITOGEN=1 (scripts/tuned-env.sh).
TUNED := source scripts/tuned-env.sh &&
# deploy/destroy only: one progress line per tier (the tierstack.aws.tiers callback), the full
# output in logs/<suffix>/. V=1 (or TIERSTACK_VERBOSE=1) shows the full output live too.
# TIERS=vpc,ecr runs only those tiers.
TIERS ?=
comma := ,
TIERS_ARG = $(if $(TIERS),-e '{"tierstack_tiers": ["$(subst $(comma),"$(comma) ",$(TIERS))"]}')
PROGRESS = ANSIBLE_STDOUT_CALLBACK=tierstack.aws.tiers $(if $(V),TIERSTACK_VERBOSE=1) \
	TIERSTACK_RERUN_COMMAND='make $(1) SUFFIX=$(SUFFIX)$(if $(filter command line environment,$(origin PROFILE)), PROFILE=$(PROFILE))$(if $(filter-out inventories/local,$(INVENTORY)), INVENTORY=$(INVENTORY)) TIERS={tier}'

.PHONY: chaos chaos-slice sanity test-all help venv collection-link emulator-up emulator-down emulator-status deploy destroy outputs test test-fast lint unit molecule bench clean diagrams

help:
	@echo "make deploy [SUFFIX=demo] [PROFILE=media_streaming]  build .venv, start the emulator, deploy, print outputs"
	@echo "make destroy SUFFIX=x                                 tear the stack down"
	@echo "make test [TEST_JOBS=n]                               lint, unit and integration tests, molecule scenarios, in parallel lanes"
	@echo "make test-fast                                        lint, unit tests and the bad-input tests (the inner loop)"
	@echo "make bench                                            benchmark against the emulator (docs/benchmarks.md)"
	@echo "make diagrams [PROFILES=...]                          draw each profile's deployed stack into docs/diagrams/"

venv: $(STAMP) collection-link

# Bytecode: pip compiles serially, and would also compile the ~40 collections of the ansible package
# that tierstack never loads; compileall does the rest on every CPU instead (80 s -> 50 s here). The
# bytecode must be there: where PYTHONDONTWRITEBYTECODE is set, Python never writes it itself, and
# every module run would then compile botocore and ansible anew.
# pip's own output (and whatever warnings this machine's pip configuration adds) goes to a log in the
# venv: the screen gets one line, or the log's end if the install fails.
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make: installing requirements.txt into $(VENV) (log: $(VENV)/pip-install.log)"
	@{ $(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet --no-compile -r requirements.txt; } \
	  > $(VENV)/pip-install.log 2>&1 || { tail -n 40 $(VENV)/pip-install.log; exit 1; }
	@$(BIN)/python -m compileall -qq -j 0 -x '/ansible_collections/(?!amazon/|community/aws/)' $(VENV)/lib || true
	@touch $@

# tierstack.aws resolves from the checkout through an ignored link (scripts/link-collection.sh).
collection-link:
	@scripts/link-collection.sh

emulator-up: $(STAMP) collection-link
	@if [ "$(INVENTORY)" = "inventories/local" ]; then $(BIN)/python -m tierstack.emulator up; fi

emulator-down: $(STAMP)
	$(BIN)/python -m tierstack.emulator down

emulator-status: $(STAMP)
	$(BIN)/python -m tierstack.emulator status

deploy: emulator-up
	@$(TUNED) $(call PROGRESS,deploy) $(BIN)/ansible-playbook -i $(INVENTORY) site.yml -e suffix=$(SUFFIX) -e tierstack_profile=$(PROFILE) $(TIERS_ARG)

outputs:
	@$(BIN)/python -m tierstack outputs $(SUFFIX)

# Give the stack's PROFILE when it is not the default: teardown checks the stack's record (/tierstack/<suffix>/stack)
# and stops before any change, naming the recorded profile, when they differ.
destroy: emulator-up
	@$(TUNED) $(call PROGRESS,destroy) $(BIN)/ansible-playbook -i $(INVENTORY) playbooks/teardown.yml -e suffix=$(SUFFIX) \
	  $(if $(filter command line environment,$(origin PROFILE)),-e tierstack_profile=$(PROFILE)) $(TIERS_ARG)

lint: $(STAMP) collection-link
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint --profile production

unit: $(STAMP) collection-link
	$(BIN)/pytest -q tests/unit

# The whole suite, its independent parts in parallel lanes (TEST_JOBS, default CPUs + 1), each lane
# with its own emulator on a test port (4599 + lane), started there and stopped afterwards.
TEST_JOBS ?=
test: $(STAMP) collection-link
	scripts/run-tests.sh $(if $(TEST_JOBS),--jobs $(TEST_JOBS))

# Faults, kills, concurrent runs and half-built teardowns against a private emulator; writes docs/reliability.md.
chaos: $(STAMP) collection-link
	$(BIN)/python -m bench.chaos

# The smaller chaos slice (vpc + data at 30% faults, one kill-and-re-run, one concurrent pair).
chaos-slice: $(STAMP) collection-link
	$(BIN)/python -m bench.chaos --slice

# ansible-test sanity (offline) and the Galaxy importer on the built tarball.
sanity: $(STAMP) collection-link
	scripts/sanity.sh && scripts/galaxy-import.sh

# Everything make test runs, plus the long parts it leaves out (scripts/run-tests.sh: OPT_IN).
test-all: $(STAMP) collection-link
	scripts/run-tests.sh --all $(if $(TEST_JOBS),--jobs $(TEST_JOBS))

# The inner loop: lint, unit tests and the bad-input tests (no emulator, no deploy).
test-fast: $(STAMP) collection-link
	scripts/run-tests.sh --fast $(if $(TEST_JOBS),--jobs $(TEST_JOBS))

# BENCH_ARGS, e.g. --baseline /tmp/baseline or --latency-only
BENCH_ARGS ?=
bench: $(STAMP) collection-link
	$(BIN)/python -m bench --latency-model $(BENCH_ARGS)

# Each profile's diagram (docs/diagrams/<profile>.svg/.png), drawn from a stack deployed for it
# against the emulator and torn down afterwards. PROFILES="media_streaming" narrows, KEEP=1 keeps,
# DIAGRAM_SUFFIX=x draws (after a converge) an existing stack of the one profile named.
diagrams: $(STAMP) collection-link
	PROFILES="$(PROFILES)" KEEP="$(KEEP)" SUFFIX="$(DIAGRAM_SUFFIX)" scripts/diagrams.sh

clean:
	rm -rf $(VENV) .emulator outputs .pytest_cache
