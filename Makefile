# One command to run the app, one to run the tests; both set up everything on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run ingest test bench lint install install-dev chromium tesseract wipe

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first and pinned: the CPU build; an unpinned torch pulls a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev,bench,openai,ollama]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

# OCR of scans (rag/reading/ocr.py): Tesseract with English and Spanish.
tesseract:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx spa \
	   && tesseract --list-langs 2>/dev/null | grep -qx eng; } || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa >/dev/null; }

ingest: install tesseract
	$(VENV)/bin/rag ingest corpus

run: ingest
	$(PY) app.py

test: install-dev chromium tesseract
	$(PY) -m pytest -q

bench: install-dev tesseract
	$(PY) -m bench

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy rag bench

wipe:
	rm -rf data
