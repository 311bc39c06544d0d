# lwcos build. The kernel is built here; booting, testing and debugging are
# done by the Swift harness (swift run lwcos ...), which calls `make kernel`.
#
#   make deps    install missing Debian packages (as root), or print the command
#   make         build the kernel, the user programs and the shell-mode ISO
#   make build   build the kernel and build/initramfs.cpio (what the harness boots)
#   make run     boot the ISO in QEMU with the serial console on this terminal
#   make test    build, then run the whole test suite (swift test)
#   make debug   boot paused under gdb; BREAK=symbol sets the breakpoint and
#                MODE=test|shell|bench the boot mode (default shell), or
#                EXEC=program to boot exec mode with that static program
#   make clean   remove build/

SHELL := /bin/bash
.DEFAULT_GOAL := all

# make V=1 prints every command in full.
Q := $(if $(V),,@)

BUILD := build
GEN := $(BUILD)/gen

CC := clang
LD := ld.lld
NASM := nasm
OBJCOPY := objcopy
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
LWCOS := $(SWIFT) run --quiet lwcos

# Kernel C flags: freestanding, no SSE (no FPU state saved on traps), no red
# zone (interrupts write below rsp), frame pointers for backtraces.
KERNEL_CFLAGS := --target=x86_64-unknown-none-elf -std=c11 -ffreestanding \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx -fno-omit-frame-pointer \
	-mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
	-g -Og -Wall -Wextra -Werror -Ikernel -MMD -MP
NASMFLAGS := -f elf64 -g -F dwarf -I$(GEN)/ -Werror

KERNEL_C_SRCS := $(shell find kernel -name '*.c' | sort)
KERNEL_ASM_SRCS := boot/entry.asm boot/higher_half.asm $(shell find kernel -name '*.asm' | sort)
KERNEL_OBJS := $(KERNEL_C_SRCS:%.c=$(BUILD)/obj/%.o) $(KERNEL_ASM_SRCS:%.asm=$(BUILD)/obj/%.o)

KERNEL_ELF := $(BUILD)/kernel.elf
KERNEL_ISO_ELF := $(BUILD)/kernel.iso.elf

# linux-image-amd64 is the kernel that `lwcos bench --linux` boots next to lwcos.
DEBIAN_PACKAGES := make qemu-system-x86 nasm grub-pc-bin grub-common xorriso mtools \
	clang lld gdb cpio musl-tools binutils linux-image-amd64

.PHONY: all build kernel iso deps run test debug clean

all: iso

# What the harness boots: the kernel and the initramfs of user programs.
build: kernel initramfs

kernel: $(KERNEL_ELF) $(KERNEL_ISO_ELF)

iso: deps-check
	$(LWCOS) iso

$(GEN)/asm_consts.inc: kernel/arch/x86_64/asm_consts.h
	@mkdir -p $(@D)
	$(Q)sed -n 's/^#define \([A-Z_0-9]*\) \(.*\)$$/%define \1 \2/p' $< > $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.asm $(GEN)/asm_consts.inc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) kernel/kernel.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -T kernel/kernel.ld -nostdlib -static -z max-page-size=0x1000 -o $@ $(KERNEL_OBJS)
	$(Q)grub-file --is-x86-multiboot2 $@ || { echo "error: $@ has no valid multiboot2 header" >&2; rm -f $@; exit 1; }

# GRUB copies every section into memory, DWARF included: the ISO gets a copy
# without debug sections (the symbol table stays, for backtraces).
$(KERNEL_ISO_ELF): $(KERNEL_ELF)
	@$(if $(Q),echo "  STRIP   $@")
	$(Q)$(OBJCOPY) --strip-debug $< $@

# Install what is missing when root; otherwise print the command to run.
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps: installing $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "deps: missing packages: $$missing"; \
		echo "deps: run: sudo apt-get install $$missing"; exit 1; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "deps: swift not found; install the Swift 6 toolchain (swift.org) and put it on PATH" >&2; exit 1; }

deps-check: deps

run: deps
	$(LWCOS) run

test: deps
	$(SWIFT) test

debug: deps
	$(LWCOS) debug $(if $(BREAK),--break $(BREAK)) $(if $(MODE),--mode $(MODE)) $(if $(EXEC),--exec $(EXEC))

clean:
	rm -rf $(BUILD)

-include user/user.mk
-include $(KERNEL_OBJS:.o=.d)
