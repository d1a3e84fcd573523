//! STM32F1 SPI, master mode (RM0041 section 22): CR1, CR2, SR, DR, CRCPR,
//! RXCRCR, TXCRCR.
//!
//! Chip select: on real boards the firmware drives a sensor's chip select
//! with a GPIO pin, so the SPI controller alone cannot frame transfers.
//! This model owns its attached devices in a bus shared with the GPIO
//! model: [`Spi::cs_line`] hands out an [`SpiCsLine`] for one chip-select
//! index, the runner binds it to a pin with
//! [`crate::stm32::gpio::Gpio::bind_cs`], and the pin's output level then
//! selects (low) and releases (high) that device — the `Spi` trace event is
//! emitted when the pin goes high again. Until a chip-select line has been
//! handed out, the documented fallback frames transfers by CR1.SPE: setting
//! SPE selects chip select 0 and clearing it releases it.
//!
//! Model rules:
//! - A DR write in master mode with SPE set exchanges one byte (DFF = 0) or
//!   two, most significant byte first (DFF = 1) at once; TXE stays set, BSY
//!   clear, RXNE is set. A word received while RXNE is still set is lost
//!   and sets OVR (cleared by a DR read then an SR read).
//! - Master mode with software NSS (SSM = 1) and SSI = 0 is a mode fault:
//!   MODF is set and SPE and MSTR are cleared, as on silicon.
//! - CRC registers are stored (CRCPR resets to 7); CRCs are not computed.
//! - Interrupt: TXEIE&TXE | RXNEIE&RXNE | ERRIE&(OVR|MODF|CRCERR).

use crate::bus::SpiDevice;
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::SpiBus;
use crate::Ctx;
use std::sync::{Arc, Mutex, PoisonError};

// Register offsets.
const CR1: u32 = 0x00;
const CR2: u32 = 0x04;
const SR: u32 = 0x08;
const DR: u32 = 0x0c;

/// RM0041 22.5. SR.CRCERR is rc_w0, the other SR bits read-only; DR holds
/// the last word received (a write is a transfer); CRCs are not computed.
const REGISTERS: &[Reg] = &[
    Reg::new("CR1", CR1).rw(0xffff),
    Reg::new("CR2", CR2).rw(0xe7),
    Reg::new("SR", SR).reset(SR_TXE).w0c(SR_CRCERR),
    Reg::new("DR", DR),
    Reg::new("CRCPR", 0x10).reset(7).rw(0xffff),
    Reg::new("RXCRCR", 0x14),
    Reg::new("TXCRCR", 0x18),
];

// CR1 bits.
const CR1_MSTR: u32 = 1 << 2;
const CR1_SPE: u32 = 1 << 6;
const CR1_SSI: u32 = 1 << 8;
const CR1_SSM: u32 = 1 << 9;
const CR1_DFF: u32 = 1 << 11;

// CR2 bits.
const CR2_ERRIE: u32 = 1 << 5;
const CR2_RXNEIE: u32 = 1 << 6;
const CR2_TXEIE: u32 = 1 << 7;

// SR bits.
const SR_RXNE: u32 = 1 << 0;
const SR_TXE: u32 = 1 << 1;
const SR_CRCERR: u32 = 1 << 4;
const SR_MODF: u32 = 1 << 5;
const SR_OVR: u32 = 1 << 6;

type SharedBus = Arc<Mutex<SpiBus>>;

fn lock(bus: &SharedBus) -> std::sync::MutexGuard<'_, SpiBus> {
    bus.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One chip-select line of an [`Spi`] controller, driven by a GPIO pin
/// (active low).
#[derive(Clone)]
pub struct SpiCsLine {
    bus: SharedBus,
    cs: u8,
}

impl SpiCsLine {
    /// The pin driving this line changed to `high`.
    pub fn set_level(&self, high: bool, ctx: &mut Ctx) {
        let mut bus = lock(&self.bus);
        if !high {
            bus.select(self.cs, ctx);
        } else if bus.selected() == Some(self.cs) {
            bus.deselect(ctx);
        }
    }
}

