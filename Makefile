# Two commands do everything on a fresh clone (see README):
#   make lessons   set up, then open the course in JupyterLab on its start page (English and 中文)
#   make test      set up, then run the whole test suite (unit tests + every lesson via nbval)
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: lessons test bench setup

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[lessons,test,ray]'
	touch $@

setup: $(VENV)/.installed

lessons: setup
	$(VENV)/bin/jupyter trust lessons/*.ipynb lessons/zh/*.ipynb
	$(VENV)/bin/jupyter lab "$(CURDIR)/lessons/00_START.ipynb" $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: setup
	$(PY) -m pytest -q

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
