# fleetward - top-level convenience targets. The build itself is CMake (see CMakePresets.json).
#
#   make run     install Debian packages, build, and show the whole update loop on this machine
#   make test    install Debian packages, build, and run every test (gcc dev preset, then asan)
#
# Other targets: deps, build, test-dev, test-asan, test-clang, fuzz-smoke, bench, format,
# format-check, lint, clean.

SHELL := /bin/bash
PRESET ?= dev
BUILD_DIR := build/$(PRESET)

# Debian packages the build, the tests and the demo need (Debian 12).
DEB_PACKAGES := build-essential cmake ninja-build pkg-config clang clang-format \
	libclang-rt-14-dev libsodium-dev libjansson-dev libssl-dev libsqlite3-dev \
	libmicrohttpd-dev libcurl4-openssl-dev libcmocka-dev libzstd-dev libext2fs-dev \
	curl jq sqlite3 openssl python3 faketime e2fsprogs procps softhsm2 p11-kit libp11-kit-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build build-release run test test-dev test-clang test-asan fuzz-smoke bench format \
	format-check lint clean

all: build

# Install only what is missing, so a prepared machine starts at once.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

run: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev
	./scripts/demo.sh build/dev

test: deps format-check lint
	$(MAKE) --no-print-directory test-dev
	$(MAKE) --no-print-directory test-clang
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory build-release

# The hardened -O2 build: some warnings exist only when optimising.
build-release:
	cmake --preset release >/dev/null
	cmake --build --preset release

test-dev:
	cmake --workflow --preset dev

test-clang:
	cmake --workflow --preset clang

test-asan:
	cmake --workflow --preset asan

fuzz-smoke: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	./scripts/fuzz-smoke.sh build/fuzz 30

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release
	./bench/run.sh build/release

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@bad=$$(for f in $$(git ls-files '*.c' '*.h'); do \
		[ -f "$$f" ] && ! clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 && echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "not clang-formatted (run 'make format'):"; echo "$$bad"; exit 1; fi

lint:
	./scripts/checksrc.sh

clean:
	rm -rf build
