# Titip: `make demo` and `make test` each do all the set-up on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DB ?= var/demo.db

# Debian packages the tests start or use for real: PostgreSQL, the PDF stack, SNMP and SSH peers,
# Prometheus, the browser.
DEB_PACKAGES := python3-venv postgresql poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 openssl snmpd snmp openssh-server prometheus-snmp-exporter iproute2 util-linux \
	chromium prometheus

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test check lint deps debian-deps clean screenshots

debian-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[controller,collectors,dev]'
	touch $@

deps: debian-deps $(VENV)/.installed

# The quick floor (under 3 minutes; 93 s here before custody_rules joined): lint, types, the unit
# tests and the SQLite half of the in-process integration files below (the quickest, and the custody
# rules). PostgreSQL, real services (uvicorn, snmpd, sshd, a browser) and the slower in-process
# files are `make test`'s.
QUICK_INTEGRATION := api_basics bigint_keys custody_rules demo_agent document_download document_numbers \
	exports guarded_fields heartbeats input_hardening lifecycle lists login_security reservations \
	role_matrix server_custodies server_page tickets turns
QUICK_TESTS ?= tests/unit $(patsubst %,tests/integration/test_%.py,$(QUICK_INTEGRATION))
CHECK_PATHS := controller agent collectors tests bench tools

lint: $(VENV)/.installed
	$(BIN)/ruff check $(CHECK_PATHS)
	$(BIN)/mypy

check: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not postgres and not slow" $(QUICK_TESTS)

# The whole suite, after the lint and type checks (so a lint or type error fails CI too). Two
# pytest-xdist workers, a test file per worker at a time (module fixtures stay whole): most tests
# wait on real servers, so two workers on two cores take about half the serial time.
# `make test PYTEST_WORKERS=0` runs it serially.
PYTEST_WORKERS ?= 2
test: deps lint
	$(BIN)/python -m pytest -q -p no:cacheprovider $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile) --durations=25

# exec: no shell in between that would die of Ctrl-C itself after the demo has stopped cleanly
# (make would then print "Interrupt" / "Error 130").
demo: deps
	TITIP_DEMO=1 BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) TITIP_DATABASE_URL=sqlite:///$(DEMO_DB) exec bash tools/demo.sh

# PNGs of the officer's room view and the contact person's server list, into screenshots/.
screenshots: deps
	$(BIN)/python tools/screenshots.py --out screenshots

clean:
	rm -rf var $(VENV) .pytest_cache
