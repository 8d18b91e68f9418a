# The two commands of a fresh machine: `make run` (the whole system) and `make test` (the whole suite).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install lint format bench clean

run: install
	$(BIN)/pidesk up

test: install
	bash deploy/test.sh

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py deploy/python-env.sh
	bash deploy/python-env.sh $(VENV)
	@touch $@

bench: install
	bash deploy/with-infra.sh bash -c "$(BIN)/python -m bench.thin_path $(BENCH_ARGS) && $(BIN)/python -m bench.notice_delivery"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	-deploy/local-kafka/kafka.sh stop
	-KAFKA_DATA_DIR=var/test-kafka deploy/local-kafka/kafka.sh stop
	-deploy/local-postgres/postgres.sh stop
	rm -rf var $(VENV)
