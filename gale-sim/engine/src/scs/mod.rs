//! The System Control Space (0xE000_E000..0xE000_F000) and the DWT
//! (0xE000_1000), modelled in Rust: NVIC, SCB, SysTick, DWT, FPU control.

pub(crate) mod dwt;
pub(crate) mod nvic;
pub(crate) mod scb;
pub(crate) mod systick;

use crate::CoreKind;
use dwt::Dwt;
use nvic::{Bank, Nvic, IRQ0, PENDSV, SYSTICK};
use scb::*;
use systick::SysTick;

pub(crate) const SCS_BASE: u32 = 0xe000_e000;
pub(crate) const SCS_SIZE: u32 = 0x1000;
pub(crate) const DWT_BASE: u32 = 0xe000_1000;

/// What a register write asks the engine to do beyond storing a value.
#[derive(Default, Debug, PartialEq, Eq)]
pub(crate) struct Effects {
    /// Pending/enable/priority state changed: re-evaluate before continuing.
    pub recheck: bool,
    /// CPACR changed: tell the CPU (FP instructions are gated by it).
    pub cpacr: bool,
    /// AIRCR.SYSRESETREQ.
    pub reset: bool,
    /// Exceptions newly pended by software (for the IRQ trace).
    pub pended: Vec<usize>,
}

pub(crate) struct Scs {
    pub core: CoreKind,
    pub nvic: Nvic,
    pub scb: Scb,
    pub systick: SysTick,
    pub dwt: Dwt,
    /// The exception number in IPSR (VECTACTIVE).
    pub ipsr: u32,
    pub effects: Effects,
    hz: u64,
}

/// The SCS registers' names, for fault reports.
pub(crate) fn register_name(addr: u32) -> Option<String> {
    let n = match addr & !3 {
        0xe000_e004 => "ICTR",
        0xe000_e010 => "SYST_CSR",
        0xe000_e014 => "SYST_RVR",
        0xe000_e018 => "SYST_CVR",
        0xe000_e01c => "SYST_CALIB",
        0xe000_ed00 => "SCB.CPUID",
        0xe000_ed04 => "SCB.ICSR",
        0xe000_ed08 => "SCB.VTOR",
        0xe000_ed0c => "SCB.AIRCR",
        0xe000_ed10 => "SCB.SCR",
        0xe000_ed14 => "SCB.CCR",
        0xe000_ed24 => "SCB.SHCSR",
        0xe000_ed28 => "SCB.CFSR",
        0xe000_ed2c => "SCB.HFSR",
        0xe000_ed34 => "SCB.MMFAR",
        0xe000_ed38 => "SCB.BFAR",
        0xe000_ed88 => "SCB.CPACR",
        0xe000_edfc => "DEMCR",
        0xe000_ef00 => "NVIC.STIR",
        0xe000_ef34 => "FPU.FPCCR",
        0xe000_1000 => "DWT.CTRL",
        0xe000_1004 => "DWT.CYCCNT",
        a @ 0xe000_e100..=0xe000_e13c => {
            return Some(format!("NVIC.ISER{}", (a - 0xe000_e100) / 4))
        }
        a @ 0xe000_e180..=0xe000_e1bc => {
            return Some(format!("NVIC.ICER{}", (a - 0xe000_e180) / 4))
        }
        a @ 0xe000_e200..=0xe000_e23c => {
            return Some(format!("NVIC.ISPR{}", (a - 0xe000_e200) / 4))
        }
        a @ 0xe000_e280..=0xe000_e2bc => {
            return Some(format!("NVIC.ICPR{}", (a - 0xe000_e280) / 4))
        }
        a @ 0xe000_e400..=0xe000_e5ec => return Some(format!("NVIC.IPR{}", (a - 0xe000_e400) / 4)),
        a @ 0xe000_e000..=0xe000_efff => return Some(format!("SCS+{:#x}", a - SCS_BASE)),
        _ => return None,
    };
    Some(n.to_string())
}

impl Scs {
    pub fn new(core: CoreKind, hz: u64, irqs: u32) -> Self {
        let mut nvic = Nvic::new(irqs, core.priority_bits());
        nvic.reset();
        Scs {
            core,
            nvic,
            scb: Scb::new(),
            systick: SysTick::new(hz),
            dwt: Dwt::new(),
            ipsr: 0,
            effects: Effects::default(),
            hz,
        }
    }

