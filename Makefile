# hostprof build. `make` builds ./hostprof; `sudo make run` profiles the host;
# `sudo make test` builds and runs every test. See README.md.

CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
PROTOC_C ?= protoc-c
DURATION ?= 30

BUILD := build
GEN := gen

# Short lines by default (kbuild style); V=1 shows the full commands.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)'
endif

# Project code: warnings are errors.
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
USER_DIRS := userspace userspace/proc userspace/symbolize userspace/export
INCLUDES := -Ibpf $(addprefix -I,$(USER_DIRS)) -Iunwinders -Iunwinders/native -Iunwinders/python -I$(GEN)
LIBS := -lbpf -lelf -lz -lprotobuf-c -lcurl -lpthread -lstdc++ -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BPF_SRCS := $(wildcard bpf/*.bpf.c) $(wildcard unwinders/*/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h) $(GEN)/vmlinux.h

# Userspace: everything but main.c is also linked into the unit tests.
LIB_SRCS := $(filter-out userspace/main.c,$(wildcard $(addsuffix /*.c,$(USER_DIRS)))) \
	unwinders/registry.c $(filter-out %.bpf.c,$(wildcard unwinders/*/*.c))
PROTOS := $(notdir $(basename $(wildcard userspace/export/proto/*.proto)))
GEN_SRCS := $(patsubst %,$(GEN)/%.pb-c.c,$(PROTOS))
# Header dependencies come from the compiler (-MMD); generated headers must
# exist before the first compile, hence order-only.
GEN_HDRS := $(patsubst %,$(GEN)/%.pb-c.h,$(PROTOS)) $(GEN)/hostprof.skel.h
DEPFLAGS = -MMD -MP

UNIT_SRCS := $(wildcard tests/unit/*.c)

# generated files are outputs in their own right, not intermediates to delete
.SECONDARY: $(GEN_SRCS) $(GEN_HDRS) $(BPF_OBJS) $(BUILD)/hostprof.bpf.o

.PHONY: all deps test-deps run test unit integration bench asan fuzz clean format lint help vmtest
.DELETE_ON_ERROR:

all: deps hostprof

help:
	@echo "make              build ./hostprof (installs build dependencies with apt)"
	@echo "sudo make run     profile the whole host for DURATION=$(DURATION) s into ./hostprof-out/"
	@echo "sudo make test    build and run every test (unit, ASan+UBSan, BPF integration)"
	@echo "sudo make bench   overhead benchmark against perf record"
	@echo "sudo make vmtest  boot the kernel matrix (5.10 to the newest) under QEMU and test in each"
	@echo "make fuzz         fuzz the CFI parser for FUZZ_SECONDS=$(FUZZ_SECONDS) s"
	@echo "make format|lint  clang-format the sources / check formatting"

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test --vmtest

# --- BPF ---------------------------------------------------------------------
$(GEN)/vmlinux.h: | deps
	$(call msg,BTF,$@)
	$(Q)btf/gen-vmlinux.sh $@

$(BUILD)/bpf/%.bpf.o: %.bpf.c $(BPF_HDRS) | deps
	@mkdir -p $(@D)
	$(call msg,BPF,$<)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -Ibpf -I$(GEN) $(DEPFLAGS) -c $< -o $@

# One object holding every program; the shared __weak maps merge here.
$(BUILD)/hostprof.bpf.o: $(BPF_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(GEN)/hostprof.skel.h: $(BUILD)/hostprof.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name hostprof_bpf > $@

# --- protobuf ----------------------------------------------------------------
$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: userspace/export/proto/%.proto | deps
	$(call msg,PROTOC-C,$<)
	$(Q)$(PROTOC_C) --c_out=$(GEN) --proto_path=userspace/export/proto $<

# --- userspace ---------------------------------------------------------------
$(BUILD)/o/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/asan/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(@D)
	$(call msg,CC-ASAN,$<)
	$(Q)$(CC) -O1 -g $(SAN_FLAGS) $(WARN) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

hostprof: $(patsubst %.c,$(BUILD)/o/%.o,userspace/main.c $(LIB_SRCS) $(GEN_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/hostprof-asan: $(patsubst %.c,$(BUILD)/asan/%.o,userspace/main.c $(LIB_SRCS) $(GEN_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(BUILD)/unit-tests: $(patsubst %.c,$(BUILD)/asan/%.o,$(UNIT_SRCS) $(LIB_SRCS) $(GEN_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(BUILD)/cfi-dump: $(patsubst %.c,$(BUILD)/o/%.o,tests/tools/cfi_dump.c $(LIB_SRCS) $(GEN_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# libFuzzer target for the CFI parser (clang, with ASan and UBSan)
FUZZ_SECONDS ?= 60
$(BUILD)/fuzz-cfi: tests/fuzz/fuzz_cfi.c unwinders/native/cfi.c userspace/util.c $(wildcard unwinders/native/*.h) bpf/hostprof.h
	@mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(WARN) $(INCLUDES) -o $@ tests/fuzz/fuzz_cfi.c unwinders/native/cfi.c userspace/util.c

fuzz: test-deps $(BUILD)/fuzz-cfi
	scripts/fuzz-corpus.sh $(BUILD)/fuzz-corpus
	$(BUILD)/fuzz-cfi -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $(BUILD)/fuzz-corpus

asan: deps $(BUILD)/hostprof-asan

# --- commands ----------------------------------------------------------------
run: all
	./hostprof --duration $(DURATION) --stats
	@echo "view: open the flame graph above in a browser; or go tool pprof -top" \
		"hostprof-out/cpu-*.pprof (or -http=localhost:8080)"


unit: test-deps $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test: test-deps all $(BUILD)/hostprof-asan $(BUILD)/unit-tests $(BUILD)/cfi-dump $(BUILD)/fuzz-cfi
	python3 tests/run.py

# the kernel matrix alone (also part of `make test`); VMTEST_KERNELS picks kernels
vmtest: test-deps all
	vmtest/run.sh

bench: test-deps all $(BUILD)/cfi-dump
	scripts/bench.sh

format:
	clang-format -i $(wildcard bpf/*.[ch] $(addsuffix /*.[ch],$(USER_DIRS)) unwinders/*.[ch] unwinders/*/*.[ch] tests/unit/*.[ch] tests/workloads/*.c)

lint:
	clang-format --dry-run -Werror $(wildcard bpf/*.[ch] $(addsuffix /*.[ch],$(USER_DIRS)) unwinders/*.[ch] unwinders/*/*.[ch] tests/unit/*.[ch] tests/workloads/*.c)

clean:
	rm -rf $(BUILD) hostprof $(filter-out $(GEN)/.gitignore,$(wildcard $(GEN)/*))
