# unit.mk: the parser's unit tests (check library); wired in by tests/tests.mk.
# Each file is one test program; parse_check.h holds their shared helpers.
UNIT_TEST_SRCS += tests/unit/test_trace_lex.c tests/unit/test_trace_parse.c
