# The two commands of a fresh machine: `make run` (the whole system) and `make test` (the whole suite).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install lint format bench clean docs

run: install
	$(BIN)/pidesk up

test: install
	bash deploy/test.sh

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py deploy/python-env.sh
	bash deploy/python-env.sh $(VENV)
	@touch $@

# Every benchmark in one run, one table (bench/pipeline.py): a fresh broker and a private PostgreSQL with
# fsync on, as in production. The private cluster is stopped first: one left running by `make test`
# has fsync off, and with-infra.sh would reuse it. BENCH_QUICK=1: a ~3 minute smoke run.
# BENCH_ARGS: e.g. --only intake,peer
bench: install
	bash deploy/bench-tools.sh >/dev/null
	deploy/local-postgres/postgres.sh stop
	BENCH_QUICK="$(BENCH_QUICK)" PG_FSYNC=on bash deploy/with-infra.sh $(BIN)/python -m bench.pipeline $(BENCH_ARGS)

# The generated contract in docs/: each service's OpenAPI document and the AsyncAPI document of the topics
# (pidesk/contract_docs.py); tests/unit/test_contract_docs.py fails while they are stale.
docs: install
	$(BIN)/python -m pidesk.contract_docs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bash deploy/typecheck.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	-deploy/local-kafka/kafka.sh stop
	-KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh stop
	-deploy/local-postgres/postgres.sh stop
	rm -rf var $(VENV)
