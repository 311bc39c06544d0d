#include "mm/tlbcheck.h"

#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/printf.h"
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
#define STALE_BUCKETS 1024

static bool enabled;
static uint64_t model_root[PCID_COUNT];
static struct stale_record records[STALE_MAX];
static int32_t buckets[STALE_BUCKETS];
static int32_t free_records = -1;
static unsigned long record_count;
static unsigned stale_per_pcid[PCID_COUNT];
static unsigned long failures;

void tlbcheck_set_enabled(bool on)
{
    enabled = on;
    for (unsigned i = 0; i < STALE_BUCKETS; i++)
        buckets[i] = -1;
    free_records = -1;
    for (int32_t i = STALE_MAX - 1; i >= 0; i--) {
        records[i].next = free_records;
        free_records = i;
    }
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        model_root[p] = MODEL_ROOT_NONE;
        stale_per_pcid[p] = 0;
    }
    record_count = 0;
}

bool tlbcheck_enabled(void)
{
    return enabled;
}

unsigned long tlbcheck_failures(void)
{
    return failures;
}

unsigned long tlbcheck_stale_records(void)
{
    return record_count;
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

static void record_stale(uint16_t pcid, uint64_t va, uint64_t old_pte, uint64_t new_pte)
{
    unsigned b = bucket_of(pcid, va);

    for (int32_t i = buckets[b]; i >= 0; i = records[i].next) {
        if (records[i].pcid == pcid && records[i].va == va) {
            /* Keep the oldest value: it is the one a TLB may still hold. */
            records[i].new_pte = new_pte;
            return;
        }
    }
    if (free_records < 0)
        panic("tlbcheck: more than %d stale translations at once", STALE_MAX);
    int32_t i = free_records;
    free_records = records[i].next;
    records[i] = (struct stale_record){
        .va = va, .old_pte = old_pte, .new_pte = new_pte, .pcid = pcid, .next = buckets[b],
    };
    buckets[b] = i;
    stale_per_pcid[pcid]++;
    record_count++;
}

static void drop_record(unsigned b, int32_t *link)
{
    int32_t i = *link;
    *link = records[i].next;
    stale_per_pcid[records[i].pcid]--;
    record_count--;
    records[i].next = free_records;
    free_records = i;
    (void)b;
}

static void drop_address(uint16_t pcid, uint64_t va)
{
    unsigned b = bucket_of(pcid, va);
    for (int32_t *link = &buckets[b]; *link >= 0;) {
        struct stale_record *r = &records[*link];
        if (r->pcid == pcid && r->va == va)
            drop_record(b, link);
        else
            link = &r->next;
    }
}

static void drop_pcid(uint16_t pcid)
{
    if (stale_per_pcid[pcid] == 0)
        return;
    for (unsigned b = 0; b < STALE_BUCKETS; b++) {
        for (int32_t *link = &buckets[b]; *link >= 0;) {
            if (records[*link].pcid == pcid)
                drop_record(b, link);
            else
                link = &records[*link].next;
        }
    }
}

static const struct stale_record *first_stale(uint16_t pcid)
{
    for (unsigned b = 0; b < STALE_BUCKETS; b++) {
        for (int32_t i = buckets[b]; i >= 0; i = records[i].next) {
            if (records[i].pcid == pcid)
                return &records[i];
        }
    }
    return NULL;
}

static void report_stale(const char *what, uint16_t pcid)
{
    const struct stale_record *r = first_stale(pcid);

    failures++;
    kprintf("TLB CHECK FAILED: %s: PCID %u may still cache a stale translation "
            "(%u in all): address %p, old PTE %#lx, new PTE %#lx\n",
            what, pcid, stale_per_pcid[pcid], (void *)r->va, r->old_pte, r->new_pte);
}

void tlbcheck_pte_change(uint64_t root, uint64_t va, uint64_t old_pte, uint64_t new_pte)
{
    if (!enabled || !is_downgrade(old_pte, new_pte))
        return;
    /* Any PCID that has held this root since its last flush may cache the
     * old translation. */
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        if (model_root[p] == root)
            record_stale((uint16_t)p, va, old_pte, new_pte);
    }
}

void tlbcheck_invlpg(uint16_t current_pcid, uint64_t va)
{
    if (enabled)
        drop_address(current_pcid, va);
}

void tlbcheck_invpcid_address(uint16_t pcid, uint64_t va)
{
    if (enabled)
        drop_address(pcid, va);
}

void tlbcheck_invpcid_single(uint16_t pcid)
{
    if (!enabled)
        return;
    drop_pcid(pcid);
    model_root[pcid] = MODEL_ROOT_NONE;
}

void tlbcheck_cr3_load(uint64_t root, uint16_t pcid, bool noflush)
{
    if (!enabled)
        return;
    if (!noflush) {
        drop_pcid(pcid);
        model_root[pcid] = root;
        return;
    }

    uint64_t held = model_root[pcid];
    if (held != MODEL_ROOT_NONE && held != root) {
        failures++;
        if (held == MODEL_ROOT_DEAD)
            kprintf("TLB CHECK FAILED: no-flush CR3 load of root %#lx reuses PCID %u, which "
                    "may still cache translations of a destroyed page table\n",
                    root, pcid);
        else
            kprintf("TLB CHECK FAILED: no-flush CR3 load of root %#lx reuses PCID %u, which "
                    "may still cache translations of root %#lx\n",
                    root, pcid, held);
    } else if (stale_per_pcid[pcid] != 0) {
        report_stale("no-flush CR3 load", pcid);
    }
    /* Report once, then model the load as it happened. */
    drop_pcid(pcid);
    model_root[pcid] = root;
}

void tlbcheck_root_destroyed(uint64_t root)
{
    if (!enabled)
        return;
    for (unsigned p = 0; p < PCID_COUNT; p++) {
        if (model_root[p] == root)
            model_root[p] = MODEL_ROOT_DEAD;
    }
}

void tlbcheck_check_current(uint16_t current_pcid, const char *operation)
{
    if (!enabled || stale_per_pcid[current_pcid] == 0)
        return;
    char what[96];
    ksnprintf(what, sizeof(what), "after %s on the running address space", operation);
    report_stale(what, current_pcid);
    drop_pcid(current_pcid);
}
