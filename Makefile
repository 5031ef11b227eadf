# Entry points a person uses; see README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all setup build demo test unit-test clean format

all: build

setup:
	./scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	./$(BUILD_DIR)/src/sipmediagw demo

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR)
