# Every target creates .venv and installs the project into it when needed,
# so a fresh clone needs only Python 3.11+ and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test chat bot web lint typecheck pytest bench i18n check clean lock

LOCK := requirements.txt
RUNTIME_LOCK := requirements-runtime.txt

# The lock pins every runtime and test dependency (and pip/setuptools/wheel themselves) to what
# CI last tested, each with the sha256 of its files, so a new upstream release never turns a
# fresh clone red and a changed file on the index is refused. --no-deps: the lock is the whole
# closure (`pip check` proves it); the project itself is built with the locked setuptools.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# Refresh the lock: resolve pyproject.toml's ranges afresh (pip-tools, in a throwaway venv) and
# pin the result with hashes; the runtime lock is the same versions without the test extra,
# plus the build tools the image builds the project with.
# Run it after changing dependencies (or to take upstream releases), then `make clean test`
# and commit both files.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-annotate \
	--no-header --no-emit-index-url --no-emit-find-links
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip pip-tools
	echo pip > .lock-venv/tools.in
	{ head -3 $(LOCK); .lock-venv/bin/pip-compile $(LOCK_FLAGS) --upgrade --extra test \
	  -o - pyproject.toml .lock-venv/tools.in; } > .lock-venv/full.lock
	printf 'setuptools\nwheel\n' > .lock-venv/build.in
	{ head -2 $(RUNTIME_LOCK); .lock-venv/bin/pip-compile $(LOCK_FLAGS) \
	  -c .lock-venv/full.lock -o - pyproject.toml .lock-venv/build.in; } > .lock-venv/runtime.lock
	mv .lock-venv/full.lock $(LOCK)
	mv .lock-venv/runtime.lock $(RUNTIME_LOCK)
	rm -rf .lock-venv

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/yibao policies check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

check: $(STAMP)
	$(BIN)/yibao policies check

chat: $(STAMP)
	$(BIN)/yibao chat

bot: $(STAMP)
	$(BIN)/yibao telegram

# The web chat and JSON API on http://127.0.0.1:8000 (`yibao web --help` for options).
web: $(STAMP)
	$(BIN)/yibao web

bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.web
	$(BIN)/python -m benchmarks.scaling

# Extract English msgids from the templates, merge them into each catalog, fill English
# from its msgids, and compile the .mo files (committed, so a fresh clone needs no compile).
LANGS := zh_Hans zh_Hant en
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o locales/messages.pot --no-location \
		--project=yibao-helpdesk --copyright-holder="yibao contributors" --sort-output .
	for lang in $(LANGS); do \
		if [ -f locales/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update -i locales/messages.pot -d locales -l $$lang --ignore-obsolete \
				--no-fuzzy-matching; \
		else \
			$(BIN)/pybabel init -i locales/messages.pot -d locales -l $$lang; \
		fi; \
	done
	$(BIN)/python -m locales.fill_english
	$(BIN)/pybabel compile -d locales --statistics

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
