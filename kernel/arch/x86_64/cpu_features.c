#include "arch/x86_64/cpu_features.h"

#include "arch/x86_64/cpu.h"
#include "lib/klog.h"

#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_NX (1u << 20)
#define CPUID_7_EBX_SMEP (1u << 7)
#define CPUID_7_EBX_SMAP (1u << 20)

struct cpu_protections cpu_protections;

struct cpu_protections cpu_enable_protections(void)
{
    struct cpu_protections on = { false, false, false };
    uint32_t leaf7_ebx = cpuid(0, 0).eax >= 7 ? cpuid(7, 0).ebx : 0;

    if (cpuid(CPUID_EXT_FEATURES, 0).edx & CPUID_EXT_EDX_NX) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        on.nx = true;
    }
    if (leaf7_ebx & CPUID_7_EBX_SMEP) {
        write_cr4(read_cr4() | CR4_SMEP);
        on.smep = true;
    }
    if (leaf7_ebx & CPUID_7_EBX_SMAP) {
        write_cr4(read_cr4() | CR4_SMAP);
        on.smap = true;
    }
    klog(KLOG_INFO, "cpu", "NX %s, SMEP %s, SMAP %s", on.nx ? "on" : "absent",
         on.smep ? "on" : "absent", on.smap ? "on" : "absent");
    cpu_protections = on;
    return on;
}
