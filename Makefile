# Fleksi - build, run and test. Plain make: `make`, `make test`, `make run`.
#
#   make            build everything into build/ (warnings are errors)
#   make deps       install missing Debian packages (apt-get)
#   make test       deps + build + every test; ends with "N passed, N failed"
#   make memcheck   the shared selftests (and wfa-monev's, wfa-gateway's) under valgrind
#   make asan       build with -fsanitize=address,undefined into build-asan/
#   make run        start redis + broker + the five services + the HTTP gateway (Ctrl-C stops)
#   make demo       load the Kabupaten Lumajang demo data and policy into a running system
#   make bench      load generator against a fresh system, with Redis's ceiling

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
SAN      ?=
# Every library comes from pkg-config. The flags are expanded when a recipe runs (=,
# not :=), so that `make test` on a fresh machine first installs them (deps), then asks
PKGS     := libczmq libzmq msgpack hiredis libcrypto libmicrohttpd jansson libcurl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
CFLAGS   = -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -MMD -MP $(SAN) \
            -Ishared -I$(BUILD)/gen $(PKG_CFLAGS)
LDLIBS   = $(shell pkg-config --libs $(PKGS)) -lm
LDFLAGS  := $(SAN)
# Only the programs that write XLSX workbooks (shared/wfa_report_xlsx.c) link libxlsxwriter
XLSX_LIBS = $(shell pkg-config --libs xlsxwriter)

DEB_PACKAGES := build-essential pkg-config redis-server redis-tools libzmq3-dev libczmq-dev \
                libmsgpack-dev libhiredis-dev valgrind python3 python3-zmq python3-msgpack \
                python3-yaml procps libssl-dev libmicrohttpd-dev libjansson-dev \
                python3-jsonschema python3-requests curl libcurl4-openssl-dev python3-jwt \
                python3-cryptography python3-aiosmtpd libxlsxwriter-dev python3-openpyxl \
                poppler-utils chromium nodejs

