# One non-recursive Makefile for the whole platform.
#
#   make            build every service, libshared and the tests into build/
#   make run        install missing packages, build, start the dev stack (see README)
#   make test       install missing packages, build with ASan/UBSan into build/asan, run all tests
#   make unit       the unit tests only (ASan/UBSan build); T=<path part> picks binaries
#   make integration [T=<svc>|<test>] [F=<criterion filter>]
#                   integration tests in an ephemeral stack (ASan/UBSan build): T=auth runs
#                   tests/integration/auth/ (and flat test_auth_*), T=test_auth_session one
#                   binary; F is passed to Criterion (--filter), e.g. F='auth_session/*login*'
#   make tsan [T=..] the integration tests against a stack built with ThreadSanitizer
#                   (build/tsan); a report fails the run (tests/tsan.supp: third-party noise only)
#   make check-c    every C check, no Node.js needed: format, unit, integration (no web, no e2e)
#   make bench      build optimised and print the benchmark figures
#   make web        build the web console into web/dist (npm ci only when the lock file changed)
#   make format     clang-format every C file
#   make k8s        regenerate k8s/services/ (the manifests of every service) after adding one
#
# Variables: BUILD (output dir), SANITIZE (e.g. address,undefined), V=1 (show commands).

BUILD    ?= build
SANITIZE ?=
CC       ?= cc
PROTOC_C ?= protoc-c

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libnats libwebsockets libprotobuf-c libpq libcurl jansson libsodium \
        libmicrohttpd zlib libcmark libmagic
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null)

OPT      ?= -O2
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS   := -std=c11 -D_GNU_SOURCE -g $(OPT) -pthread -fno-omit-frame-pointer $(WARN)
CPPFLAGS := -I. -Ilibshared/include -Iinfra -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm -pthread
# Each program keeps only the libraries it calls: less to map, less resident memory.
LDFLAGS  += -Wl,--as-needed
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# ---- generated protobuf code ------------------------------------------------------------------
PROTOS   := $(wildcard proto/*.proto)
PROTO_C  := $(patsubst proto/%.proto,$(BUILD)/gen/proto/%.pb-c.c,$(PROTOS))
PROTO_H  := $(PROTO_C:.c=.h)
PROTO_O  := $(PROTO_C:.c=.o)
LIBPROTO := $(BUILD)/lib/libproto.a

$(BUILD)/gen/proto/%.pb-c.c $(BUILD)/gen/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	@echo "  PROTOC  $<"
	$(Q)$(PROTOC_C) --proto_path=. --c_out=$(BUILD)/gen $<

# Generated code is not ours to warn about beyond the basics.
$(BUILD)/gen/proto/%.pb-c.o: $(BUILD)/gen/proto/%.pb-c.c
	@echo "  CC      $<"
	$(Q)$(CC) $(filter-out -Wmissing-prototypes -Wshadow,$(CFLAGS)) $(CPPFLAGS) -c $< -o $@

$(LIBPROTO): $(PROTO_O)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# ---- libshared --------------------------------------------------------------------------------
SHARED_SRCS := $(wildcard libshared/src/*.c) $(wildcard infra/stack/*.c)
SHARED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %/main.c,$(SHARED_SRCS)))
LIBSHARED   := $(BUILD)/lib/libshared.a

$(LIBSHARED): $(SHARED_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# The edge's route table is every services/<name>/routes.def, with the protos they name.
ROUTE_DEFS := $(sort $(wildcard services/*/routes.def))
ROUTES_GEN := $(BUILD)/gen/edge_routes_protos.h $(BUILD)/gen/edge_routes_defs.h
$(BUILD)/gen/edge_routes_protos.h: $(ROUTE_DEFS) Makefile
	@mkdir -p $(@D)
	$(Q){ echo "/* Generated: the protos named by each routes.def of services. */"; \
	  for d in $(ROUTE_DEFS); do s=$$(basename $$(dirname $$d)); \
	    echo "#include \"proto/$$s.pb-c.h\""; done; } >$@.tmp && mv $@.tmp $@
