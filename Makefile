# The two commands of the README: `make run` and `make test` do all the set-up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test bench package lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	$(BIN)/python main.py $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/benchmarks -p no:cacheprovider -s -q $(PYTEST_ARGS)

# The stand-alone bundle (packaging/artifact-annotator.spec) into dist/artifact-annotator/.
PACKAGE_STAMP = $(VENV)/.package-$(shell cksum pyproject.toml | cut -d' ' -f1)

$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[package]'
	@rm -f $(VENV)/.package-*
	@touch $@

package: $(PACKAGE_STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN packaging/artifact-annotator.spec
	@echo "bundle: dist/artifact-annotator/ ($$(du -sh dist/artifact-annotator | cut -f1))"

lint: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build dist .pytest_cache bench-results.json
