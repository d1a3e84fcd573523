//! STM32F1 GPIO port (RM0041 section 7.2): CRL, CRH, IDR, ODR, BSRR, BRR,
//! LCKR.
//!
//! Model rules:
//! - Each pin's CRL/CRH nibble is MODE (00 = input) and CNF. A pin with
//!   MODE != 00 and CNF 0x (general-purpose push-pull or open-drain output)
//!   drives its ODR bit; level changes, and a pin starting to drive, are
//!   traced as `Gpio { pin: "PA5", level }` (port letter from the instance
//!   name's last character). Alternate-function outputs (CNF 1x) are driven
//!   by their peripheral and neither traced nor shown from ODR.
//! - IDR: general-purpose outputs read their ODR bit; other pins read the
//!   level applied with [`Gpio::set_input`], else their pull (input with
//!   CNF 10 pulls up when the ODR bit is set, down otherwise), else low.
//! - BSRR sets (bits 0..15) and resets (16..31), set winning; BRR resets.
//! - LCKR: the write 1 / write 0 / write 1 sequence on LCKK with unchanged
//!   LCKR[15:0] locks those pins' configuration (CRL/CRH nibbles) until
//!   reset; LCKK then reads 1.
//! - [`Gpio::bind_cs`] connects a pin to an SPI controller's chip-select
//!   line (see [`crate::stm32::spi`]): the pin's driven level is passed on.

use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::stm32::spi::SpiCsLine;
use crate::Ctx;
use gale_trace::{EventKind, Level};

// Register offsets.
const CRL: u32 = 0x00;
const CRH: u32 = 0x04;
const IDR: u32 = 0x08;
const ODR: u32 = 0x0c;
const BSRR: u32 = 0x10;
const BRR: u32 = 0x14;
const LCKR: u32 = 0x18;

/// RM0041 7.2. IDR is computed on read; BSRR and BRR are write-only
/// strobes on ODR; LCKR is written by its lock sequence.
const REGISTERS: &[Reg] = &[
    Reg::new("CRL", CRL).reset(0x4444_4444).rw(u32::MAX),
    Reg::new("CRH", CRH).reset(0x4444_4444).rw(u32::MAX),
    Reg::new("IDR", IDR),
    Reg::new("ODR", ODR).rw(0xffff),
    Reg::new("BSRR", BSRR),
    Reg::new("BRR", BRR),
    Reg::new("LCKR", LCKR),
];

const LCKR_LCKK: u32 = 1 << 16;

// CNF values of an input pin.
const CNF_INPUT_PULL: u32 = 0b10;

pub struct Gpio {
    regs: RegisterFile,
    port: char,
    /// External levels and which pins have one applied.
    input_level: u16,
    input_driven: u16,
    /// Progress through the LCKK write sequence (0..=3) and its pin bits.
    lock_step: u8,
    lock_key: u16,
    locked: bool,
    cs_lines: Vec<(u8, SpiCsLine)>,
    /// Levels of general-purpose outputs, as last traced (None: not driving).
    driven: [Option<bool>; 16],
}

impl Gpio {
    /// GPIO port `name` (e.g. `GPIOA`).
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        let port = name.chars().last().unwrap_or('?');
        Gpio {
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            port,
            input_level: 0,
            input_driven: 0,
            lock_step: 0,
            lock_key: 0,
            locked: false,
            cs_lines: Vec::new(),
            driven: [None; 16],
        }
    }

    /// Passes `pin`'s driven level to an SPI chip-select line.
    pub fn bind_cs(&mut self, pin: u8, line: SpiCsLine) {
        self.cs_lines.push((pin & 15, line));
    }

    /// Applies an external level to `pin` (seen on IDR unless it drives).
    pub fn set_input(&mut self, pin: u8, high: bool) {
        let bit = 1u16 << (pin & 15);
        self.input_driven |= bit;
        self.input_level = if high {
            self.input_level | bit
        } else {
            self.input_level & !bit
        };
    }

    fn nibble(&self, pin: usize) -> u32 {
        let reg = if pin < 8 { CRL } else { CRH };
        (self.regs.get(reg) >> ((pin % 8) * 4)) & 0xf
    }

    fn odr(&self) -> u16 {
        self.regs.get(ODR) as u16
    }

    /// Whether `pin` is a general-purpose output.
    fn gp_output(&self, pin: usize) -> bool {
        let n = self.nibble(pin);
        n & 0b11 != 0 && n & 0b1000 == 0
    }

    fn idr(&self) -> u16 {
        (0..16).fold(0u16, |acc, pin| {
            let bit = 1u16 << pin;
            let n = self.nibble(pin);
            let high = if self.gp_output(pin) {
                self.odr() & bit != 0
            } else if self.input_driven & bit != 0 {
                self.input_level & bit != 0
            } else {
                n & 0b11 == 0 && n >> 2 == CNF_INPUT_PULL && self.odr() & bit != 0
            };
            acc | if high { bit } else { 0 }
        })
    }

    /// Traces and propagates changes of the driven outputs.
    fn outputs_changed(&mut self, ctx: &mut Ctx) {
        for pin in 0..16 {
            let now = self.gp_output(pin).then_some(self.odr() & (1 << pin) != 0);
            if now == self.driven[pin] {
                continue;
            }
            self.driven[pin] = now;
            let Some(high) = now else { continue };
            let level = if high { Level::High } else { Level::Low };
            ctx.emit(
                self.regs.name(),
                EventKind::Gpio {
                    pin: format!("P{}{pin}", self.port),
                    level,
                },
            );
            for (p, line) in &self.cs_lines {
                if *p as usize == pin {
                    line.set_level(high, ctx);
                }
            }
        }
    }

    fn write_lckr(&mut self, v: u32) {
        let key = v as u16;
        let lckk = v & LCKR_LCKK != 0;
        if self.locked {
            return;
        }
        self.lock_step = match (self.lock_step, lckk) {
            (0, true) => 1,
            (1, false) if key == self.lock_key => 2,
            (2, true) if key == self.lock_key => 3,
            (_, true) => 1,
            _ => 0,
        };
        self.lock_key = key;
        if self.lock_step == 3 {
            self.locked = true;
        }
        self.regs
            .set(LCKR, key as u32 | if self.locked { LCKR_LCKK } else { 0 });
    }

    /// After a CRL/CRH write: locked pins keep their configuration.
    fn keep_locked(&mut self, w: Write) {
        if !self.locked {
            return;
        }
        let first = if w.reg == CRH { 8 } else { 0 };
        let lckr = self.regs.get(LCKR);
        let keep = (0..8)
            .filter(|p| lckr & (1 << (first + p)) != 0)
            .fold(0u32, |k, p| k | 0xf << (p * 4));
        self.regs.set(w.reg, (w.old & keep) | (w.new & !keep));
    }
}

