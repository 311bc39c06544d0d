/* kmain: the first C code, called from boot/entry.asm in the higher half. */
#include <stdint.h>

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "boot/cmdline.h"
#include "boot/multiboot2.h"
#include "kconsole.h"
#include "lib/klog.h"
#include "lib/ksym.h"
#include "lib/ktest.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/layout.h"

/* Upper bound on the size of the boot information we are willing to read. */
#define BOOT_INFO_MAX_SIZE (1ul << 20)

#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_NX (1u << 20)

static void enable_nx(void)
{
    if (cpuid(CPUID_EXT_FEATURES, 0).edx & CPUID_EXT_EDX_NX) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        klog(KLOG_INFO, "cpu", "NX (no-execute) is on");
    } else {
        klog(KLOG_WARN, "cpu", "the CPU has no NX bit; data pages stay executable");
    }
}

/* The identity map of the first GiB was only needed to jump to the higher
 * half; dropping it makes stray low-address accesses fault. */
static void drop_identity_map(void)
{
    uint64_t cr3 = read_cr3();
    uint64_t *pml4 = phys_to_virt(cr3 & ~0xffful);

    pml4[0] = 0;
    write_cr3(cr3);
}

static void parse_boot_information(uint32_t magic, uint64_t info_phys)
{
    char err[160];

    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("kmain: boot loader magic %#x is not multiboot2's %#x", magic,
              MB2_BOOTLOADER_MAGIC);
    if (mb2_parse(phys_to_virt(info_phys), BOOT_INFO_MAX_SIZE, info_phys, &boot_info, err,
                  sizeof(err)) != 0)
        panic("kmain: invalid multiboot2 information at %#lx: %s", (unsigned long)info_phys,
              err);

    /* Options first, so loglevel= applies to everything after. */
    if (!boot_info.has_cmdline)
        klog(KLOG_WARN, "boot", "no command line from the boot loader; using defaults");
    cmdline_parse(boot_info.cmdline, &boot_options);
    boot_mode = boot_options.mode;
    klog_max_level = boot_options.loglevel;

    klog(KLOG_INFO, "boot", "command line: '%s'", boot_info.cmdline);
    klog(KLOG_INFO, "boot", "mode %s, %zu memory map entries, %zu modules",
         boot_mode_name(boot_mode), boot_info.mmap_count, boot_info.module_count);
    if (boot_info.mmap_dropped != 0)
        klog(KLOG_WARN, "boot", "ignored %zu memory map entries beyond the first %d",
             boot_info.mmap_dropped, BOOT_MMAP_MAX);
}

void kmain(uint32_t magic, uint64_t info_phys)
{
    char err[160];

    serial_init();
    kprintf("\nlwcos: booting\n");
    gdt_init();
    idt_init();

    parse_boot_information(magic, info_phys);
    if (!ksym_init(&boot_info))
        klog(KLOG_WARN, "boot", "no kernel symbol table: backtraces show addresses only");
    enable_nx();

    if (!frame_init(&boot_info, err, sizeof(err)))
        panic("kmain: %s", err);
    drop_identity_map();
    klog(KLOG_INFO, "mm", "%zu free frames (%zu MiB) of %zu usable", frame_free_count(),
         frame_free_count() * PAGE_SIZE >> 20, frame_total_count());

    switch (boot_mode) {
    case BOOT_MODE_TEST: {
        int failed = ktest_run_all();
        machine_exit(failed == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
    }
    case BOOT_MODE_BENCH:
        klog(KLOG_ERROR, "boot", "bench mode needs user programs, which this kernel cannot run yet");
        machine_exit(DEBUG_EXIT_FAIL);
    case BOOT_MODE_SHELL:
        kconsole_run();
    }
    panic("kmain: unknown boot mode %d", (int)boot_mode);
}