$(BUILD)/gen/edge_routes_defs.h: $(ROUTE_DEFS) Makefile
	@mkdir -p $(@D)
	$(Q){ echo "/* Generated: every routes.def of services. */"; \
	  for d in $(ROUTE_DEFS); do echo "#include \"$$d\""; done; } >$@.tmp && mv $@.tmp $@

# The facts the OpenAPI document adds to the protos: every services/<name>/openapi.def.
OPENAPI_DEFS := $(sort $(wildcard services/*/openapi.def))
ROUTES_GEN += $(BUILD)/gen/edge_openapi_defs.h
$(BUILD)/gen/edge_openapi_defs.h: $(OPENAPI_DEFS) Makefile
	@mkdir -p $(@D)
	$(Q){ echo "/* Generated: every openapi.def of services. */"; \
	  for d in $(OPENAPI_DEFS); do echo "#include \"$$d\""; done; } >$@.tmp && mv $@.tmp $@

# Every object may include generated headers: build them first.
$(BUILD)/obj/%.o: %.c | $(PROTO_H) $(ROUTES_GEN)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

# ---- services: services/<name>/*.c -> $(BUILD)/bin/<name> ---------------------------------------
SERVICES := $(patsubst services/%/main.c,%,$(wildcard services/*/main.c))
# A service's own libraries: services/<name>/libs.mk sets <name>_LDLIBS (linked into the service,
# its unit tests and the programs that name it with <program>_SVC, e.g. bench_embed_SVC := embed).
-include $(wildcard services/*/libs.mk)
define service_tpl
$(1)_SQL  := $$(sort $$(wildcard services/$(1)/migrations/*.sql))
# Data files services/<name>/<list>.txt (one entry a line) become the table <name>_<list>[].
$(1)_TXT  := $$(wildcard services/$(1)/*.txt)
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard services/$(1)/*.c)) $(BUILD)/gen/services/$(1)/migrations.o \
             $$(patsubst services/$(1)/%.txt,$(BUILD)/gen/services/$(1)/%.o,$$($(1)_TXT))
$(BUILD)/gen/services/$(1)/%.c: services/$(1)/%.txt infra/embed-lines.sh
	@mkdir -p $$(@D)
	@echo "  EMBED   $$<"
	$$(Q)infra/embed-lines.sh $(1)_$$* $$@ $$<
$(BUILD)/gen/services/$(1)/%.o: $(BUILD)/gen/services/$(1)/%.c
	@echo "  CC      $$<"
	$$(Q)$$(CC) $$(filter-out -Wmissing-prototypes,$$(CFLAGS)) $$(CPPFLAGS) -c $$< -o $$@
$(BUILD)/gen/services/$(1)/migrations.c: $$($(1)_SQL) infra/embed-migrations.sh
	@mkdir -p $$(@D)
	@echo "  EMBED   services/$(1)/migrations"
	$$(Q)infra/embed-migrations.sh $(1) $$@ $$($(1)_SQL)
$(1)_LIBOBJS := $$(filter-out %/main.o,$$($(1)_OBJS))
$(BUILD)/bin/$(1): $$($(1)_OBJS) $(LIBSHARED) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $(LIBSHARED) $(LIBPROTO) $$($(1)_LDLIBS) $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_tpl,$(s))))
SERVICE_BINS := $(addprefix $(BUILD)/bin/,$(SERVICES))

# ---- the extractor: services/ingest/extract/*.c -> $(BUILD)/bin/ingest-extract -----------------
# Not a service: ingest's sandbox (services/ingest/sandbox.c) runs it as a child process, by
# default from next to the ingest binary; devstack skips such <svc>-<prog> helper programs. Its
# readers (all but main.o) link into the unit tests of tests/unit/services/ingest/.
EXTRACT_PKGS    := poppler-glib libzip libxml-2.0 uchardet libutf8proc libseccomp
EXTRACT_CFLAGS  := $(shell pkg-config --cflags $(EXTRACT_PKGS) 2>/dev/null)
EXTRACT_LIBS    := $(shell pkg-config --libs $(EXTRACT_PKGS) 2>/dev/null)
EXTRACT_OBJS    := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard services/ingest/extract/*.c) services/ingest/detect.c)
EXTRACT_LIBOBJS := $(filter-out %/main.o,$(EXTRACT_OBJS))
EXTRACT_BIN     := $(BUILD)/bin/ingest-extract
$(EXTRACT_OBJS): CPPFLAGS += $(EXTRACT_CFLAGS)
$(EXTRACT_BIN): $(EXTRACT_OBJS) $(LIBSHARED) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(EXTRACT_OBJS) $(LIBSHARED) $(LIBPROTO) $(EXTRACT_LIBS) $(LDLIBS)

# ---- tools: infra/<tool>/main.c -> $(BUILD)/bin/<tool> (the dev stack runner) -------------------
TOOLS := $(patsubst infra/%/main.c,%,$(wildcard infra/*/main.c))
define tool_tpl
$(BUILD)/bin/$(1): $(BUILD)/obj/infra/$(1)/main.o $(LIBSHARED) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$< $(LIBSHARED) $(LIBPROTO) $$(LDLIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_tpl,$(t))))
TOOL_BINS := $(addprefix $(BUILD)/bin/,$(TOOLS))

# ---- tests ------------------------------------------------------------------------------------
# tests/unit/<path>/test_<file>.c tests <path>/<file>.c; a unit test under tests/unit/services/<s>/
# links that service's objects (all but main.o).
SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/support/*.c))
UNIT_SRCS    := $(shell find tests/unit -name 'test_*.c' 2>/dev/null)
UNIT_BINS    := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
# Integration tests: flat (tests/integration/test_*.c) or grouped per service
# (tests/integration/<svc>/test_*.c, helpers next to them, shared ones in tests/support/).
INTEG_SRCS   := $(wildcard tests/integration/test_*.c tests/integration/*/test_*.c)
INTEG_BINS   := $(patsubst %.c,$(BUILD)/%,$(INTEG_SRCS))
BENCH_SRCS   := $(wildcard tests/bench/*.c)
BENCH_BINS   := $(patsubst %.c,$(BUILD)/%,$(BENCH_SRCS))
# Test programs other tools run (fakes): tests/support/<name>/main.c -> $(BUILD)/tests/support/<name>.
# (make_pdf and extract_hostile have rules of their own below: cairo, no sanitizers.)
SUPPORT_PROGS := $(filter-out %/make_pdf %/extract_hostile,\
                   $(patsubst %/main.c,$(BUILD)/%,$(wildcard tests/support/*/main.c)))