pub struct Spi {
    regs: RegisterFile,
    irq: IrqLine,
    bus: SharedBus,
    /// A chip-select line was handed out: SPE no longer frames transfers.
    gpio_cs: bool,
    /// DR was read since OVR was set (the next SR read clears OVR).
    ovr_dr_read: bool,
}

impl Spi {
    /// SPI instance `name` (e.g. `SPI1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        let name = name.into();
        Spi {
            bus: Arc::new(Mutex::new(SpiBus::new(name.clone()))),
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            irq: IrqLine::new(irq),
            gpio_cs: false,
            ovr_dr_read: false,
        }
    }

    /// Attaches `dev` at chip-select index `cs`.
    pub fn attach(&mut self, cs: u8, dev: Box<dyn SpiDevice>) {
        lock(&self.bus).attach(cs, dev);
    }

    /// The chip-select line `cs`, for a GPIO pin to drive. From the first
    /// call on, transfers are framed by chip-select pins, not by SPE.
    pub fn cs_line(&mut self, cs: u8) -> SpiCsLine {
        self.gpio_cs = true;
        SpiCsLine {
            bus: self.bus.clone(),
            cs,
        }
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let s = self.regs.get(SR);
        let c = self.regs.get(CR2);
        let level = (c & CR2_TXEIE != 0 && s & SR_TXE != 0)
            || (c & CR2_RXNEIE != 0 && s & SR_RXNE != 0)
            || (c & CR2_ERRIE != 0 && s & (SR_OVR | SR_MODF | SR_CRCERR) != 0);
        self.irq.set(level, ctx);
    }

    fn write_cr1(&mut self, w: Write, ctx: &mut Ctx) {
        let mut v = w.new;
        if v & (CR1_MSTR | CR1_SSM) == CR1_MSTR | CR1_SSM && v & CR1_SSI == 0 {
            self.regs.set_bits(SR, SR_MODF, true);
            v &= !(CR1_SPE | CR1_MSTR);
        }
        let was_on = w.old & CR1_SPE != 0;
        let on = v & CR1_SPE != 0;
        self.regs.set(CR1, v);
        if !self.gpio_cs && was_on != on {
            let mut bus = lock(&self.bus);
            if on {
                bus.select(0, ctx);
            } else {
                bus.deselect(ctx);
            }
        }
    }

    fn transfer(&mut self, v: u32, ctx: &mut Ctx) {
        let cr1 = self.regs.get(CR1);
        if cr1 & (CR1_SPE | CR1_MSTR) != CR1_SPE | CR1_MSTR {
            return;
        }
        let bytes: &[u8] = if cr1 & CR1_DFF != 0 {
            &[(v >> 8) as u8, v as u8]
        } else {
            &[v as u8]
        };
        let mut word = 0u32;
        {
            let mut bus = lock(&self.bus);
            for &b in bytes {
                word = (word << 8) | bus.exchange(b, ctx.now) as u32;
            }
        }
        if self.regs.get(SR) & SR_RXNE != 0 {
            self.regs.set_bits(SR, SR_OVR, true);
            self.ovr_dr_read = false;
        } else {
            self.regs.set(DR, word);
            self.regs.set_bits(SR, SR_RXNE, true);
        }
    }
}

