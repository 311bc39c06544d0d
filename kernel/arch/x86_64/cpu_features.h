/* CPU protection features the kernel turns on at boot when CPUID has them. */
#ifndef LWCOS_ARCH_CPU_FEATURES_H
#define LWCOS_ARCH_CPU_FEATURES_H

#include <stdbool.h>

struct cpu_protections {
    bool nx;        /* EFER.NXE: no-execute pages */
    bool smep;      /* CR4.SMEP: the kernel cannot execute user pages */
    bool smap;      /* CR4.SMAP: the kernel cannot touch user pages unless RFLAGS.AC */
};

extern struct cpu_protections cpu_protections;

/* Turn on NX, SMEP and SMAP where present, log the result and return it. */
struct cpu_protections cpu_enable_protections(void);

#endif
