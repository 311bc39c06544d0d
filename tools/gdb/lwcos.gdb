# gdb setup for lwcos. Run gdb from the repository root:
#     gdb -x tools/gdb/lwcos.gdb
# or use 'lwcos debug' / 'make debug', which also start QEMU and attach.
#
# QEMU's gdb stub starts in 16-bit real mode at the reset vector, and gdb would
# guess the architecture from that. The kernel runs in long mode, so fix it.
set architecture i386:x86-64
set pagination off
set confirm off
set print pretty on
set disassembly-flavor intel

# Symbols and the lwcos-info command. The ISO holds a debug-stripped kernel;
# build/kernel.elf is the same image with DWARF.
source tools/gdb/lwcos.py

# proc list, lwc list, lwc show N, pt walk ADDR.
source tools/gdb/lwc.py
