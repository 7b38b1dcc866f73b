UNIT_TEST_SRCS += tests/unit/test_alloc_ops.c
