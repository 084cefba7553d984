# Roster: every target creates its own virtualenv on first use (Python 3.11 + pip only).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
PYTEST_ARGS ?=

.PHONY: run test lint validate build bench openapi clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(SAM): 
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli

## run: serve Roster locally on http://127.0.0.1:$${ROSTER_PORT:-3000} over an embedded AWS
run: $(STAMP)
	$(VENV)/bin/roster-local

## test: the whole suite (unit, integration, acceptance)
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

## lint: ruff, mypy --strict and the import contracts (layers: pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check shared local cli functions tests infra
	$(VENV)/bin/mypy --strict shared/roster local/roster_local cli/roster_cli functions infra
	$(VENV)/bin/lint-imports

## validate: cfn-lint and sam validate --lint
validate: $(STAMP) $(SAM)
	$(VENV)/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1

## build: sam build (needs the package registry for the layer's dependencies)
build: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) build

## bench: DynamoDB round trips per route, cold imports, package sizes, list/cleanup cost
bench: $(STAMP)
	$(PY) -m infra.bench

## openapi: regenerate shared/roster/openapi.json from the code
openapi: $(STAMP)
	$(PY) -m roster.openapi

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
