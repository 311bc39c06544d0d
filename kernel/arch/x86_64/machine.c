#include "arch/x86_64/machine.h"

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/serial.h"

void machine_exit(uint8_t value)
{
    serial_drain();
    outb(DEBUG_EXIT_PORT, value);
    cpu_stop();
}

void cpu_stop(void)
{
    for (;;) {
        irq_disable();
        cpu_halt();
    }
}
