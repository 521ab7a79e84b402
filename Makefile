# One entry point for people and CI. `make demo` and `make test` install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AWS_VENV := .venv-aws
AWS_BIN := $(AWS_VENV)/bin
STAGE ?= dev
# setuptools warns on every editable install that a folder named like a package may shadow it: ours are
# mapped on purpose (pyproject.toml's package-dir), so that one warning is noise.
EDITABLE_QUIET := PYTHONWARNINGS="ignore:Editable installation"
# The CDK CLI must not try to reach its telemetry host (there may be no network).
export CDK_DISABLE_CLI_TELEMETRY := true
# The project's Node.js LTS (package.json pins the `node` package, which ships the binary) comes first,
# for the CDK CLI and for jsii under the tests, whatever Node the machine has.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help setup demo-setup aws-setup browser demo sql poll report answers verify remodel forget subject-export test test-slow test-all lint synth deploy set-webhook webhook-info import-export snapshots docs bench clean

# Every .PHONY target on a line of its own (tests/test_cli_errors.py checks that none is missing).
help:
	@echo "Locally, without AWS (options: ARGS=\"...\"; the README says which):"
	@echo "  make demo            the whole pipeline on this machine, then the three answers and an HTML report"
	@echo "  make sql             an SQL shell (DuckDB) over the demo's Parquet [DIR=folder] [ARGS='-c \"SQL;\"']"
	@echo "  make poll            long-poll your real bot into the local pipeline (TELEGRAM_BOT_TOKEN; data in .local/bot)"
	@echo "  make report          without STAGE: the ETL of what make poll stored, the queries and the report"
	@echo "Against a deployed stage, STAGE=dev|prod (AWS credentials and region):"
	@echo "  make answers         the named queries in Athena, with bytes scanned and cost"
	@echo "  make report          with STAGE: the same, and the HTML report"
	@echo "  make deploy          cdk deploy of the stage's three stacks"
	@echo "  make set-webhook     point the bot at the stage's webhook (TELEGRAM_BOT_TOKEN)"
	@echo "  make webhook-info    the bot's webhook: URL, pending updates, last error (TELEGRAM_BOT_TOKEN)"
	@echo "  make verify          after every deploy: a synthetic conversation through the stage, then removed"
	@echo "  make remodel         FROM=YYYY-MM-DD TO=YYYY-MM-DD: re-apply the stage's settings to past days (model step)"
	@echo "  make import-export   FILE=result.json: a Telegram Desktop export's history into the stage"
	@echo "  make forget          USER_ID=<id>: erase a person everywhere (without STAGE: the local data)"
	@echo "  make subject-export  USER_ID=<id>: what is held about a person, in one file (docs/privacy.md)"
	@echo "Development:"
	@echo "  make test            lint, unit, infrastructure and the quick end-to-end tests, cdk synth of every stack"
	@echo "  make test-slow       the slow tests (marked slow: end-to-end runs, exhaustive equivalence checks); CI runs both"
	@echo "  make test-all        make test, then make test-slow"
	@echo "  make lint            ruff check and ruff format --check"
	@echo "  make synth           cdk synth of the stage (STAGE=dev|prod) into cdk.out/"
	@echo "  make snapshots       rewrite the stacks' template snapshots after an intended change"
	@echo "  make docs            regenerate the generated blocks of README.md and docs/*.md"
	@echo "  make bench           the benchmarks' figures for BENCHMARKS.md [ARGS=--full]"
	@echo "  make setup           install everything: .venv (requirements-dev.txt) and node_modules"
	@echo "  make demo-setup      install only requirements-demo.txt into .venv (demo, sql, poll, report)"
	@echo "  make aws-setup       install requirements-aws.txt into .venv-aws (answers, report STAGE=, verify)"
	@echo "  make browser         Debian's chromium through apt-get when missing (the report's browser test)"
	@echo "  make clean           remove cdk.out, .local (the demo's and your bot's data) and the caches"
	@echo "  make help            this list"

setup: $(VENV)/.installed node_modules/.installed

