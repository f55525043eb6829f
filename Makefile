PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.notebooks

.PHONY: install demo test test-slow bench lab notebooks clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." ; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	# NeuroGym without its pins (gymnasium 0.29): its requirements come with .[dev] (docs/suites.md)
	$(PY) -m pip install -q --no-deps "neurogym==2.2.0"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/biortrrl run models/default.toml --out results/demo --overwrite

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

bench: $(STAMP)
	$(VENV)/bin/biortrrl bench
	$(PY) benchmarks/spiking.py

# JupyterLab is installed on first use only: the test suite executes the notebooks without it
$(LAB_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[notebooks]"
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab notebooks $(LAB_ARGS)

notebooks: lab

clean:
	rm -rf $(VENV) build results .pytest_cache
