/* kmain: the first C code, called from boot/entry.asm in the higher half. */
#include <stdint.h>

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "boot/cmdline.h"
#include "boot/multiboot2.h"
#include "fs/vfs.h"
#include "kconsole.h"
#include "lib/kbench.h"
#include "lib/klog.h"
#include "lib/ksym.h"
#include "lib/ktest.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pagetable.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/init.h"
#include "proc/sched.h"

/* Upper bound on the size of the boot information we are willing to read. */
#define BOOT_INFO_MAX_SIZE (1ul << 20)

/* Interrupts, the clock, per-CPU data, the FPU and the scheduler: what
 * user processes need. Interrupts stay disabled until the idle loop. */
static void processes_init(void)
{
    percpu_init();
    fpu_init();
    pic_init();
    timer_init();
    sched_init();
    vfs_init();     /* the boot tree (/, /dev, /proc, /tmp) gets the first inodes */
    serial_enable_receive_interrupt();
    pic_unmask(IRQ_TIMER);
    pic_unmask(IRQ_COM1);
}

/* Replace the boot page tables (which also identity-map the first GiB) by
 * the kernel's own, then set up PCIDs and the TLB checker. */
static void memory_init(void)
{
    char err[160];

    if (!frame_init(&boot_info, err, sizeof(err)))
        panic("kmain: %s", err);

    struct cpu_protections prot = cpu_enable_protections();
    vm_nx_enabled = prot.nx;
    uaccess_set_smap(prot.smap);

    pt_init_kernel(frame_ram_top());
    direct_map_end = frame_ram_top();
    frame_add_high_memory(&boot_info);

    bool tlbcheck = boot_options.tlbcheck == TLBCHECK_ON ||
                    (boot_options.tlbcheck == TLBCHECK_DEFAULT && boot_mode == BOOT_MODE_TEST);
    enum tlb_inject inject = boot_options.inject == INJECT_SKIP_INVLPG ? TLB_INJECT_SKIP_INVLPG
                             : boot_options.inject == INJECT_SKIP_REUSE_FLUSH
                                 ? TLB_INJECT_SKIP_REUSE_FLUSH
                                 : TLB_INJECT_NONE;
    tlbcheck_set_enabled(tlbcheck);
    tlb_init(boot_options.pcid, inject);
    tlb_switch_to_kernel();
    klog(KLOG_INFO, "mm", "TLB model checker %s", tlbcheck ? "on" : "off");
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
    serial_init();
    kprintf("\nlwcos: booting\n");
    gdt_init();
    idt_init();

    parse_boot_information(magic, info_phys);
    if (!ksym_init(&boot_info))
        klog(KLOG_WARN, "boot", "no kernel symbol table: backtraces show addresses only");
    memory_init();
    klog(KLOG_INFO, "mm", "%zu free frames (%zu MiB) of %zu usable", frame_free_count(),
         frame_free_count() * PAGE_SIZE >> 20, frame_total_count());

    processes_init();
    bool have_init;

    switch (boot_mode) {
    case BOOT_MODE_TEST: {
        /* The kernel's own tests run first, on a file system the initramfs
         * has not touched yet; /init then runs the user suite. */
        bool user_suite = init_have_initramfs();
        int failed = ktest_run_all(user_suite);
        if (tlbcheck_failures() != 0)
            klog(KLOG_ERROR, "mm", "the TLB model checker reported %lu failures",
                 tlbcheck_failures());
        init_kernel_tests_failed = failed != 0 || tlbcheck_failures() != 0;
        have_init = user_suite && init_load_initramfs();
        if (user_suite && !have_init) {
            kprintf("# user: the initramfs has no runnable /init\n");
            kprintf("not ok %u user\n", ktest_top_level_count() + 1);
            machine_exit(DEBUG_EXIT_FAIL);
        }
        if (!have_init)
            machine_exit(init_kernel_tests_failed ? DEBUG_EXIT_FAIL : DEBUG_EXIT_PASS);
        break;
    }
    case BOOT_MODE_BENCH: {
        /* Kernel rows first; /init then runs the user-program rows. */
        have_init = init_load_initramfs();
        int failed = kbench_run_all(boot_options.filter, have_init);
        init_kernel_tests_failed = failed != 0;
        if (!have_init)
            machine_exit(failed == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
        break;
    }
    case BOOT_MODE_EXEC:
        have_init = init_load_initramfs();
        if (!have_init) {
            klog(KLOG_ERROR, "boot", "exec mode needs an initramfs with /init");
            machine_exit(DEBUG_EXIT_FAIL);
        }
        break;
    case BOOT_MODE_SHELL:
        have_init = init_load_initramfs();
        if (!have_init)
            kconsole_run();
        break;
    }

    int rc = init_start(boot_mode, ktest_top_level_count() + 1);
    if (rc != 0)
        panic("kmain: could not start /init: error %d", rc);
    sched_run_idle();
}