impl RegisterBlock for Gpio {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, _ctx: &mut Ctx) -> u32 {
        if reg == IDR {
            self.idr() as u32
        } else {
            value
        }
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        let odr = self.regs.get(ODR);
        match w.reg {
            CRL | CRH => self.keep_locked(w),
            BSRR => self
                .regs
                .set(ODR, (odr & !(w.value >> 16)) | (w.value & 0xffff)),
            BRR => self.regs.set(ODR, odr & !(w.value & 0xffff)),
            LCKR => self.write_lckr(w.merged()),
            _ => {}
        }
        self.outputs_changed(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{gpio_events, with_ctx, EchoSpi};
    use crate::stm32::spi::Spi;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    #[test]
    fn push_pull_outputs_trace_and_af_pins_do_not() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIOC");
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(BSRR, Access::Word, 1 << 8 | 1 << 9, c); // inputs: untraced
            g.write(CRH, Access::Word, 0x4444_44b2, c); // PC8 GP out 2 MHz, PC9 AF out
            g.write(BSRR, Access::Word, 1 << (16 + 8) | 1 << 8, c); // set wins
            g.write(BRR, Access::Word, 1 << 8 | 1 << 9, c);
            assert_eq!(g.read(IDR, Access::Word, c) & 0x300, 0);
            assert_eq!(g.read(ODR, Access::Word, c), 0);
        });
        assert_eq!(
            gpio_events(&trace),
            vec![("PC8".into(), Level::High), ("PC8".into(), Level::Low)]
        );
    }

    #[test]
    fn idr_reads_inputs_and_pulls() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIOA");
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(CRL, Access::Word, 0x4444_8844, c); // PA2, PA3 input pull
            g.write(ODR, Access::Word, 1 << 2, c); // PA2 pull-up, PA3 pull-down
            g.set_input(0, true);
            assert_eq!(g.read(IDR, Access::Word, c), 0b0101);
            g.set_input(2, false);
            assert_eq!(g.read(IDR, Access::Word, c), 0b0001);
        });
    }

    #[test]
    fn lock_sequence_freezes_configuration() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIOB");
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(LCKR, Access::Word, LCKR_LCKK | 1, c);
            g.write(LCKR, Access::Word, 1, c);
            g.write(LCKR, Access::Word, LCKR_LCKK | 1, c);
            assert_eq!(g.read(LCKR, Access::Word, c), LCKR_LCKK | 1);
            g.write(CRL, Access::Word, 0x1111_1111, c);
            assert_eq!(g.read(CRL, Access::Word, c), 0x1111_1114, "PB0 locked");
        });
    }

    #[test]
    fn bound_pin_frames_spi_transfer() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut s = Spi::new("SPI1", None);
        s.attach(0, Box::new(EchoSpi(Default::default())));
        let mut g = Gpio::new("GPIOA");
        g.bind_cs(4, s.cs_line(0));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(BSRR, Access::Word, 1 << 4, c);
            g.write(CRL, Access::Word, 0x4442_4444, c); // PA4 out, high: idle
            s.write(0x00, Access::Word, 0x344, c); // MSTR SSM SSI SPE
            g.write(BRR, Access::Word, 1 << 4, c);
            s.write(0x0c, Access::Word, 0x80, c);
            g.write(BSRR, Access::Word, 1 << 4, c);
        });
        let spi: Vec<_> = trace
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Spi { .. }))
            .collect();
        assert_eq!(spi.len(), 1);
        assert_eq!(
            spi[0].kind,
            EventKind::Spi {
                cs: 0,
                mosi: vec![0x80],
                miso: vec![0x7f]
            }
        );
        assert_eq!(spi[0].source, "SPI1");
    }
}
