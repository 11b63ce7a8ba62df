/* repro_ids.h: record ids and constants shared by repro32.S and the reproducers in tests/chaos. */
#ifndef REPRO_IDS_H
#define REPRO_IDS_H

/* Plain #defines only: read by both C and GNU as (like tests/guest/guest_ids.h). */
#define R_INSB_MMIO	     900
#define R_INSB_MMIO_DONE     901
#define R_REP_INSB_MMIO	     902
#define R_REP_INSB_MMIO_DONE 903

/* the port the INS routines read */
#define REPRO_PORT 0x1234

#endif
