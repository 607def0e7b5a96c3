# Midway: the short driver over CMake. `make demo` and `make test` are all a new user needs.
#   make              set up (install missing Debian packages) and build into build/
#   make test         build and run every test with CTest
#   make demo         build and run the demo on loopback
#   make bench        build and run the benchmarks
#   make install      install headers, libraries, midway.pc and the CMake package (PREFIX=/usr/local)
#   make test SANITIZE=address,undefined   the same tests under sanitizers (in build-san/)
#   make fuzz-smoke   run every fuzz target briefly under ASan+UBSan (clang)

PREFIX   ?= /usr/local
SANITIZE ?=
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(SANITIZE),)
BUILD    ?= build
else
BUILD    ?= build-san
endif
WERROR   := $(if $(filter true,$(CI)),ON,OFF)
CMAKE_ARGS := -DCMAKE_BUILD_TYPE=$(if $(SANITIZE),Debug,RelWithDebInfo) \
	-DMW_SANITIZE="$(SANITIZE)" -DMW_WERROR=$(WERROR) \
	-DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all deps configure build test demo bench install fuzz-smoke clean

all: build

deps:
	@scripts/install-deps.sh --if-missing

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

demo: build
	@scripts/demo.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

install: build
	@cmake --install $(BUILD)

fuzz-smoke: deps
	@scripts/fuzz-smoke.sh

clean:
	rm -rf build build-san build-fuzz
