#include "mm/tlbcheck.h"

#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/heap.h"
#include "mm/pagetable.h"
#include "mm/pcid.h"

/* What the model believes a PCID's TLB entries were filled from. */
#define MODEL_ROOT_NONE 0ul     /* flushed, nothing loaded since */
#define MODEL_ROOT_DEAD 1ul     /* a page table that has since been destroyed */

/* A translation that may be cached under pcid although the PTE changed. */
struct stale_record {
    uint64_t va;
    uint64_t old_pte;           /* the most permissive value that may be cached */
    uint64_t new_pte;           /* the PTE now */
    uint16_t pcid;
    int32_t next;               /* next record in the bucket or the free list, -1 ends */
};

/* NOTE: the model holds at most STALE_MAX records at once and panics beyond
 * that; the kernel's own invalidations keep the real count far lower. */
#define STALE_MAX 8192

/* Failures printed in full per model; later ones are only counted. */
#define PRINTED_FAILURES_MAX 10
#define STALE_BUCKETS 1024

struct tlb_model {
    bool quiet;                 /* count failures without printing them */
    uint64_t model_root[PCID_COUNT];
    struct stale_record records[STALE_MAX];
    int32_t buckets[STALE_BUCKETS];
    int32_t free_records;
    unsigned long record_count;
    unsigned stale_per_pcid[PCID_COUNT];
    unsigned long failures;
};

/* The model the kernel's hooks feed; NULL while the checker is off. */
static struct tlb_model kernel_model;
static struct tlb_model *active;

static void model_reset(struct tlb_model *m)
{
    for (unsigned i = 0; i < STALE_BUCKETS; i++)
        m->buckets[i] = -1;
    m->free_records = -1;
    for (int32_t i = STALE_MAX - 1; i >= 0; i--) {
        m->records[i].next = m->free_records;
        m->free_records = i;
    }
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        m->model_root[p] = MODEL_ROOT_NONE;
        m->stale_per_pcid[p] = 0;
    }
    m->record_count = 0;
    m->failures = 0;
}

void tlbcheck_set_enabled(bool on)
{
    model_reset(&kernel_model);
    active = on ? &kernel_model : NULL;
}

bool tlbcheck_enabled(void)
{
    return active != NULL;
}

unsigned long tlbcheck_failures(void)
{
    return kernel_model.failures;
}

unsigned long tlbcheck_stale_records(void)
{
    return kernel_model.record_count;
}

struct tlb_model *tlb_model_create(bool quiet)
{
    struct tlb_model *m = kmalloc(sizeof(*m));
    if (m != NULL) {
        model_reset(m);
        m->quiet = quiet;
    }
    return m;
}

void tlb_model_destroy(struct tlb_model *m)
{
    kfree(m);
}

unsigned long tlb_model_failures(const struct tlb_model *m)
{
    return m->failures;
}

unsigned long tlb_model_stale_records(const struct tlb_model *m)
{
    return m->record_count;
}

static unsigned bucket_of(uint16_t pcid, uint64_t va)
{
    return (unsigned)(((va >> 12) ^ ((uint64_t)pcid * 0x9e37)) % STALE_BUCKETS);
}

/* Would a TLB holding old_pte allow an access that new_pte forbids, or
 * reach a different frame? Upgrades need no invalidation: a stale, less
 * permissive entry only causes a spurious fault. */
static bool is_downgrade(uint64_t old_pte, uint64_t new_pte)
{
    if (!pte_present(old_pte))
        return false;
    if (!pte_present(new_pte))
        return true;
    if (pte_phys(old_pte) != pte_phys(new_pte))
        return true;
    if ((old_pte & PTE_WRITE) && !(new_pte & PTE_WRITE))
        return true;
    if ((old_pte & PTE_USER) && !(new_pte & PTE_USER))
        return true;
    return !(old_pte & PTE_NX) && (new_pte & PTE_NX);
}

static void record_stale(struct tlb_model *m, uint16_t pcid, uint64_t va, uint64_t old_pte, uint64_t new_pte)
{
    unsigned b = bucket_of(pcid, va);

    for (int32_t i = m->buckets[b]; i >= 0; i = m->records[i].next) {
        if (m->records[i].pcid == pcid && m->records[i].va == va) {
            /* Keep the oldest value: it is the one a TLB may still hold. */
            m->records[i].new_pte = new_pte;
            return;
        }
    }
    if (m->free_records < 0)
        panic("tlbcheck: more than %d stale translations at once", STALE_MAX);
    int32_t i = m->free_records;
    m->free_records = m->records[i].next;
    m->records[i] = (struct stale_record){
        .va = va, .old_pte = old_pte, .new_pte = new_pte, .pcid = pcid, .next = m->buckets[b],
    };
    m->buckets[b] = i;
    m->stale_per_pcid[pcid]++;
    m->record_count++;
}

static void drop_record(struct tlb_model *m, int32_t *link)
{
    int32_t i = *link;
    *link = m->records[i].next;
    m->stale_per_pcid[m->records[i].pcid]--;
    m->record_count--;
    m->records[i].next = m->free_records;
    m->free_records = i;
}

static void drop_address(struct tlb_model *m, uint16_t pcid, uint64_t va)
{
    unsigned b = bucket_of(pcid, va);
    for (int32_t *link = &m->buckets[b]; *link >= 0;) {
        struct stale_record *r = &m->records[*link];
        if (r->pcid == pcid && r->va == va)
            drop_record(m, link);
        else
            link = &r->next;
    }
}

