//! System Control Block registers (ARMv7-M B3.2): the plain storage and the
//! bit definitions. Side effects on exception state live in `scs/mod.rs`.

// ICSR
pub(crate) const ICSR_PENDSTCLR: u32 = 1 << 25;
pub(crate) const ICSR_PENDSTSET: u32 = 1 << 26;
pub(crate) const ICSR_PENDSVCLR: u32 = 1 << 27;
pub(crate) const ICSR_PENDSVSET: u32 = 1 << 28;
pub(crate) const ICSR_NMIPENDSET: u32 = 1 << 31;
// AIRCR
pub(crate) const AIRCR_VECTKEY: u32 = 0x05fa;
pub(crate) const AIRCR_SYSRESETREQ: u32 = 1 << 2;
pub(crate) const AIRCR_VECTCLRACTIVE: u32 = 1 << 1;
// SCR
pub(crate) const SCR_SLEEPONEXIT: u32 = 1 << 1;
pub(crate) const SCR_SEVONPEND: u32 = 1 << 4;
// CCR
pub(crate) const CCR_NONBASETHRDENA: u32 = 1 << 0;
pub(crate) const CCR_DIV_0_TRP: u32 = 1 << 4;
pub(crate) const CCR_STKALIGN: u32 = 1 << 9;
// SHCSR enables
pub(crate) const SHCSR_MEMFAULTENA: u32 = 1 << 16;
pub(crate) const SHCSR_BUSFAULTENA: u32 = 1 << 17;
pub(crate) const SHCSR_USGFAULTENA: u32 = 1 << 18;

/// CFSR bits (MMFSR | BFSR << 8 | UFSR << 16).
pub(crate) mod cfsr {
    pub const IACCVIOL: u32 = 1 << 0;
    pub const MMARVALID: u32 = 1 << 7;
    pub const IBUSERR: u32 = 1 << 8;
    pub const PRECISERR: u32 = 1 << 9;
    pub const UNSTKERR: u32 = 1 << 11;
    pub const STKERR: u32 = 1 << 12;
    pub const BFARVALID: u32 = 1 << 15;
    pub const UNDEFINSTR: u32 = 1 << 16;
    pub const INVSTATE: u32 = 1 << 17;
    pub const INVPC: u32 = 1 << 18;
    pub const NOCP: u32 = 1 << 19;
    pub const DIVBYZERO: u32 = 1 << 25;
}

/// HFSR bits.
pub(crate) const HFSR_FORCED: u32 = 1 << 30;
pub(crate) const HFSR_DEBUGEVT: u32 = 1 << 31;

/// Plain SCB/FPU/debug register storage.
pub(crate) struct Scb {
    pub vtor: u32,
    pub scr: u32,
    pub ccr: u32,
    pub cfsr: u32,
    pub hfsr: u32,
    pub dfsr: u32,
    pub mmfar: u32,
    pub bfar: u32,
    pub cpacr: u32,
    pub fpccr: u32,
    pub fpcar: u32,
    pub fpdscr: u32,
    pub demcr: u32,
}

impl Scb {
    pub fn new() -> Self {
        Scb {
            vtor: 0,
            scr: 0,
            ccr: CCR_STKALIGN,
            cfsr: 0,
            hfsr: 0,
            dfsr: 0,
            mmfar: 0,
            bfar: 0,
            cpacr: 0,
            // ASPEN | LSPEN at reset.
            fpccr: 0xc000_0000,
            fpcar: 0,
            fpdscr: 0,
            demcr: 0,
        }
    }
}
