/* The legacy 8259 interrupt controllers, remapped to vectors 32..47. */
#ifndef LWCOS_ARCH_PIC_H
#define LWCOS_ARCH_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_BASE_VECTOR 32
#define IRQ_TIMER 0
#define IRQ_COM1 4
#define IRQ_COUNT 16

void pic_init(void);
void pic_unmask(unsigned irq);
void pic_end_of_interrupt(unsigned irq);

#endif
