# Regression tests: start the real pinetd on loopback and talk to it.
# Included from the top-level Makefile.am; paths are relative to the top dir.

if WINDOWS
check_PROGRAMS += tests/helpers/winhelper tests/helpers/fakeq
else
check_PROGRAMS += tests/helpers/testhelper tests/helpers/fakeq
endif
tests_helpers_testhelper_SOURCES = tests/helpers/testhelper.c
tests_helpers_winhelper_SOURCES = tests/helpers/winhelper.c
tests_helpers_fakeq_SOURCES = tests/helpers/fakeq.c

TEST_EXTENSIONS = .py
PY_LOG_COMPILER = python3
PY_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	PINETD='$(abs_top_builddir)/pinetd$(EXEEXT)'; \
	TESTHELPER='$(abs_top_builddir)/tests/helpers/testhelper'; \
	WINHELPER='$(abs_top_builddir)/tests/helpers/winhelper$(EXEEXT)'; \
	FAKEQ='$(abs_top_builddir)/tests/helpers/fakeq$(EXEEXT)'; \
	export PINETD TESTHELPER WINHELPER FAKEQ;

REGRESS_TESTS = \
	tests/regress/builtin.py \
	tests/regress/spawn.py \
	tests/regress/waitsvc.py \
	tests/regress/users.py \
	tests/regress/maxrate.py \
	tests/regress/reload.py \
	tests/regress/conferr.py \
	tests/regress/confsyntax.py \
	tests/regress/unixsock.py \
	tests/regress/ipv6.py \
	tests/regress/daemon.py \
	tests/regress/kdb.py \
	tests/regress/xinetd.py \
	tests/regress/kdbopts.py \
	tests/regress/handoff.py

# Built for Windows, `make check` runs the Wine suite instead (.ci/wine sets
# up Wine and calls it).
WINE_TESTS = \
	tests/wine/basic.py \
	tests/wine/service.py \
	tests/wine/kdb.py \
	tests/wine/handoff.py \
	tests/wine/limits.py \
	tests/wine/reload.py \
	tests/wine/waitsvc.py \
	tests/wine/tls.py

if WINDOWS
TESTS += $(WINE_TESTS)
else
TESTS += $(REGRESS_TESTS)
endif
EXTRA_DIST += $(WINE_TESTS) tests/wine/winlib.py
EXTRA_DIST += $(REGRESS_TESTS) tests/regress/lib.py \
	tests/regress/kdbclient.py doc/kdb.md \
	doc/examples/kdb/inetd.conf doc/examples/kdb/q-quiet \
	doc/examples/kdb/kdbtaq.xinetd doc/examples/kdb/inetd-windows.conf \
	doc/examples/kdb/kdbtaq-windows.xinetd