    /// Power-on/system reset state, with VTOR at the image's vector table.
    pub fn reset(&mut self, vtor: u32) {
        let hz = self.hz;
        self.nvic.reset();
        self.scb = Scb::new();
        self.scb.vtor = vtor;
        self.systick = SysTick::new(hz);
        self.dwt = Dwt::new();
        self.ipsr = 0;
        self.effects = Effects {
            cpacr: true,
            ..Effects::default()
        };
    }

    fn icsr(&self) -> u32 {
        let mut v = self.ipsr & 0x1ff;
        let active = self.nvic.active_count();
        if active <= 1 {
            v |= 1 << 11; // RETTOBASE
        }
        if let Some(p) = self.nvic.highest_pending() {
            v |= (p as u32 & 0x1ff) << 12;
        }
        if self.nvic.any_irq_pending() {
            v |= 1 << 22;
        }
        if self.nvic.is_pending(SYSTICK) {
            v |= ICSR_PENDSTSET;
        }
        if self.nvic.is_pending(PENDSV) {
            v |= ICSR_PENDSVSET;
        }
        if self.nvic.is_pending(nvic::NMI) {
            v |= ICSR_NMIPENDSET;
        }
        v
    }

    fn shcsr(&self) -> u32 {
        use nvic::*;
        let n = &self.nvic;
        let mut v = 0;
        let bits = [
            (MEMMANAGE, 0, true),
            (BUSFAULT, 1, true),
            (USAGEFAULT, 3, true),
            (SVCALL, 7, true),
            (DEBUGMON, 8, true),
            (PENDSV, 10, true),
            (SYSTICK, 11, true),
            (USAGEFAULT, 12, false),
            (MEMMANAGE, 13, false),
            (BUSFAULT, 14, false),
            (SVCALL, 15, false),
        ];
        for (e, bit, active) in bits {
            let on = if active {
                n.is_active(e)
            } else {
                n.is_pending(e)
            };
            v |= (on as u32) << bit;
        }
        for (e, bit) in [(MEMMANAGE, 16), (BUSFAULT, 17), (USAGEFAULT, 18)] {
            v |= (n.is_enabled(e) as u32) << bit;
        }
        v
    }

    fn write_shcsr(&mut self, v: u32) {
        use nvic::*;
        let n = &mut self.nvic;
        for (e, bit) in [
            (MEMMANAGE, 0),
            (BUSFAULT, 1),
            (USAGEFAULT, 3),
            (SVCALL, 7),
            (DEBUGMON, 8),
            (PENDSV, 10),
            (SYSTICK, 11),
        ] {
            n.set_active(e, v & (1 << bit) != 0);
        }
        for (e, bit) in [
            (USAGEFAULT, 12),
            (MEMMANAGE, 13),
            (BUSFAULT, 14),
            (SVCALL, 15),
        ] {
            n.set_pending(e, v & (1 << bit) != 0);
        }
        n.set_enabled(MEMMANAGE, v & SHCSR_MEMFAULTENA != 0);
        n.set_enabled(BUSFAULT, v & SHCSR_BUSFAULTENA != 0);
        n.set_enabled(USAGEFAULT, v & SHCSR_USGFAULTENA != 0);
    }

