/* guest_ids.h: record ids and constants shared by the guest payloads and the API tests. */
#ifndef GUEST_IDS_H
#define GUEST_IDS_H

/*
 * Every instruction a test wants to find is emitted with the REC macro of
 * guest.h, which records (id, length, address) in the payload's trailer
 * table; the host looks records up by these ids. Plain #defines only: this
 * file is read by both C and GNU as.
 */

/* basic_body.S (basic16/32/64): hello, halt, triple faults, echo, spin, probes */
#define B_HELLO_REPORT	 1
#define B_HALT		 2
#define B_AFTER_HALT	 3
#define B_UD2		 4
#define B_BAD_SEG	 5
#define B_ECHO		 6
#define B_ECHO_DONE	 7
#define B_SETREGS	 8
#define B_SETREGS_DONE	 9
#define B_OUT_THEN_SPIN	 10
#define B_SPIN		 11
#define B_READ		 12
#define B_READ_DONE	 13
#define B_WRITE		 14
#define B_WRITE_DONE	 15
#define B_EXEC		 16
#define B_OUT_RBX	 17
#define B_OUT_RBX_REPORT 18

/* the value the hello routine reports after printing its banner */
#define B_HELLO_VALUE 42
/* B_ECHO stores the GPRs here, in x86 encoding order (RAX, RCX, RDX, RBX, ...) */
#define B_ECHO_GPA 0x8000
/* values B_SETREGS loads (64-bit payload loads all, 32/16-bit the low halves) */
#define B_SET_RAX 0x0123456789ABCDEF
#define B_SET_RBX 0x1032547698BADCFE
#define B_SET_RCX 0x2143658709CBEDAF
#define B_SET_RDX 0x3254769810DCFEBA
#define B_SET_RSI 0x43658709A1EDAFCB
#define B_SET_RDI 0x5476981A2BFEBADC
#define B_SET_R8  0x6587A9B3C4DEF011
#define B_SET_R15 0x76C8BA9D0E1F2233

/* io_body.S (io16/32/64): port I/O forms */
#define IO_OUTB_IMM	  100
#define IO_OUTW_IMM	  101
#define IO_OUTL_IMM	  102
#define IO_OUTB_DX	  103
#define IO_OUTW_DX	  104
#define IO_OUTL_DX	  105
#define IO_INB_IMM	  106
#define IO_INB_IMM_REPORT 107
#define IO_INW_IMM	  108
#define IO_INW_IMM_REPORT 109
#define IO_INL_IMM	  110
#define IO_INL_IMM_REPORT 111
#define IO_INB_DX	  112
#define IO_INB_DX_REPORT  113
#define IO_INW_DX	  114
#define IO_INW_DX_REPORT  115
#define IO_INL_DX	  116
#define IO_INL_DX_REPORT  117
#define IO_REP_OUTSB	  118
#define IO_REP_OUTSB_RCX  119
#define IO_REP_OUTSB_RSI  120
#define IO_REP_INSB	  121
#define IO_REP_INSB_RCX	  122
#define IO_REP_INSB_RDI	  123
#define IO_OUTSB	  124
#define IO_OUTSB_RSI	  125
#define IO_END		  126

/* the value in RAX when the I/O sequence starts */
#define IO_RAX_INIT 0x8A7B6C5D
/* DX for the DX forms: above 0xFF, so only the DX encoding can name it */
#define IO_DX_PORT  0x1234
#define IO_PORT_B   0x10
#define IO_PORT_W   0x12
#define IO_PORT_L   0x14
#define IO_PORT_INB 0x20
#define IO_PORT_INW 0x22
#define IO_PORT_INL 0x24
/* string buffers (inside the scratch page) */
#define IO_STR_SRC   0x8000
#define IO_STR_DST   0x8100
#define IO_STR_COUNT 3

/* mmio_body.S (mmio16/32/64): accesses to the unmapped WHPT_MMIO_GPA page */
#define MM_READ32	 200
#define MM_READ32_REPORT 201
#define MM_READ8	 202
#define MM_READ8_REPORT	 203
#define MM_WRITE32	 204
#define MM_WRITE8	 205
#define MM_WRITE_REPORT	 206
#define MM_EXEC_SETUP	 207
#define MM_EXEC		 208
#define MM_LANDING	 209

#define MM_RBX_INIT	 0x11223344
#define MM_READ32_OFF	 0x10
#define MM_READ8_OFF	 0x18
#define MM_WRITE32_OFF	 0x20
#define MM_WRITE32_VALUE 0xCAFEBABE
#define MM_WRITE8_OFF	 0x28
#define MM_WRITE8_VALUE	 0x5A
#define MM_EXEC_OFF	 0x100

/* reset16.S: the code a new VP runs from physical 0xFFFF0 */
#define V_RESET_OUT   300
#define V_RESET_VALUE 0x42

/* irq64.S (interrupts, local APIC, windows, INIT/SIPI) */
#define IRQ_READY_REC	 400
#define IRQ_WINDOW_READY 401
#define IRQ_WINDOW_AT	 402
#define IRQ_AP_REPORT	 403
/* the AP trampoline sits at this guest address: SIPI vector IRQ_AP_GPA >> 12 */
#define IRQ_AP_GPA   0x4000
#define IRQ_AP_VALUE 0xA9
#define IRQ_AP_READY 0xAB
#define IRQ_AP_IPI   0xAA

/* msr64.S (MSR exits) */
#define MSR_RD_UNKNOWN 420
#define MSR_RD_EAX     421
#define MSR_RD_EDX     422
#define MSR_WR_UNKNOWN 423
#define MSR_RD_TSC     424
#define MSR_TSC_EAX    425
#define MSR_END	       426

/* dbg64.S (exception exits: #DB) */
#define DBG_STEP1 440
#define DBG_STEP2 441
#define DBG_BP	  442
#define DBG_END	  443

/* snap64.S (snapshot and restore) */
#define SNAP_HALF_REC 460
#define SNAP_END_REC  461

#endif /* GUEST_IDS_H */
