# The project's commands (DESIGN.md "Contracts"). Each is idempotent on a fresh Debian 12.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build test run stop bench clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)

# Unit tests, then integration tests against a private PowerDNS + Pebble stack; alongside,
# a clang ASan + UBSan build (build-asan/) runs the fuzz targets and the same tests, and the
# dashboard is built and driven in Debian's Chromium (tests/browser/run.sh).
test: build
	BUILD=$(BUILD) scripts/run-tests.sh

# The dashboard built (web/dist), the local stack on the default ports and the service, in
# the foreground; prints the dashboard URL http://127.0.0.1:8080/ and the demo login.
run: build
	BUILD=$(BUILD) scripts/run-local.sh

stop:
	scripts/devstack.sh down

bench: build
	BUILD=$(BUILD) scripts/run-bench.sh

clean:
	rm -rf $(BUILD) build-asan
