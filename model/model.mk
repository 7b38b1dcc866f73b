# model.mk: the model library and the pymemref command.
#   $(LIB)  build/libpymemref.a  every model/*.c
#   $(CLI)  build/pymemref       model/cli/*.c linked with $(LIB)
# Objects go under $(BUILD)/obj/ with their header dependencies (-MMD -MP).

MODEL_SRCS := $(sort $(wildcard model/*.c))
MODEL_OBJS := $(MODEL_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_SRCS   := $(sort $(wildcard model/cli/*.c))
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)

LIB := $(BUILD)/libpymemref.a
CLI := $(BUILD)/pymemref

$(BUILD)/obj/model/%.o: model/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(MODEL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

.PHONY: lib cli
lib: $(LIB)
cli: $(CLI)

-include $(MODEL_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
include model/install.mk