    /// Reads the 32-bit register containing `addr`.
    fn read_word(&mut self, addr: u32, cycles: u64) -> u32 {
        if (DWT_BASE..DWT_BASE + 0x1000).contains(&addr) {
            return self.dwt.read(addr - DWT_BASE, cycles);
        }
        let off = addr - SCS_BASE;
        let has_fpu = self.core.has_fpu();
        match off {
            0x004 => (self.nvic.irqs() as u32).div_ceil(32).saturating_sub(1),
            0x010..=0x01c => self.systick.read(off, cycles),
            0x100..=0x13c => self
                .nvic
                .bank_read(Bank::Enable, ((off - 0x100) / 4) as usize),
            0x180..=0x1bc => self
                .nvic
                .bank_read(Bank::Enable, ((off - 0x180) / 4) as usize),
            0x200..=0x23c => self
                .nvic
                .bank_read(Bank::Pending, ((off - 0x200) / 4) as usize),
            0x280..=0x2bc => self
                .nvic
                .bank_read(Bank::Pending, ((off - 0x280) / 4) as usize),
            0x300..=0x33c => self
                .nvic
                .bank_read(Bank::Active, ((off - 0x300) / 4) as usize),
            0x400..=0x5ec => {
                let e = IRQ0 + (off - 0x400) as usize;
                (0..4)
                    .map(|i| (self.nvic.raw_priority(e + i) as u32) << (8 * i))
                    .sum()
            }
            0xd00 => self.core.cpuid(),
            0xd04 => self.icsr(),
            0xd08 => self.scb.vtor,
            0xd0c => (0xfa05 << 16) | (self.nvic.prigroup << 8),
            0xd10 => self.scb.scr,
            0xd14 => self.scb.ccr,
            0xd18..=0xd20 => {
                let e = 4 + (off - 0xd18) as usize;
                (0..4)
                    .map(|i| (self.nvic.raw_priority(e + i) as u32) << (8 * i))
                    .sum()
            }
            0xd24 => self.shcsr(),
            0xd28 => self.scb.cfsr,
            0xd2c => self.scb.hfsr,
            0xd30 => self.scb.dfsr,
            0xd34 => self.scb.mmfar,
            0xd38 => self.scb.bfar,
            // ID_PFR0/1, ID_DFR0 (ARMv7-M values).
            0xd40 => 0x0000_0030,
            0xd44 => 0x0000_0200,
            0xd48 => 0x0010_0000,
            0xd88 if has_fpu => self.scb.cpacr,
            0xd90 => 0, // MPU_TYPE: no MPU regions modelled.
            0xdfc => self.scb.demcr,
            0xf34 if has_fpu => self.scb.fpccr,
            0xf38 if has_fpu => self.scb.fpcar,
            0xf3c if has_fpu => self.scb.fpdscr,
            0xf40 if has_fpu => match self.core {
                CoreKind::CortexM7F => 0x1011_0221,
                _ => 0x1011_0021,
            },
            0xf44 if has_fpu => 0x1100_0011,
            _ => 0,
        }
    }

    pub fn read(&mut self, addr: u32, len: usize, cycles: u64) -> u32 {
        let w = self.read_word(addr & !3, cycles);
        let v = w >> ((addr & 3) * 8);
        match len {
            1 => v & 0xff,
            2 => v & 0xffff,
            _ => v,
        }
    }

