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

.PHONY: help setup demo-setup aws-setup browser demo sql poll report answers verify remodel forget subject-export test lint synth deploy set-webhook webhook-info import-export snapshots docs bench clean

help:
	@echo "make demo    run the whole pipeline locally (SeaweedFS S3 + the Lambda code + DuckDB)"
	@echo "make test    lint, unit/infra/end-to-end tests, cdk synth of every stack"
	@echo "make synth | deploy STAGE=dev|prod | lint | snapshots | docs | bench | setup | clean"
	@echo "make sql     an SQL shell (DuckDB) over the demo's Parquet: telegram_updates and the model's layers"
	@echo "make poll | report    your real bot, locally: long-poll it (TELEGRAM_BOT_TOKEN), then the report"
	@echo "make answers | report STAGE=dev|prod [ARGS=\"--from YYYY-MM-DD --to YYYY-MM-DD --lang pt-BR\"]   in Athena"
	@echo "make remodel STAGE=dev|prod FROM=YYYY-MM-DD TO=YYYY-MM-DD   re-apply the settings to past days"
	@echo "make set-webhook | webhook-info STAGE=dev|prod   (needs TELEGRAM_BOT_TOKEN; set-webhook needs AWS credentials)"
	@echo "make verify STAGE=dev|prod   after every deploy: a synthetic conversation through the deployed stage, Athena included, cleaned up"
	@echo "make import-export FILE=result.json STAGE=dev|prod [ARGS=\"--export-timezone Zone --bot-user-id ID\"]   a chat's history"
	@echo "make forget | subject-export USER_ID=<id> [STAGE=dev|prod]   a person's rights (docs/privacy.md)"

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

test: lint browser aws-setup
	$(BIN)/python -m pytest -n auto --dist loadfile
	$(MAKE) --no-print-directory synth

synth: setup
	npx cdk synth --quiet --no-notices -c stage=$(STAGE)
	@ls cdk.out/*.template.json

deploy: setup
	npx cdk deploy --all --no-notices -c stage=$(STAGE)

# Points the bot at the deployed webhook (URL and secret from the stage's stack), then shows its state.
set-webhook: setup
	$(BIN)/python -m ops.webhook set --stage $(STAGE)

webhook-info: setup
	$(BIN)/python -m ops.webhook info --stage $(STAGE)

# A Telegram Desktop export's history into the stage's raw bucket, then the ETL for the days it changed.
import-export: setup
	@test -n "$(FILE)" || { echo "usage: make import-export FILE=result.json STAGE=dev|prod [ARGS=...]"; exit 2; }
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
