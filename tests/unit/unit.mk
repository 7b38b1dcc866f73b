# unit.mk: unit test sources (check library); wired into the build by tests/tests.mk.
UNIT_TEST_SRCS += tests/unit/test_trace_parse.c
