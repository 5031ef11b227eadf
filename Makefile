# Entry points a person uses; see README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# Extra cmake configure arguments, e.g. -DSIPMEDIAGW_LINE_TABLES_ONLY=OFF for full debug info.
CMAKE_ARGS ?=

.PHONY: all setup build demo test unit-test fuzz fuzz-smoke image-test clean format

all: build

setup:
	./scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	./$(BUILD_DIR)/src/sipmediagw demo

# Tests without RUN_SERIAL (unit, media) run TEST_JOBS at a time; the RUN_SERIAL ones (integration,
# browser, e2e: daemons, browsers, namespaces) always run alone. 1 by default: two media tests at
# once on 2 busy cores starved a timing-sensitive one (docs/testing.md).
TEST_JOBS ?= 1
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j$(TEST_JOBS)

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

# libFuzzer targets (docs/security.md "Fuzzing"), clang build in build-fuzz/: each runs
# FUZZ_SECONDS; fuzz-smoke (CI) runs each over its corpus plus a few seconds.
FUZZ_SECONDS ?= 60
fuzz:
	./scripts/setup.sh fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) ./scripts/fuzz.sh

fuzz-smoke:
	./scripts/setup.sh fuzz
	FUZZ_SECONDS=5 FUZZ_JOBS=$(JOBS) ./scripts/fuzz.sh

# The container image built with podman and run for real (docs/deploy.md "Container"): root,
# about an hour on 2 shared cores (the image build); not part of `test` or CI.
image-test:
	BUILD_DIR=$(BUILD_DIR) ./scripts/image-test.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) build-fuzz
