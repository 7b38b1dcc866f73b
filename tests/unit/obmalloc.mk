UNIT_TEST_SRCS += tests/unit/test_obmalloc.c
