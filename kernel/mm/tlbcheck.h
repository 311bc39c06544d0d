/*
 * TLB model checker: an independent model of what an architecturally correct
 * PCID-tagged TLB may still hold (Intel SDM vol. 3A, section 4.10). The TLB
 * code reports every primitive it performs (or, without PCID hardware, would
 * perform): PTE changes, INVLPG, INVPCID, CR3 loads with or without the
 * no-flush bit. The model keeps its own record of which root each PCID may
 * hold translations of, and which (PCID, page) translations may be stale. It
 * never reads the PCID allocator's bookkeeping.
 *
 * A failure is reported when
 *   - a CR3 load with the no-flush bit keeps a PCID whose cached translations
 *     may belong to another (or a destroyed) page table, or that may still
 *     hold a stale translation more permissive than the current PTE;
 *   - an operation on the running address space ends while the model says a
 *     stale translation may survive under the running PCID.
 * Each failure prints the PCID, the address, and the old and new PTE.
 */
#ifndef LWCOS_MM_TLBCHECK_H
#define LWCOS_MM_TLBCHECK_H

#include <stdbool.h>
#include <stdint.h>

void tlbcheck_set_enabled(bool on);
bool tlbcheck_enabled(void);

/* Hooks: called by mm/tlb.c and mm/vm.c for every primitive. */
void tlbcheck_pte_change(uint64_t root, uint64_t va, uint64_t old_pte, uint64_t new_pte);
void tlbcheck_invlpg(uint16_t current_pcid, uint64_t va);
void tlbcheck_invpcid_address(uint16_t pcid, uint64_t va);
void tlbcheck_invpcid_single(uint16_t pcid);
void tlbcheck_cr3_load(uint64_t root, uint16_t pcid, bool noflush);
void tlbcheck_root_destroyed(uint64_t root);

/* Check point at the end of an operation on the running space. */
void tlbcheck_check_current(uint16_t current_pcid, const char *operation);

/*
 * The model itself, for unit tests that drive a private instance. A quiet
 * instance counts failures without printing them. Each operation models the
 * hardware effect of the primitive of the same name above.
 */
struct tlb_model;
struct tlb_model *tlb_model_create(bool quiet);
void tlb_model_destroy(struct tlb_model *m);
void tlb_model_pte_change(struct tlb_model *m, uint64_t root, uint64_t va, uint64_t old_pte,
                          uint64_t new_pte);
void tlb_model_invalidate_address(struct tlb_model *m, uint16_t pcid, uint64_t va);
void tlb_model_invalidate_pcid(struct tlb_model *m, uint16_t pcid);
void tlb_model_cr3_load(struct tlb_model *m, uint64_t root, uint16_t pcid, bool noflush);
void tlb_model_root_destroyed(struct tlb_model *m, uint64_t root);
void tlb_model_check_current(struct tlb_model *m, uint16_t current_pcid, const char *operation);
unsigned long tlb_model_failures(const struct tlb_model *m);
unsigned long tlb_model_stale_records(const struct tlb_model *m);

/* Failures reported since boot. The test runner fails the case during which
 * this grows, and the run with it. */
unsigned long tlbcheck_failures(void);
/* Stale records held right now (for tests). */
unsigned long tlbcheck_stale_records(void);

#endif
