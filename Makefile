# Encore: the two commands are `make run` and `make test` (see README).
.PHONY: run test setup build bench check-wasm-deps
run:
	./scripts/run.sh
test:
	./scripts/test.sh
setup:
	./scripts/setup.sh
build:
	./scripts/build.sh
bench:
	./scripts/bench.sh full
check-wasm-deps:
	./scripts/check-wasm-deps.sh