$(SUPPORT_PROGS): $(BUILD)/tests/support/%: $(BUILD)/obj/tests/support/%/main.o $(SUPPORT_OBJS) $(LIBSHARED) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBSHARED) $(LIBPROTO) $(LDLIBS)

svc_of = $(if $(findstring tests/unit/services/,$(1)),$(word 4,$(subst /, ,$(1))),$($(basename $(notdir $(1)))_SVC))
define unit_tpl
$(patsubst %.c,$(BUILD)/%,$(1)): $(patsubst %.c,$(BUILD)/obj/%.o,$(1)) $$(if $(call svc_of,$(1)),$$($(call svc_of,$(1))_LIBOBJS)) $(SUPPORT_OBJS) $(LIBSHARED) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIBSHARED) $(LIBPROTO) $$(if $(call svc_of,$(1)),$$($(call svc_of,$(1))_LDLIBS)) $$(LDLIBS) $(CRIT_LIBS)
endef
$(foreach t,$(UNIT_SRCS) $(INTEG_SRCS) $(BENCH_SRCS),$(eval $(call unit_tpl,$(t))))

# The tests of ingest's extraction link the extractor's readers, detect.o and sandbox.o (ingest's
# own objects are there too once services/ingest/main.c exists); the sandbox tests run the
# extractor and a misbehaving stand-in for it (tests/support/extract_hostile/, built without
# sanitizers so that its memory limit is real).
EXTRACT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/services/ingest/extract/test_*.c \
                   tests/unit/services/ingest/test_detect.c tests/unit/services/ingest/test_sandbox.c \
                   tests/bench/bench_extract.c))