impl RegisterBlock for Spi {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        match reg {
            DR => {
                self.regs.set_bits(SR, SR_RXNE, false);
                self.ovr_dr_read = self.regs.get(SR) & SR_OVR != 0;
                self.update_irq(ctx);
            }
            SR if self.ovr_dr_read => {
                self.regs.set_bits(SR, SR_OVR, false);
                self.ovr_dr_read = false;
                self.update_irq(ctx);
            }
            _ => {}
        }
        value
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            CR1 => self.write_cr1(w, ctx),
            DR => self.transfer(w.value, ctx),
            _ => {}
        }
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, EchoSpi};
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::{EventKind, Trace};

    const MASTER_ON: u32 = CR1_MSTR | CR1_SSM | CR1_SSI | CR1_SPE;

    fn spi() -> Spi {
        let mut s = Spi::new("SPI1", Some(35));
        s.attach(0, Box::new(EchoSpi(Default::default())));
        s.attach(2, Box::new(EchoSpi(Default::default())));
        s
    }

    #[test]
    fn spe_frames_transfers_without_cs_pins() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = spi();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(CR1, Access::Word, MASTER_ON, c);
            s.write(DR, Access::Byte, 0x75 | 0x80, c);
            assert_eq!(
                s.read(SR, Access::Word, c) & (SR_RXNE | SR_TXE),
                SR_RXNE | SR_TXE
            );
            assert_eq!(s.read(DR, Access::Word, c), 0x0a);
            s.write(CR1, Access::Word, MASTER_ON | CR1_DFF, c);
            s.write(DR, Access::Half, 0x1234, c);
            assert_eq!(s.read(DR, Access::Word, c), 0xedcb);
            s.write(CR1, Access::Word, MASTER_ON & !CR1_SPE, c);
        });
        assert_eq!(
            trace.events()[0].kind,
            EventKind::Spi {
                cs: 0,
                mosi: vec![0xf5, 0x12, 0x34],
                miso: vec![0x0a, 0xed, 0xcb]
            }
        );
    }

    #[test]
    fn gpio_cs_line_frames_transfers() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = spi();
        let line = s.cs_line(2);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(CR1, Access::Word, MASTER_ON, c);
            line.set_level(false, c);
            s.write(DR, Access::Word, 1, c);
            s.read(DR, Access::Word, c);
            s.write(DR, Access::Word, 2, c);
            assert!(c.trace.is_empty());
            line.set_level(true, c);
            s.write(CR1, Access::Word, 0, c);
        });
        assert_eq!(trace.len(), 1, "SPE no longer frames");
        assert_eq!(
            trace.events()[0].kind,
            EventKind::Spi {
                cs: 2,
                mosi: vec![1, 2],
                miso: vec![0xfe, 0xfd]
            }
        );
    }

    /// RM0041 SPI_CR2.RXNEIE raises the SPI interrupt while SPI_SR.RXNE is
    /// set (the interrupt-driven driver's only source); clearing RXNEIE (the
    /// handler's mask) or reading DR drops it; TXE alone does not raise it
    /// without TXEIE.
    #[test]
    fn cr2_rxneie_raises_the_irq_while_sr_rxne() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = spi();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(CR1, Access::Word, MASTER_ON, c);
            s.write(DR, Access::Byte, 0x11, c);
            assert_eq!(
                c.irqs.drain().count(),
                0,
                "RXNE without RXNEIE, TXE without TXEIE"
            );
            s.write(CR2, Access::Word, CR2_RXNEIE, c);
            assert_eq!(c.irqs.drain().collect::<Vec<_>>(), vec![(35, true)]);
            s.write(CR2, Access::Word, 0, c);
            assert_eq!(
                c.irqs.drain().collect::<Vec<_>>(),
                vec![(35, false)],
                "masked by the handler"
            );
            s.write(CR2, Access::Word, CR2_RXNEIE, c);
            assert_eq!(s.read(DR, Access::Word, c), 0xee);
            assert_eq!(
                c.irqs.drain().collect::<Vec<_>>(),
                vec![(35, true), (35, false)],
                "DR read clears RXNE"
            );
        });
    }

    #[test]
    fn overrun_and_mode_fault() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = spi();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            s.write(CR2, Access::Word, CR2_ERRIE, c);
            s.write(CR1, Access::Word, MASTER_ON, c);
            s.write(DR, Access::Word, 1, c);
            s.write(DR, Access::Word, 2, c);
            assert_ne!(s.read(SR, Access::Word, c) & SR_OVR, 0);
            assert_eq!(s.read(DR, Access::Word, c), 0xfe, "first word kept");
            assert_ne!(
                s.read(SR, Access::Word, c) & SR_OVR,
                0,
                "SR read after DR read clears"
            );
            assert_eq!(s.read(SR, Access::Word, c) & SR_OVR, 0);
            s.write(CR1, Access::Word, CR1_MSTR | CR1_SSM | CR1_SPE, c);
            assert_ne!(s.read(SR, Access::Word, c) & SR_MODF, 0);
            assert_eq!(s.read(CR1, Access::Word, c) & (CR1_SPE | CR1_MSTR), 0);
        });
        assert_eq!(
            irqs.drain().collect::<Vec<_>>(),
            vec![(35, true), (35, false), (35, true)]
        );
    }
}
