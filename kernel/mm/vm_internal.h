/* Helpers shared by the files of the vm layer; not for other subsystems. */
#ifndef LWCOS_MM_VM_INTERNAL_H
#define LWCOS_MM_VM_INTERNAL_H

#include "mm/vm.h"

struct vm_region *vm_region_below(struct vm_space *space, uint64_t va);
void vm_region_link(struct vm_space *space, struct vm_region *r);
void vm_region_unlink(struct vm_space *space, struct vm_region *r);
struct vm_region *vm_region_split(struct vm_space *space, struct vm_region *r, uint64_t addr);
int vm_region_isolate(struct vm_space *space, uint64_t start, uint64_t end);

#endif