HOSTILE_BIN   := $(BUILD)/tests/support/extract-hostile
$(EXTRACT_TESTS): $(EXTRACT_LIBOBJS) $(BUILD)/obj/services/ingest/sandbox.o
$(EXTRACT_TESTS): LDLIBS += $(EXTRACT_LIBS)
$(BUILD)/tests/unit/services/ingest/test_sandbox: | $(EXTRACT_BIN) $(HOSTILE_BIN)
# An N-page PDF for the benchmarks (cairo): $(BUILD)/tests/support/make-pdf OUT.pdf PAGES.
MAKE_PDF_BIN  := $(BUILD)/tests/support/make-pdf
$(MAKE_PDF_BIN): tests/support/make_pdf/main.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(shell pkg-config --cflags cairo 2>/dev/null) $(LDFLAGS) -o $@ $< \
	  $(shell pkg-config --libs cairo 2>/dev/null)
tests: $(MAKE_PDF_BIN)
$(BUILD)/tests/bench/bench_extract: | $(MAKE_PDF_BIN)
# The pipeline's tests and benchmark make their big PDFs with it too (tests/support/pipeline.c).
$(filter %/test_pipeline_replicas %/test_pipeline_hostile %/test_pipeline_lifecycle \
  %/bench_ingest,$(INTEG_BINS) $(BENCH_BINS)): | $(MAKE_PDF_BIN)
$(HOSTILE_BIN): tests/support/extract_hostile/main.c services/ingest/extract/limits.c | $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) -I. -Ilibshared/include \
	  -I$(BUILD)/gen $(filter-out -fsanitize=%,$(LDFLAGS)) -o $@ $^ $(shell pkg-config --libs libseccomp 2>/dev/null)

