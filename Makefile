# Roster: every target creates its own virtualenv on first use (Python 3.11 + pip only).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
PYTEST_ARGS ?=

.PHONY: run test lint validate build bench openapi clean web web-test

# The web app (web/): Node 20 and npm; its build (web/dist) is not committed.
WEB_SOURCES := $(shell find web/src web/scripts web/public -type f 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json
WEB_MODULES := web/node_modules/.package-lock.json
WEB_BUILD := web/dist/index.html

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

$(WEB_MODULES): web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node 20 and npm are required for the web app"; exit 1; }
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_MODULES)

$(WEB_BUILD): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run --silent build

## web: build the web app into web/dist (make run serves it at /app/)
web: $(WEB_BUILD)

## web-test: the web app's unit tests (Vitest), the generated API types' drift check among them
web-test: $(WEB_MODULES)
	cd web && npm test --silent

## run: serve Roster locally on http://127.0.0.1:$${ROSTER_PORT:-3000} over an embedded AWS,
## the web app at /app/ (built first when its sources changed)
run: $(STAMP) $(WEB_BUILD)
	$(VENV)/bin/roster-local

## test: the whole suite (the web app's units, then unit, integration, acceptance, browser)
test: $(STAMP) $(WEB_BUILD) web-test
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
	rm -rf $(VENV) $(SAM_VENV) web/node_modules web/dist .aws-sam .pytest_cache .mypy_cache .ruff_cache