    pub fn write(&mut self, addr: u32, len: usize, v: u32, cycles: u64) {
        if (DWT_BASE..DWT_BASE + 0x1000).contains(&addr) {
            self.dwt.write(addr - DWT_BASE, v, cycles, self.scb.demcr);
            return;
        }
        let off = addr - SCS_BASE;
        // Byte-addressable priority registers.
        if (0x400..0x5f0).contains(&off) || (0xd18..0xd24).contains(&off) {
            let first = if off < 0x5f0 {
                IRQ0 + (off - 0x400) as usize
            } else {
                4 + (off - 0xd18) as usize
            };
            for i in 0..len {
                self.nvic.set_priority(first + i, (v >> (8 * i)) as u8);
            }
            self.effects.recheck = true;
            return;
        }
        let v = v << ((addr & 3) * 8);
        let off = off & !3;
        let has_fpu = self.core.has_fpu();
        match off {
            0x010..=0x01c => {
                self.systick.write(off, v, cycles);
                self.effects.recheck = true;
            }
            0x100..=0x13c => self.bank(Bank::Enable, true, off - 0x100, v),
            0x180..=0x1bc => self.bank(Bank::Enable, false, off - 0x180, v),
            0x200..=0x23c => {
                self.bank(Bank::Pending, true, off - 0x200, v);
                for bit in 0..32 {
                    if v & (1 << bit) != 0 {
                        self.effects
                            .pended
                            .push(IRQ0 + ((off - 0x200) * 8) as usize + bit);
                    }
                }
            }
            0x280..=0x2bc => self.bank(Bank::Pending, false, off - 0x280, v),
            0xd04 => {
                if v & ICSR_NMIPENDSET != 0 {
                    self.pend(nvic::NMI);
                }
                if v & ICSR_PENDSVSET != 0 {
                    self.pend(PENDSV);
                } else if v & ICSR_PENDSVCLR != 0 {
                    self.nvic.set_pending(PENDSV, false);
                }
                if v & ICSR_PENDSTSET != 0 {
                    self.pend(SYSTICK);
                } else if v & ICSR_PENDSTCLR != 0 {
                    self.nvic.set_pending(SYSTICK, false);
                }
                self.effects.recheck = true;
            }
            0xd08 => self.scb.vtor = v & 0xffff_ff80,
            0xd0c if v >> 16 == AIRCR_VECTKEY => {
                self.nvic.prigroup = (v >> 8) & 7;
                if v & AIRCR_VECTCLRACTIVE != 0 {
                    self.nvic.clear_all_active();
                }
                if v & AIRCR_SYSRESETREQ != 0 {
                    self.effects.reset = true;
                }
                self.effects.recheck = true;
            }
            0xd10 => {
                self.scb.scr = v & 0x16;
                self.nvic.sevonpend = v & scb::SCR_SEVONPEND != 0;
            }
            // CCR; the Cortex-M7 adds DC, IC, BP (bits 16-18): stored, caches
            // are not modelled.
            0xd14 => {
                let cache_bits = if self.core == CoreKind::CortexM7F {
                    0x7_0000
                } else {
                    0
                };
                let old = self.scb.ccr;
                self.scb.ccr = v & (0x31b | cache_bits);
                // DIV_0_TRP arms or disarms the division hooks (div0.rs) at
                // the next block.
                self.effects.recheck |= (old ^ self.scb.ccr) & scb::CCR_DIV_0_TRP != 0;
            }
            0xd24 => {
                self.write_shcsr(v);
                self.effects.recheck = true;
            }
            0xd28 => self.scb.cfsr &= !v,
            0xd2c => self.scb.hfsr &= !v,
            0xd30 => self.scb.dfsr &= !v,
            0xd34 => self.scb.mmfar = v,
            0xd38 => self.scb.bfar = v,
            0xd88 if has_fpu => {
                self.scb.cpacr = v & (0xf << 20);
                self.effects.cpacr = true;
                self.effects.recheck = true;
            }
            0xdfc => {
                self.scb.demcr = v & 0x010f_07f1;
                self.dwt.demcr_written(cycles, self.scb.demcr);
            }
            0xf00 => {
                let e = IRQ0 + (v & 0x1ff) as usize;
                if e < self.nvic.len() {
                    self.pend(e);
                }
                self.effects.recheck = true;
            }
            0xf34 if has_fpu => {
                self.scb.fpccr = (self.scb.fpccr & 0x1ff) | (v & 0xc000_0000);
                self.effects.cpacr = true;
            }
            0xf38 if has_fpu => self.scb.fpcar = v & !7,
            0xf3c if has_fpu => {
                self.scb.fpdscr = v & 0x07c0_0000;
                self.effects.cpacr = true;
            }
            _ => {}
        }
    }

    fn pend(&mut self, e: usize) {
        self.nvic.set_pending(e, true);
        self.effects.pended.push(e);
    }

    fn bank(&mut self, which: Bank, set: bool, off: u32, v: u32) {
        self.nvic.bank_write(which, set, (off / 4) as usize, v);
        self.effects.recheck = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_writes_reach_system_handler_and_irq_priorities() {
        let mut s = Scs::new(CoreKind::CortexM4F, 1_000_000, 32);
        s.write(0xe000_ed22, 1, 0xf0, 0); // SHPR3 byte 2: PendSV
        s.write(0xe000_e405, 1, 0x80, 0); // IPR byte 5: IRQ5
        assert_eq!(s.nvic.priority(PENDSV), 0xf0);
        assert_eq!(s.nvic.priority(IRQ0 + 5), 0x80);
        assert_eq!(s.read(0xe000_ed20, 4, 0), 0x00f0_0000);
        assert_eq!(s.read(0xe000_e404, 4, 0), 0x0000_8000);
    }

    #[test]
    fn icsr_pend_and_clear_pendsv() {
        let mut s = Scs::new(CoreKind::CortexM3, 1_000_000, 32);
        s.write(0xe000_ed04, 4, ICSR_PENDSVSET, 0);
        assert!(s.nvic.is_pending(PENDSV));
        assert_ne!(s.read(0xe000_ed04, 4, 0) & ICSR_PENDSVSET, 0);
        assert_eq!((s.read(0xe000_ed04, 4, 0) >> 12) & 0x1ff, PENDSV as u32);
        s.write(0xe000_ed04, 4, ICSR_PENDSVCLR, 0);
        assert!(!s.nvic.is_pending(PENDSV));
    }
}
