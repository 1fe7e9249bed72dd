# sluice: build, test, install, bench, fuzz, lint, demo.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
CC      ?= cc
CFLAGS  ?= -O2 -g
STDFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
	   -DSLUICE_VERSION='"$(VERSION)"' -Itools/lib \
	   -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
LDLIBS   = -ljq -lxxhash -lpcre2-8 -lz -lzstd -lm
PGLIBS   = -lpq
PG_TOOLS = pg-load prune

ifeq ($(SANITIZE),1)
MODE     = san
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else
MODE     = rel
endif
B        = build/$(MODE)

TOOLS    = $(filter-out lib,$(notdir $(wildcard tools/*)))
BINS     = $(addprefix bin/,$(TOOLS))
RUNBOOKS = scripts/sluice-backfill scripts/sluice-verify
LIB_SRC  = $(wildcard tools/lib/*.c)
LIB_OBJ  = $(patsubst tools/lib/%.c,$(B)/lib/%.o,$(LIB_SRC))
LIB      = $(B)/libsluice.a
UNIT_SRC = $(wildcard tests/unit/*.c)
UNITS    = $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRC))
MANS     = $(wildcard man/man1/*.1 man/man7/*.7)
SCRIPTS  = $(filter-out %.md,$(wildcard scripts/*)) .ci/run tests/run \
	   tests/bench/run tests/fuzz/run \
	   $(wildcard tests/cluster/*.sh tests/bench/*.sh)

.PHONY: all check unit install uninstall lint bench fuzz demo clean FORCE
.SECONDARY:

all: $(BINS)

# Objects depend on every header: the library is small, rebuilds are cheap.
$(B)/lib/%.o: tools/lib/%.c $(wildcard tools/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# A tool is every .c in its folder, linked with the library.
.SECONDEXPANSION:
bin/%: $$(wildcard tools/%/*.c tools/%/*.h) $(LIB) $(B)/.mode
	@mkdir -p bin
	$(CC) $(STDFLAGS) $(CFLAGS) -o $@ $(wildcard tools/$*/*.c) $(LIB) \
	    $(LDLIBS) $(if $(filter $*,$(PG_TOOLS)),$(PGLIBS)) $(LDFLAGS)

$(B)/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(PGLIBS) $(LDFLAGS)

# Relink the tools when switching between normal and sanitizer builds.
$(B)/.mode: FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat build/.last 2>/dev/null)" != $(MODE) ] || \
	    ! [ -f $@ ]; then echo $(MODE) > build/.last; touch $@; fi
FORCE:

unit: $(UNITS)

# MODEL_CASES=N: how many random cases tests/pg-load-model.bats runs.
check: all unit
	UNIT_DIR=$(B)/unit SLUICE_SANITIZE=$(filter 1,$(SANITIZE)) \
	    $(if $(MODEL_CASES),MODEL_CASES=$(MODEL_CASES)) tests/run

# PROGRAM_PREFIX=sluice- installs the tools as sluice-chunk, ... and their
# pages as sluice-chunk.1, ... with every cross-reference renamed; the
# runbooks keep their names and learn the prefix. With DESTDIR, uninstall
# also removes the directories it leaves empty below DESTDIR.
PROGRAM_PREFIX ?=
P        = $(PROGRAM_PREFIX)
RUNBOOK_MANS = $(addprefix man/man1/,$(addsuffix .1,$(notdir $(RUNBOOKS))))
MANSED   = $(foreach t,$(TOOLS),-e 's/\(^\.\| \)Xr $(t) /\1Xr $(P)$(t) /g')
INSTDIRS = $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7

install: all
	install -d $(INSTDIRS)
	for t in $(TOOLS); do \
	    install -m 755 bin/$$t $(DESTDIR)$(PREFIX)/bin/$(P)$$t || exit; \
	    T=$$(echo "$(P)$$t" | tr a-z A-Z); \
	    sed $(MANSED) -e "s/^\.Nm $$t\$$/.Nm $(P)$$t/" \
	        -e "s/^\.Dt [^ ]* /.Dt $$T /" man/man1/$$t.1 \
	        >$(DESTDIR)$(MANDIR)/man1/$(P)$$t.1 || exit; \
	    chmod 644 $(DESTDIR)$(MANDIR)/man1/$(P)$$t.1; \
	done
	for f in $(RUNBOOKS); do \
	    sed 's/^program_prefix=$$/program_prefix=$(P)/' $$f \
	        >$(DESTDIR)$(PREFIX)/bin/$$(basename $$f) || exit; \
	    chmod 755 $(DESTDIR)$(PREFIX)/bin/$$(basename $$f); \
	done
	for f in $(RUNBOOK_MANS) $(wildcard man/man7/*.7); do \
	    sed $(MANSED) $$f >$(DESTDIR)$(MANDIR)/$${f#man/} || exit; \
	    chmod 644 $(DESTDIR)$(MANDIR)/$${f#man/}; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(addprefix $(P),$(TOOLS)) \
	    $(notdir $(RUNBOOKS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(addprefix $(P),$(TOOLS)))) \
	    $(addprefix $(DESTDIR)$(MANDIR)/,$(patsubst man/%,%,$(RUNBOOK_MANS) \
	    $(wildcard man/man7/*.7)))
ifneq ($(DESTDIR),)
	for d in $(INSTDIRS); do \
	    while [ "$$d" != "$(DESTDIR)" ] && [ "$${d#$(DESTDIR)}" != "$$d" ] && \
	        rmdir "$$d" 2>/dev/null; do d=$$(dirname "$$d"); done; \
	done
endif

lint:
	mandoc -Tlint -Wwarning $(MANS)
	shellcheck $(SCRIPTS)

bench: all
	tests/bench/run

fuzz:
	tests/fuzz/run

demo:
	scripts/install-deps
	$(MAKE) all
	scripts/demo

clean:
	rm -rf build bin
