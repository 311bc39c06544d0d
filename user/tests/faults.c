/*
 * A process that faults dies of the signal Linux sends for that fault, with the
 * exact wait status (no core-dump bit: each child turns dumps off first).
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ktap.h"

#define KERNEL_ADDRESS 0xffffffff80000000UL
#define NON_CANONICAL_ADDRESS 0x0000800000000000UL

/* Fork a child that runs FAULT, and return its raw wait status; the child exits 100 if it survives. */
static int status_of_fault(void (*fault)(void))
{
    pid_t pid = ktap_fork();

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        setrlimit(RLIMIT_CORE, &no_core);
        fault();
        _exit(100);
    }
    return ktap_wait(pid);
}

static void write_null(void)
{
    *(volatile int *)0 = 1;
}

static void read_kernel_address(void)
{
    (void)*(volatile int *)KERNEL_ADDRESS;
}

static void read_non_canonical_address(void)
{
    (void)*(volatile int *)NON_CANONICAL_ADDRESS;
}

static void write_own_code(void)
{
    *(volatile unsigned char *)(uintptr_t)write_own_code = 0xc3;
}

static void jump_to_data(void)
{
    /* A "ret" in a read-write mapping: NX must stop the fetch before it runs. */
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);

    if (page == MAP_FAILED)
        _exit(101);
    page[0] = 0xc3;
    ((void (*)(void))(uintptr_t)page)();
}

static void divide_by_zero(void)
{
    /* Both operands volatile: GCC turns "1 / x" into a comparison without a division. */
    volatile int dividend = 100;
    volatile int zero = 0;
    volatile int result = dividend / zero;

    (void)result;
}

static void divide_overflow(void)
{
    volatile long minimum = INT64_MIN;
    volatile long minus_one = -1;
    volatile long result = minimum / minus_one;

    (void)result;
}

static void execute_ud2(void)
{
    __asm__ volatile("ud2");
}

static void execute_int3(void)
{
    __asm__ volatile("int3");
}

static void execute_hlt(void)
{
    __asm__ volatile("hlt");
}

static void read_io_port(void)
{
    unsigned char value;

    /* Port 0x80 is the POST port, harmless if the kernel wrongly allows port I/O. */
    __asm__ volatile("inb $0x80, %0" : "=a"(value));
    (void)value;
}

static void null_write_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(write_null), SIGSEGV);
}

static void kernel_read_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(read_kernel_address), SIGSEGV);
}

static void non_canonical_read_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(read_non_canonical_address), SIGSEGV);
}

static void code_write_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(write_own_code), SIGSEGV);
}

static void data_execute_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(jump_to_data), SIGSEGV);
}

static void divide_by_zero_is_sigfpe(void)
{
    EXPECT_STATUS(status_of_fault(divide_by_zero), SIGFPE);
}

static void divide_overflow_is_sigfpe(void)
{
    EXPECT_STATUS(status_of_fault(divide_overflow), SIGFPE);
}

static void ud2_is_sigill(void)
{
    EXPECT_STATUS(status_of_fault(execute_ud2), SIGILL);
}

static void int3_is_sigtrap(void)
{
    EXPECT_STATUS(status_of_fault(execute_int3), SIGTRAP);
}

static void hlt_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(execute_hlt), SIGSEGV);
}

static void port_io_is_sigsegv(void)
{
    EXPECT_STATUS(status_of_fault(read_io_port), SIGSEGV);
}

static void parent_survives_child_fault(void)
{
    EXPECT_STATUS(status_of_fault(write_null), SIGSEGV);
    EXPECT_STATUS(status_of_fault(divide_by_zero), SIGFPE);
    EXPECT_EQ(getppid() > 0, 1);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(null_write_is_sigsegv),
    KTAP_CASE(kernel_read_is_sigsegv),
    KTAP_CASE(non_canonical_read_is_sigsegv),
    KTAP_CASE(code_write_is_sigsegv),
    KTAP_CASE(data_execute_is_sigsegv),
    KTAP_CASE(divide_by_zero_is_sigfpe),
    KTAP_CASE(divide_overflow_is_sigfpe),
    KTAP_CASE(ud2_is_sigill),
    KTAP_CASE(int3_is_sigtrap),
    KTAP_CASE(hlt_is_sigsegv),
    KTAP_CASE(port_io_is_sigsegv),
    KTAP_CASE(parent_survives_child_fault),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