SHARED_SRC := $(filter-out shared/wfa_selftest.c,$(wildcard shared/wfa_*.c))
SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
SERVICES   := broker requests approvals notifications metrics monev gateway
SERVICE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(SERVICES:%=services/%/*.c)))
PROGRAMS   := $(SERVICES:%=$(BUILD)/bin/wfa-%) $(BUILD)/bin/wfactl $(BUILD)/bin/wfa-selftest \
              $(BUILD)/bin/wfa-bench $(BUILD)/bin/wfa-curve-bench
# The Lua libraries (Redis Functions): each is made of the steps of its folders
LUA_LIBRARIES := wfa
LUA_DIRS_wfa  := shared/lua services/monev/lua services/gateway/lua services/notifications/lua
LUA_GEN    := $(foreach lib,$(LUA_LIBRARIES),$(BUILD)/gen/lua/$(lib).lib.h $(BUILD)/gen/lua/$(lib).steps.h)

.PHONY: all web deps test memcheck asan run demo bench clean check-deps FORCE
all: $(PROGRAMS) web

# The dashboard (services/gateway/web): its files and Chart.js's dist file from npm, as the
# committed lock pins it (npm ci when node_modules is missing or older than the lock), into
# build/web/, which wfa-gateway serves (WFA_WEB_DIR overrides)
WEB_DIR   := services/gateway/web
WEB_PAGE  := $(WEB_DIR)/index.html $(WEB_DIR)/app.js $(WEB_DIR)/i18n.js $(WEB_DIR)/style.css
WEB_FILES := $(WEB_PAGE:$(WEB_DIR)/%=$(BUILD)/web/%) $(BUILD)/web/chart.umd.js
$(WEB_DIR)/node_modules/.package-lock.json: $(WEB_DIR)/package-lock.json
	@$(if $(V),,echo "  NPM     $(WEB_DIR)")
	$(Q)cd $(WEB_DIR) && npm ci --no-audit --no-fund --silent && touch node_modules/.package-lock.json
$(BUILD)/web/chart.umd.js: $(WEB_DIR)/node_modules/.package-lock.json
	@mkdir -p $(@D)
	$(Q)cp $(WEB_DIR)/node_modules/chart.js/dist/chart.umd.js $@
web: $(WEB_FILES)
$(BUILD)/web/%: $(WEB_DIR)/%
	@mkdir -p $(@D)
	$(Q)cp $< $@

# The archive is made anew whenever its list of modules changes, so a module
# moved out of shared/ leaves no stale member behind in an old build folder
$(BUILD)/libwfa.list: FORCE
	$(Q)mkdir -p $(@D) && echo '$(SHARED_OBJ)' | cmp -s - $@ || echo '$(SHARED_OBJ)' > $@
$(BUILD)/libwfa.a: $(SHARED_OBJ) $(BUILD)/libwfa.list
	$(Q)rm -f $@ && ar rcs $@ $(SHARED_OBJ)
FORCE:

# Quiet by default; make V=1 shows the commands
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# A Lua library becomes C: the steps of its folders (DIR/*.lua, sharing DIR/lib/*.lua)
# registered as the functions of one Redis Function library, its text a C string
# (build/gen/lua/NAME.lib.h) and its steps a table (NAME.steps.h); see the script
define LUA_LIBRARY
$(BUILD)/gen/lua/$(1).lib.h $(BUILD)/gen/lua/$(1).steps.h &: tools/build/lua-library.sh \
        $(foreach dir,$(LUA_DIRS_$(1)),$(sort $(wildcard $(dir)/*.lua $(dir)/lib/*.lua)))
	@mkdir -p $$(dir $$@)
	@$$(if $$(V),,echo "  LUA     $(1)")
	$$(Q)sh tools/build/lua-library.sh $(1) $(BUILD)/gen/lua/$(1) $(LUA_DIRS_$(1))
endef
$(foreach lib,$(LUA_LIBRARIES),$(eval $(call LUA_LIBRARY,$(lib))))

# A service is every .c file of its folder: services/NAME/*.c -> build/bin/wfa-NAME
define SERVICE_LINK
$(BUILD)/bin/wfa-$(1): $(filter $(BUILD)/services/$(1)/%,$(SERVICE_OBJ)) $(BUILD)/libwfa.a
	@mkdir -p $$(dir $$@)
	@$$(if $$(V),,echo "  LINK    $$@")
	$$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) $$(if $$(filter gateway,$(1)),$$(XLSX_LIBS)) -o $$@
endef
$(foreach service,$(SERVICES),$(eval $(call SERVICE_LINK,$(service))))

$(BUILD)/bin/wfactl: $(BUILD)/tools/wfactl/wfactl.o $(BUILD)/libwfa.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(XLSX_LIBS) -o $@

# libcurl is in PKGS: the gateway fetches identity providers' JWKS (shared/wfa_auth.c),
# the bench drives HTTP as a client
$(BUILD)/bin/wfa-bench: $(BUILD)/tools/bench/wfa_bench.o $(BUILD)/libwfa.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bin/wfa-curve-bench: $(BUILD)/tools/bench/wfa_curve_bench.o $(BUILD)/libwfa.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bin/wfa-selftest: $(BUILD)/shared/wfa_selftest.o $(BUILD)/libwfa.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(XLSX_LIBS) -o $@

# The pemda list becomes a C table: shared/data/pemda.csv -> build/gen/pemda.inc, one
# initializer per pemda, sorted by code (C locale, as strcmp orders them)
$(BUILD)/gen/pemda.inc: shared/data/pemda.csv
	@mkdir -p $(dir $@)
	$(Q)tail -n +2 $< | LC_ALL=C sort -t, -k1,1 | awk -F, 'NF == 5 && $$1 ~ /^[0-9][0-9](\.[0-9][0-9])?$$/ \
	    { printf "    { \"%s\", \"%s\", \"%s\", WFA_TZ_%s, %sL },\n", $$1, $$2, $$3, $$4, $$5 }' > $@

# The gateway's routes and the file it serves: docs/openapi.yaml -> build/gen/gateway_*.inc
GATEWAY_GEN := $(BUILD)/gen/gateway_routes.inc $(BUILD)/gen/gateway_openapi.inc
$(GATEWAY_GEN) &: docs/openapi.yaml tools/build/routes.py
	@mkdir -p $(BUILD)/gen
	@$(if $(V),,echo "  ROUTES  $<")
	$(Q)python3 tools/build/routes.py $< $(BUILD)/gen/gateway_routes.inc $(BUILD)/gen/gateway_openapi.inc
$(BUILD)/services/gateway/route.o: $(GATEWAY_GEN)

$(SERVICE_OBJ) $(SHARED_OBJ) $(BUILD)/shared/wfa_selftest.o \
$(BUILD)/tools/wfactl/wfactl.o $(BUILD)/tools/bench/wfa_bench.o $(BUILD)/tools/bench/wfa_curve_bench.o: \
    $(LUA_GEN) $(BUILD)/gen/pemda.inc

# Install what is missing, once; quiet when everything is there.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# npm: NodeSource's nodejs carries it, Debian's nodejs does not (then Debian's npm)
	@command -v npm >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	@# The browser tests' npm packages, as their lock file pins them (never committed)
	@[ tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ] || \
	  (cd tests/browser && npm ci --no-audit --no-fund --silent)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	/usr/bin/python3 tests/run.py

memcheck: deps all
	@for t in $$($(BUILD)/bin/wfa-selftest -l); do \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=9 $(BUILD)/bin/wfa-selftest -t $$t >/dev/null || { echo "memcheck: $$t FAILED"; exit 1; }; \
	  echo "memcheck: $$t clean"; \
	done
	@valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	  $(BUILD)/bin/wfa-monev --selftest >/dev/null || { echo "memcheck: wfa-monev FAILED"; exit 1; }
	@echo "memcheck: wfa-monev clean"
	@valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	  $(BUILD)/bin/wfa-gateway --selftest >/dev/null || { echo "memcheck: wfa-gateway FAILED"; exit 1; }
	@echo "memcheck: wfa-gateway clean"
	@valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	  $(BUILD)/bin/wfa-notifications --selftest >/dev/null || { echo "memcheck: wfa-notifications FAILED"; exit 1; }
	@echo "memcheck: wfa-notifications clean"

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"

run: deps all
	@bash deploy/run.sh

# The demo's people (imported by the operator's key), a key for each of them and for the
# demo's Kemendagri reader (so that wfactl --as NIP signs in as that person), then its
# policy (the atasan -> kepala OPD -> BKD chain), set by its BKD officer
DEMO_KEMENDAGRI := 196901011990031001
demo: all
	@$(BUILD)/bin/wfactl import employees deploy/demo/lumajang.csv
	@$(BUILD)/bin/wfactl keys issue --if-missing --kemendagri $(DEMO_KEMENDAGRI) \
	    $$(tail -n +2 deploy/demo/lumajang.csv | cut -d, -f1 | sed 's/^/--nip /')
	@$(BUILD)/bin/wfactl policy set --pemda 35.08 deploy/demo/policy.ini --as 197203151998032004

bench: deps all
	@bash tools/bench/bench.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
