# install.mk: `make install PREFIX=DIR` (default /usr/local; DESTDIR for
# staged installs) puts the library, its header, the command, a pkg-config
# file and the CPython driver's modules (which `pymemref export` embeds)
# under PREFIX:
#   lib/libpymemref.a  include/pymemref.h  bin/pymemref
#   lib/pkgconfig/pymemref.pc  share/pymemref/cpython/*.py
# `make install-check` installs into $(BUILD)/install-check, builds the C API
# example of README.md against it with pkg-config, and runs the installed
# command's `export --python` of the example's lines with python3.

PREFIX  ?= /usr/local
DESTDIR ?=
PM_VERSION = $(shell sed -n 's/^\#define PYMEMREF_VERSION "\(.*\)"/\1/p' model/pymemref.h)
DRIVER_PY := fuzz/cpython/trace_parse.py fuzz/cpython/trace_gen.py fuzz/cpython/trace_exec.py

.PHONY: install install-check
install: $(LIB) $(CLI)
	@case "$(PREFIX)" in /*) ;; *) echo "make install: PREFIX must be an absolute path" >&2; exit 2;; esac
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pymemref/cpython
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libpymemref.a
	install -m 644 model/pymemref.h $(DESTDIR)$(PREFIX)/include/pymemref.h
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/pymemref
	install -m 644 $(DRIVER_PY) $(DESTDIR)$(PREFIX)/share/pymemref/cpython/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(PM_VERSION)|' model/pymemref.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pymemref.pc
	@echo "make install: pymemref $(PM_VERSION) in $(DESTDIR)$(PREFIX)"

# The README's example (between the markers `<!-- api-example -->` and
# `<!-- /api-example -->`), built against a fresh install with pkg-config
# alone; it must print what `pymemref run` prints for the same lines.
INSTALL_CHECK := $(abspath $(BUILD))/install-check
install-check: $(LIB) $(CLI) $(SETUP_STAMP)
	rm -rf $(INSTALL_CHECK)
	$(MAKE) --no-print-directory install PREFIX=$(INSTALL_CHECK)/prefix
	sed -n '/<!-- api-example -->/,/<!-- \/api-example -->/p' README.md \
	  | sed -e '1,/^```c/d' -e '/^```/,$$d' > $(INSTALL_CHECK)/example.c
	test -s $(INSTALL_CHECK)/example.c
	cd $(INSTALL_CHECK) && PKG_CONFIG_PATH=$(INSTALL_CHECK)/prefix/lib/pkgconfig \
	  $(CC) -std=c11 -Wall -Wextra -Werror -o example example.c \
	  $$(PKG_CONFIG_PATH=$(INSTALL_CHECK)/prefix/lib/pkgconfig pkg-config --cflags --libs pymemref)
	$(INSTALL_CHECK)/example > $(INSTALL_CHECK)/example.out
	sed -n 's/^    "\(.*\)",$$/\1/p' $(INSTALL_CHECK)/example.c > $(INSTALL_CHECK)/example.trace
	$(INSTALL_CHECK)/prefix/bin/pymemref run --profile 3.11 $(INSTALL_CHECK)/example.trace \
	  | diff - $(INSTALL_CHECK)/example.out
	$(INSTALL_CHECK)/prefix/bin/pymemref export --python --profile 3.11 \
	  -o $(INSTALL_CHECK)/test_example.py $(INSTALL_CHECK)/example.trace
	cd / && $(PYTHON) $(INSTALL_CHECK)/test_example.py
	@echo "install-check: the installed library builds README.md's example, which prints" \
	  "what the installed pymemref prints ($$(wc -l < $(INSTALL_CHECK)/example.out) events)"

TEST_TARGETS += install-check
