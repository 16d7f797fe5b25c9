# Quick start: `make demo` and `make test`. Both create .venv when missing and reuse it afterwards.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench soak browser clean

# The dashboard test drives Debian's Chromium headless; installed here when missing (as root, or with sudo).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,model]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/monitor demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

browser:
	@test -x $(CHROMIUM) || { echo "Chromium ontbreekt; installeren (apt-get install chromium)..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

test: lint browser
	$(BIN)/pytest -q

soak: $(STAMP)
	$(BIN)/pytest -q -m soak tests/test_soak.py

bench: $(STAMP)
	$(BIN)/python bench/store.py --no-tracemalloc
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/rescore.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) demo-data .pytest_cache .mypy_cache .ruff_cache
