# Every target installs what it needs: a fresh clone runs `make demo` or `make test` directly.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Deploy-time context, e.g. `make deploy stage=prod jwt_issuer=https://idp.example.com/ ...`
CONTEXT_KEYS := stage jwt_issuer jwt_audience sender_email alarm_email log_retention_days hr_admin_email \
	policy_effective_date hr_admins employee_id_claim role_claim groups_claim group_roles \
	acknowledge_placeholders queue_age_alarm_minutes chat_channels teams_app_id teams_tenant_id app_base_url \
	delivery_timezone delivery_quiet_hours delivery_daily_cap delivery_weekly_cap
CDK_CONTEXT := $(foreach k,$(CONTEXT_KEYS),$(if $($(k)),-c $(k)=$($(k))))
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test test-fast lint bench synth deploy diff destroy clean

$(STAMP): requirements.txt layers/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The main job: a 60-day pilot of 200 employees replayed through the local stack, audited for bias; the report,
## sample e-mails and a summary are saved in demo-output/ (`.venv/bin/coachwire demo --help`: --out, --serve).
demo: install
	$(VENV)/bin/coachwire demo

## The local stack on http://127.0.0.1:$(port), seeded with the sample organisation and a SYNTHETIC population of
## $(population) (demographics included, so a bias audit has groups to compare): `make serve port=9000 population=0`.
port ?= 8787
population ?= 100
serve: install
	$(VENV)/bin/coachwire local serve --seed sample --population $(population) --port $(port)

## Everything: unit, integration (moto server + real HTTP), infrastructure (cdk-nag), end to end.
test: install
	$(PY) -m pytest -n 2 --dist loadfile -q

test-fast: install
	$(PY) -m pytest -q -m "not infra and not e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

## Figures for docs/performance.md (a benchmark, not a test).
bench: install
	$(PY) -m bench
	$(PY) -m bench.engine --doc docs/performance.md
	$(PY) -m bench.audit --doc docs/performance.md
	$(PY) -m bench.burst --doc docs/performance.md

synth: install node_modules/.installed
	npx cdk synth --quiet $(CDK_CONTEXT)

diff: install node_modules/.installed
	npx cdk diff $(CDK_CONTEXT)

## Needs AWS credentials and the context values listed in the README ("Deploy to AWS").
deploy: install node_modules/.installed
	npx cdk deploy --all --require-approval broadening $(CDK_CONTEXT)

## Removes the stack of `stage`: pass the same context as the deploy. What a non-dev stage keeps:
## infrastructure/README.md ("Remove a stack").
destroy: install node_modules/.installed
	npx cdk destroy --all $(CDK_CONTEXT)

clean:
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache
