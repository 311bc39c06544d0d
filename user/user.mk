# User space: static musl programs and the initramfs that carries them.
# Included by the top-level Makefile, so every variable here starts with USER_
# and the kernel's CC (clang) is left alone.
#
#   make user        build every program into build/rootfs/
#   make initramfs   pack build/rootfs/ into build/initramfs.cpio (cpio newc)
#
# Layout of build/rootfs/ (and of the guest's file system):
#   /init      user/bin/init.c, pid 1
#   /bin/*     the other programs of user/bin/
#   /tests/*   one KTAP test program per user/tests/*.c
#   /bench/    benchmark programs (none yet, the folder is still created)
#   /etc/, /tmp/  empty folders; the harness may add /etc/lwcos-exec

USER_CC := musl-gcc
USER_CFLAGS := -static -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Iuser/lib -MMD -MP
USER_BUILD := build/user
USER_ROOTFS := build/rootfs
USER_INITRAMFS := build/initramfs.cpio

USER_LIB_SRCS := $(sort $(wildcard user/lib/*.c))
USER_LIB_OBJS := $(USER_LIB_SRCS:user/lib/%.c=$(USER_BUILD)/lib/%.o)
# An archive, so that each program links only the helpers it uses.
USER_LIB := $(USER_BUILD)/libuser.a
USER_BIN_NAMES := $(filter-out init,$(basename $(notdir $(wildcard user/bin/*.c))))
USER_TEST_NAMES := $(basename $(notdir $(wildcard user/tests/*.c)))
USER_BENCH_NAMES := $(basename $(notdir $(wildcard user/bench/*.c)))

USER_PROGRAMS := $(USER_ROOTFS)/init \
	$(USER_BIN_NAMES:%=$(USER_ROOTFS)/bin/%) \
	$(USER_TEST_NAMES:%=$(USER_ROOTFS)/tests/%) \
	$(USER_BENCH_NAMES:%=$(USER_ROOTFS)/bench/%)
USER_DIRS := $(USER_ROOTFS)/bin $(USER_ROOTFS)/tests $(USER_ROOTFS)/bench \
	$(USER_ROOTFS)/etc $(USER_ROOTFS)/tmp

# The top-level Makefile sets Q (quiet unless V=1); on its own this file is quiet.
Q ?= @

.PHONY: user initramfs

# Objects are intermediate files of the pattern rules; keep them for incremental builds.
USER_OBJS := $(USER_PROGRAMS:$(USER_ROOTFS)/%=$(USER_BUILD)/%.o)
.SECONDARY: $(USER_OBJS) $(USER_BUILD)/bin/init.o

user: $(USER_PROGRAMS) | $(USER_DIRS)

# The archive is rebuilt when a program changes; a file dropped into
# build/rootfs/ by hand (an /etc/lwcos-exec, say) needs `make -B initramfs`.
# NOTE: cpio keeps the build's mtimes, so the archive is not byte-reproducible.
initramfs: $(USER_INITRAMFS)

$(USER_INITRAMFS): $(USER_PROGRAMS) | $(USER_DIRS)
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)chmod 1777 $(USER_ROOTFS)/tmp
	$(Q)cd $(USER_ROOTFS) && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > $(abspath $@).tmp
	$(Q)mv $@.tmp $@

$(USER_DIRS):
	$(Q)mkdir -p $@

$(USER_BUILD)/%.o: user/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSLCC  $<")
	$(Q)$(USER_CC) $(USER_CFLAGS) -c $< -o $@

$(USER_LIB): $(USER_LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(USER_ROOTFS)/init: $(USER_BUILD)/bin/init.o $(USER_LIB) | $(USER_DIRS)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(USER_CC) -static -o $@ $^

$(USER_ROOTFS)/bin/%: $(USER_BUILD)/bin/%.o $(USER_LIB) | $(USER_DIRS)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(USER_CC) -static -o $@ $^

$(USER_ROOTFS)/tests/%: $(USER_BUILD)/tests/%.o $(USER_LIB) | $(USER_DIRS)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(USER_CC) -static -o $@ $^

$(USER_ROOTFS)/bench/%: $(USER_BUILD)/bench/%.o $(USER_LIB) | $(USER_DIRS)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(USER_CC) -static -o $@ $^

-include $(USER_LIB_OBJS:.o=.d) $(USER_PROGRAMS:$(USER_ROOTFS)/%=$(USER_BUILD)/%.d) \
	$(USER_BUILD)/bin/init.d