static void drop_pcid(struct tlb_model *m, uint16_t pcid)
{
    if (m->stale_per_pcid[pcid] == 0)
        return;
    for (unsigned b = 0; b < STALE_BUCKETS; b++) {
        for (int32_t *link = &m->buckets[b]; *link >= 0;) {
            if (m->records[*link].pcid == pcid)
                drop_record(m, link);
            else
                link = &m->records[*link].next;
        }
    }
}

static const struct stale_record *first_stale(const struct tlb_model *m, uint16_t pcid)
{
    for (unsigned b = 0; b < STALE_BUCKETS; b++) {
        for (int32_t i = m->buckets[b]; i >= 0; i = m->records[i].next) {
            if (m->records[i].pcid == pcid)
                return &m->records[i];
        }
    }
    return NULL;
}

/* Count a failure; returns whether to print it. */
static bool count_failure(struct tlb_model *m)
{
    m->failures++;
    if (m->quiet)
        return false;
    if (m->failures == PRINTED_FAILURES_MAX + 1)
        kprintf("TLB CHECK: more failures follow; they are counted, not printed\n");
    return m->failures <= PRINTED_FAILURES_MAX;
}

static void report_stale(struct tlb_model *m, const char *what, uint16_t pcid)
{
    const struct stale_record *r = first_stale(m, pcid);

    if (!count_failure(m))
        return;
    kprintf("TLB CHECK FAILED: %s: PCID %u may still cache a stale translation "
            "(%u in all): address %p, old PTE %#lx, new PTE %#lx\n",
            what, pcid, m->stale_per_pcid[pcid], (void *)r->va, r->old_pte, r->new_pte);
}

void tlb_model_pte_change(struct tlb_model *m, uint64_t root, uint64_t va, uint64_t old_pte,
                          uint64_t new_pte)
{
    if (!is_downgrade(old_pte, new_pte))
        return;
    /* Any PCID that has held this root since its last flush may cache the
     * old translation. */
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        if (m->model_root[p] == root)
            record_stale(m, (uint16_t)p, va, old_pte, new_pte);
    }
}

void tlb_model_invalidate_address(struct tlb_model *m, uint16_t pcid, uint64_t va)
{
    drop_address(m, pcid, va);
}

void tlb_model_invalidate_pcid(struct tlb_model *m, uint16_t pcid)
{
    drop_pcid(m, pcid);
    m->model_root[pcid] = MODEL_ROOT_NONE;
}

void tlb_model_cr3_load(struct tlb_model *m, uint64_t root, uint16_t pcid, bool noflush)
{
    if (!noflush) {
        drop_pcid(m, pcid);
        m->model_root[pcid] = root;
        return;
    }

    uint64_t held = m->model_root[pcid];
    if (held != MODEL_ROOT_NONE && held != root) {
        if (!count_failure(m)) {
            /* counted only */
        } else if (held == MODEL_ROOT_DEAD) {
            kprintf("TLB CHECK FAILED: no-flush CR3 load of root %#lx reuses PCID %u, which "
                    "may still cache translations of a destroyed page table\n",
                    root, pcid);
        } else {
            kprintf("TLB CHECK FAILED: no-flush CR3 load of root %#lx reuses PCID %u, which "
                    "may still cache translations of root %#lx\n",
                    root, pcid, held);
        }
    } else if (m->stale_per_pcid[pcid] != 0) {
        report_stale(m, "no-flush CR3 load", pcid);
    }
    /* Report once, then model the load as it happened. */
    drop_pcid(m, pcid);
    m->model_root[pcid] = root;
}

void tlb_model_root_destroyed(struct tlb_model *m, uint64_t root)
{
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        if (m->model_root[p] == root)
            m->model_root[p] = MODEL_ROOT_DEAD;
    }
}

void tlb_model_check_current(struct tlb_model *m, uint16_t current_pcid, const char *operation)
{
    if (m->stale_per_pcid[current_pcid] == 0)
        return;
    char what[96];
    ksnprintf(what, sizeof(what), "after %s on the running address space", operation);
    report_stale(m, what, current_pcid);
    drop_pcid(m, current_pcid);
}

/* The kernel's hooks: feed the kernel model while the checker is on. */

void tlbcheck_pte_change(uint64_t root, uint64_t va, uint64_t old_pte, uint64_t new_pte)
{
    if (active != NULL)
        tlb_model_pte_change(active, root, va, old_pte, new_pte);
}

void tlbcheck_invlpg(uint16_t current_pcid, uint64_t va)
{
    if (active != NULL)
        tlb_model_invalidate_address(active, current_pcid, va);
}

void tlbcheck_invpcid_address(uint16_t pcid, uint64_t va)
{
    if (active != NULL)
        tlb_model_invalidate_address(active, pcid, va);
}

void tlbcheck_invpcid_single(uint16_t pcid)
{
    if (active != NULL)
        tlb_model_invalidate_pcid(active, pcid);
}

void tlbcheck_cr3_load(uint64_t root, uint16_t pcid, bool noflush)
{
    if (active != NULL)
        tlb_model_cr3_load(active, root, pcid, noflush);
}

void tlbcheck_root_destroyed(uint64_t root)
{
    if (active != NULL)
        tlb_model_root_destroyed(active, root);
}

void tlbcheck_check_current(uint16_t current_pcid, const char *operation)
{
    if (active != NULL)
        tlb_model_check_current(active, current_pcid, operation);
}
