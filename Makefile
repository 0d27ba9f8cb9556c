# Front door. `make test` is what CI runs; `make demo` shows the operator on a local cluster.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CTEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
CMAKE_ARGS ?=

export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: all deps configure build test demo test-sanitize fuzz lint format clean bench

all: build

deps:
	scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j $(CTEST_JOBS)

# Knot with the demo zones, kube-testserver, the CRD, demo MailDomains and the operator; runs
# until Ctrl-C (scripts/demo).
demo: build
	BUILD_DIR=$(BUILD_DIR) scripts/demo

# Benchmarks (DESIGN section 7, bench/README.md): never part of `make test`; timings not asserted.
bench: build
	scripts/install-deps --bench
	BUILD_DIR=$(BUILD_DIR) bench/run.sh

# The whole suite built with ASan+UBSan (g++, benchmarks left out); sanitizer options and LSan
# suppressions (tests/sanitizer/lsan.supp) come through the test launcher (cmake/mdo.cmake).
test-sanitize:
	$(MAKE) test BUILD_DIR=build-sanitize CMAKE_ARGS="-DMDO_SANITIZE=ON -DMDO_BUILD_BENCH=OFF"

# libFuzzer (clang) runs of every target in tests/fuzz/, FUZZ_SECONDS each (default 60); fails on
# any crash. FUZZ_TARGETS, FUZZ_JOBS, FUZZ_MERGE=1: see tests/fuzz/README.md. `make test` only
# replays the corpora.
fuzz:
	JOBS=$(JOBS) tests/fuzz/run.sh

lint: configure
	git ls-files '*.cc' | grep -v '^tests/fuzz/' | \
	  xargs -r -P $(JOBS) -n 4 clang-tidy -p $(BUILD_DIR) --quiet

format:
	git ls-files '*.cc' '*.h' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD_DIR)