# Everything: the CDK app, tests and tooling (make test, synth, deploy).
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(EDITABLE_QUIET) $(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@ $(VENV)/.demo-installed

# Only what the local tools need (requirements-demo.txt): no CDK, no Node.js.
demo-setup: $(VENV)/.demo-installed

$(VENV)/.demo-installed: requirements-demo.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	$(EDITABLE_QUIET) $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium, for the test that opens the demo's HTML report (a registry package, no download
# of a browser build of its own).
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium (apt-get; needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

demo: demo-setup
	$(BIN)/python -m local.demo $(ARGS)

# An interactive SQL shell over the demo's Parquet (or DIR=...): telegram_updates and the model's layers.
sql: demo-setup
	$(BIN)/python -m analyst.sql $(if $(DIR),$(DIR)) $(ARGS)

# Your real bot without AWS: long-poll it into the local pipeline (TELEGRAM_BOT_TOKEN), then report.
poll: demo-setup
	$(BIN)/python -m local.poll poll $(ARGS)

# Without STAGE on the command line: your bot's local data (make poll). With STAGE=dev|prod: Athena.
ifeq ($(origin STAGE),command line)
report: aws-setup
	$(AWS_BIN)/python -m analyst.athena report --stage $(STAGE) $(ARGS)
else
report: demo-setup
	$(BIN)/python -m local.poll report $(ARGS)
endif

# The named queries in the stage's Athena workgroup (AWS credentials; ARGS="--from 2025-03-01 --to ...").
answers: aws-setup
	$(AWS_BIN)/python -m analyst.athena answers --stage $(STAGE) $(ARGS)

# After every deploy: a synthetic conversation through API Gateway, raw, the ETL, the model and every named
# query in Athena, on a reserved day, then removed (ops/verify.py; AWS credentials; TELEGRAM_BOT_TOKEN optional).
verify: aws-setup
	$(AWS_BIN)/python -m ops.verify --stage $(STAGE) $(ARGS)

# Re-apply the stage's (deployed) settings to past days: the model step over FROM..TO, from processed
# Parquet only (docs/configuration.md). AWS credentials.
remodel: demo-setup
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make remodel STAGE=dev|prod FROM=YYYY-MM-DD TO=YYYY-MM-DD"; exit 2; }
	$(BIN)/python -m ops.remodel --stage $(STAGE) --from $(FROM) --to $(TO) $(ARGS)

# A person's rights (docs/privacy.md): erase them, or write what is held about them to one file. With
# STAGE on the command line: that stage in AWS; without: the local pipeline's data (DIR, default .local/demo).
forget subject-export: demo-setup
	@test -n "$(USER_ID)" || { echo "make $@: USER_ID=<the person's Telegram user id> is required" >&2; exit 2; }
	@# Not echoed: the command line names the person.
	@$(BIN)/python -m ops.rights $(if $(filter forget,$@),forget,export) --user-id "$(USER_ID)" \
	  $(if $(filter command line,$(origin STAGE)),--stage $(STAGE),--workdir $(or $(DIR),.local/demo)) $(ARGS)

# awswrangler needs pyarrow < 26 (the ETL pins 26): its own venv, from requirements-aws.txt.
aws-setup: $(AWS_VENV)/.installed

$(AWS_VENV)/.installed: requirements-aws.txt pyproject.toml
	@test -x $(AWS_BIN)/python || $(PYTHON) -m venv $(AWS_VENV)
	$(AWS_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-aws.txt
	$(EDITABLE_QUIET) $(AWS_BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Two tiers, chosen by marker (pyproject.toml): `make test` runs every test not marked slow, `make test-slow`
# the marked ones (SeaweedFS end to end on demo-sized data, the exhaustive equivalence checks); .ci/run runs both. Mark a new slow test, never
# list it here (tests/test_tiers.py checks that each collected test is in exactly one tier).
test: lint browser aws-setup
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"
	$(MAKE) --no-print-directory synth

test-slow: setup browser
	$(BIN)/python -m pytest -n auto --dist loadfile -m "slow"

test-all: test test-slow

synth: setup
	@$(BIN)/python -m standins.cli check "make synth" --stage "$(STAGE)"
	npx cdk synth --quiet --no-notices -c stage=$(STAGE)
	@ls cdk.out/*.template.json

deploy: setup
	@# cdk's own errors (an unknown stage, no AWS) take a screen: one line first.
	@$(BIN)/python -m standins.cli check "make deploy" --stage "$(STAGE)" --aws
	npx cdk deploy --all --no-notices -c stage=$(STAGE)

# Points the bot at the deployed webhook (URL and secret from the stage's stack), then shows its state.
set-webhook: setup
	$(BIN)/python -m ops.webhook set --stage $(STAGE)

webhook-info: setup
	$(BIN)/python -m ops.webhook info --stage $(STAGE)

# A Telegram Desktop export's history into the stage's raw bucket, then the ETL for the days it changed.
import-export: setup
	@test -n "$(FILE)" || { echo "usage: make import-export FILE=result.json STAGE=dev|prod [ARGS=...]" >&2; exit 2; }
	$(BIN)/python -m ops.import_export "$(FILE)" --stage $(STAGE) $(ARGS)

docs: setup
	$(BIN)/python -m devtools.docs

snapshots: setup
	UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest tests/stacks -q

# Figures, never assertions: see BENCHMARKS.md. ARGS=--full adds the 1M-update ETL on SeaweedFS.
bench: setup
	$(BIN)/python -m bench.run_all $(ARGS)

clean:
	rm -rf cdk.out .local .pytest_cache .ruff_cache .hypothesis
