"""gdb helpers for lwcos, loaded by tools/gdb/lwcos.gdb.

Loads build/kernel.elf when gdb has no program yet, and adds `lwcos-info`,
which prints the boot mode and the frame allocator's counts from kernel
variables. Later helpers (lwc list, pt walk, ...) belong here too.
"""

import os

import gdb

KERNEL_ELF = os.path.join("build", "kernel.elf")


def load_kernel_symbols():
    """Load build/kernel.elf unless the user already named a program."""
    if gdb.current_progspace().filename:
        return
    if not os.path.exists(KERNEL_ELF):
        gdb.write("lwcos: %s not found; run 'make kernel' first\n" % KERNEL_ELF, gdb.STDERR)
        return
    gdb.execute("file " + KERNEL_ELF, to_string=True)


def read_static(name):
    """Return the value of a global or file-static kernel variable, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if symbol is None:
        return None
    return symbol.value()


class LwcosInfo(gdb.Command):
    """Print the boot mode and the free and usable frame counts.

Usage: lwcos-info
Reads the kernel variables boot_mode, free_frames and usable_frames; a frame
is 4 KiB. Before kmain has parsed the command line the values are zero."""

    def __init__(self):
        super().__init__("lwcos-info", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        mode = read_static("boot_mode")
        free = read_static("free_frames")
        usable = read_static("usable_frames")
        gdb.write("boot mode: %s\n" % (mode if mode is not None else "(boot_mode not found)"))
        if free is None or usable is None:
            gdb.write("frames: (free_frames or usable_frames not found)\n")
            return
        free, usable = int(free), int(usable)
        gdb.write("frames: %d free of %d usable (%d MiB free)\n" % (free, usable, free * 4 // 1024))


load_kernel_symbols()
LwcosInfo()