# ---- fuzzing: tests/fuzz/fuzz_<name>.c -> $(BUILD)/fuzz/fuzz_<name> (libFuzzer, Debian clang) -------
# Each target names the sources it exercises (pure modules, no I/O); ASan and UBSan always on.
# tests/run.sh gives each a short bounded run from its seeds in tests/fuzz/corpus/<name>/.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -Wall -Wextra -Werror -I. -Ilibshared/include
# One tests/fuzz/<name>.mk per target: `FUZZ_NAMES += <name>`, `fuzz_<name>_SRCS := <the .c
# files beside tests/fuzz/fuzz_<name>.c>` and optionally `fuzz_<name>_LIBS := <-l...>`.
FUZZ_NAMES :=
include $(wildcard tests/fuzz/*.mk)
define fuzz_tpl
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRCS) tests/fuzz/$(1).mk
	@mkdir -p $$(@D)
	@echo "  FUZZ    $$@"
	$$(Q)$$(FUZZ_CC) $$(FUZZ_FLAGS) $$(filter %.c,$$^) -o $$@ $$(fuzz_$(1)_LIBS)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_tpl,$(f))))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
fuzz: $(FUZZ_BINS)

# Keep generated sources between runs.
.SECONDARY:

# ---- the web console: web/ -> web/dist (served by the edge) -------------------------------------
# npm ci runs only when package-lock.json is newer than the installed tree; vite builds only when
# a source changed. Nothing but the npm registry is contacted (web/.npmrc: no install scripts).
WEB_SRCS := $(shell find web/src web/public web/scripts -type f 2>/dev/null) web/index.html \
            web/vite.config.ts web/tsconfig.json web/package.json
WEB_STAMP := web/node_modules/.package-lock.json

$(WEB_STAMP): web/package-lock.json
	@echo "  NPM     ci (web)"
	$(Q)cd web && npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@

web/dist/index.html: $(WEB_STAMP) $(WEB_SRCS)
	@echo "  VITE    web/dist"
	$(Q)cd web && npm run --silent build

web: web/dist/index.html

# ---- test loops: make unit / integration / tsan / check-c ----------------------------------------
ASAN_VARS := BUILD=build/asan SANITIZE=address,undefined OPT=-O1
TSAN_VARS := BUILD=build/tsan SANITIZE=thread OPT=-O1
# T picks tests: unit binaries whose path contains T; integration binaries named T, in folder T,
# or (flat layout) called test_T or test_T_*.
UNIT_PICK  = $(if $(T),$(foreach b,$(UNIT_BINS),$(if $(findstring $(T),$(b)),$(b))),$(UNIT_BINS))
INTEG_DIR  = $(BUILD)/tests/integration
INTEG_PICK = $(if $(T),$(filter $(INTEG_DIR)/$(T) $(INTEG_DIR)/$(T)/% $(INTEG_DIR)/%/$(T) \
               $(INTEG_DIR)/test_$(T) $(INTEG_DIR)/test_$(T)_%,$(INTEG_BINS)),$(INTEG_BINS))

unit integration check-c: deps
	$(Q)$(MAKE) --no-print-directory $(ASAN_VARS) run-$@

# ThreadSanitizer: the stack (services, devstack, replicas) is built with it; the integration
# tests that drive it come from the ASan build, since Criterion's forked workers cannot start
# under the TSan runtime ("Could not initialize inheritable arena").
tsan: deps
	$(Q)$(MAKE) --no-print-directory $(TSAN_VARS) build
	$(Q)$(MAKE) --no-print-directory $(ASAN_VARS) STACK_BUILD=build/tsan run-integration

run-unit: $(UNIT_PICK)
	$(Q)BUILD=$(BUILD) UNIT_BINS="$(UNIT_PICK)" F='$(F)' tests/run.sh unit

run-integration: build $(INTEG_PICK)
	$(Q)if [ -z "$(INTEG_PICK)" ]; then echo "no integration test matches T=$(T)"; exit 1; fi
	$(Q)BUILD=$(or $(STACK_BUILD),$(BUILD)) INTEG_BINS="$(INTEG_PICK)" F='$(F)' tests/run.sh integration

run-check-c: all format-check
	$(Q)BUILD=$(BUILD) UNIT_BINS="$(UNIT_BINS)" INTEG_BINS="$(INTEG_BINS)" F='$(F)' tests/run.sh c

# ---- top-level targets ------------------------------------------------------------------------
.PHONY: all build tests deps run test check bench format format-check clean web unit integration \
        tsan check-c run-unit run-integration run-check-c k8s fuzz
.DEFAULT_GOAL := all

build: $(SERVICE_BINS) $(TOOL_BINS) $(EXTRACT_BIN)
tests: $(UNIT_BINS) $(INTEG_BINS) $(BENCH_BINS) $(FUZZ_BINS) $(SUPPORT_PROGS)
all: build tests

deps:
	$(Q)infra/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory build web
	$(Q)$(BUILD)/bin/devstack run

# The test build lives in its own tree so sanitizer objects never mix with release ones.
test: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 check

check: all format-check web
	$(Q)BUILD=$(BUILD) UNIT_BINS="$(UNIT_BINS)" INTEG_BINS="$(INTEG_BINS)" tests/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/bench/run.sh

C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find libshared services infra tests -name '*.[ch]')

format:
	$(Q)clang-format -i $(C_SOURCES)

# Fails (listing the files) when any C file is not clang-formatted.
format-check:
	$(Q)bad=$$(for f in $(C_SOURCES); do clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "not clang-formatted (run make format):"; echo "$$bad"; exit 1; fi

# k8s/services/<name>.yaml for every services/<name>/main.c, from one template (committed;
# tests/k8s/check.mjs fails when they are stale).
k8s:
	$(Q)k8s/gen.sh

clean:
	rm -rf build web/dist

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
