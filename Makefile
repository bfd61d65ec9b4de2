# Every target sets itself up: a fresh checkout needs only python3 and a C compiler.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.npaccel-installed
PYTEST_ARGS ?= -n 2

.PHONY: all demo test bench bench-quick bench-dask venv clean

all: test

$(STAMP): setup.cfg setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench,dask]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) samples/demo.py

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks.run

bench-quick: $(STAMP)
	$(PY) -m benchmarks.run --quick

bench-dask: $(STAMP)
	$(PY) -m benchmarks.dask_bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
