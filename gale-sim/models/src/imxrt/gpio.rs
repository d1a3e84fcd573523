//! i.MX RT1170 GPIO (IMXRT1170RM chapter "General Purpose Input/Output"):
//! DR, GDIR, PSR, ICR1, ICR2, IMR, ISR, EDGE_SEL, DR_SET, DR_CLEAR, DR_TOGGLE.
//!
//! Model rules:
//! - A pin drives DR when its GDIR bit is set. Every change of a driven
//!   level, and a pin starting to drive, is traced as `Gpio { pin:
//!   "GPIO3.4", level }` (instance name, dot, pin number).
//! - PSR reads the driven level for outputs and the externally applied level
//!   ([`Gpio::set_input`], default low) for inputs.
//! - Interrupt detection watches PSR: ICR 0 low level, 1 high level, 2
//!   rising edge, 3 falling edge; an EDGE_SEL bit selects both edges. Level
//!   conditions set ISR again after a write-1-to-clear while they hold.
//! - Two interrupt lines: pins 0..15 and 16..31 (the "combined" IRQs). If the
//!   platform gives one number for both, one line serves all 32 pins.

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::Ctx;
use gale_trace::{EventKind, Level};

// Register offsets.
const DR: u32 = 0x00;
const GDIR: u32 = 0x04;
const PSR: u32 = 0x08;
const ICR1: u32 = 0x0c;
const ICR2: u32 = 0x10;
const IMR: u32 = 0x14;
const ISR: u32 = 0x18;
const EDGE_SEL: u32 = 0x1c;
const DR_SET: u32 = 0x84;
const DR_CLEAR: u32 = 0x88;
const DR_TOGGLE: u32 = 0x8c;

/// IMXRT1170RM GPIO memory map. PSR is computed on read; DR_SET, DR_CLEAR
/// and DR_TOGGLE are write-only strobes on DR.
const REGISTERS: &[Reg] = &[
    Reg::new("DR", DR).rw(u32::MAX),
    Reg::new("GDIR", GDIR).rw(u32::MAX),
    Reg::new("PSR", PSR),
    Reg::new("ICR1", ICR1).rw(u32::MAX),
    Reg::new("ICR2", ICR2).rw(u32::MAX),
    Reg::new("IMR", IMR).rw(u32::MAX),
    Reg::new("ISR", ISR).w1c(u32::MAX),
    Reg::new("EDGE_SEL", EDGE_SEL).rw(u32::MAX),
    Reg::new("DR_SET", DR_SET),
    Reg::new("DR_CLEAR", DR_CLEAR),
    Reg::new("DR_TOGGLE", DR_TOGGLE),
];

// ICR field values.
const ICR_LOW_LEVEL: u32 = 0;
const ICR_HIGH_LEVEL: u32 = 1;
const ICR_RISING: u32 = 2;
const ICR_FALLING: u32 = 3;

pub struct Gpio {
    regs: RegisterFile,
    /// (pins served, line).
    lines: Vec<(u32, IrqLine)>,
    /// Externally applied pad levels.
    inputs: u32,
    /// PSR as last evaluated (for edge detection).
    psr: u32,
}

impl Gpio {
    /// GPIO instance `name` (e.g. `GPIO3`) with its "combined 0..15" and
    /// "combined 16..31" interrupts.
    pub fn new(name: impl Into<String>, irq_low: Option<u32>, irq_high: Option<u32>) -> Self {
        let lines = if irq_low == irq_high {
            vec![(u32::MAX, IrqLine::new(irq_low))]
        } else {
            vec![
                (0x0000_ffff, IrqLine::new(irq_low)),
                (0xffff_0000, IrqLine::new(irq_high)),
            ]
        };
        Gpio {
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            lines,
            inputs: 0,
            psr: 0,
        }
    }

    /// Applies an external level to `pin` (seen on PSR when it is an input).
    pub fn set_input(&mut self, pin: u8, high: bool, ctx: &mut Ctx) {
        let bit = 1u32 << (pin & 31);
        self.inputs = if high {
            self.inputs | bit
        } else {
            self.inputs & !bit
        };
        self.update(ctx);
    }

    fn psr_value(&self) -> u32 {
        let (dr, gdir) = (self.regs.get(DR), self.regs.get(GDIR));
        (dr & gdir) | (self.inputs & !gdir)
    }

    fn icr_of(&self, pin: u32) -> u32 {
        let icr = if pin < 16 { ICR1 } else { ICR2 };
        (self.regs.get(icr) >> ((pin % 16) * 2)) & 3
    }

    /// Re-evaluates pads, interrupt status and lines.
    fn update(&mut self, ctx: &mut Ctx) {
        let psr = self.psr_value();
        let rose = psr & !self.psr;
        let fell = !psr & self.psr;
        let edge_sel = self.regs.get(EDGE_SEL);
        let mut isr = self.regs.get(ISR);
        for pin in 0..32 {
            let bit = 1u32 << pin;
            let hit = if edge_sel & bit != 0 {
                (rose | fell) & bit != 0
            } else {
                match self.icr_of(pin) {
                    ICR_LOW_LEVEL => psr & bit == 0,
                    ICR_HIGH_LEVEL => psr & bit != 0,
                    ICR_RISING => rose & bit != 0,
                    ICR_FALLING => fell & bit != 0,
                    _ => unreachable!("2-bit field"),
                }
            };
            if hit {
                isr |= bit;
            }
        }
        self.regs.set(ISR, isr);
        self.psr = psr;
        let pending = isr & self.regs.get(IMR);
        for (mask, line) in &mut self.lines {
            line.set(pending & *mask != 0, ctx);
        }
    }

    /// After DR or GDIR changed from `before` (DR, GDIR): traces
    /// driven-level changes and re-evaluates.
    fn drive(&mut self, before: (u32, u32), ctx: &mut Ctx) {
        let (dr, gdir) = (self.regs.get(DR), self.regs.get(GDIR));
        for pin in 0..32 {
            let bit = 1u32 << pin;
            let was = (before.1 & bit != 0).then_some(before.0 & bit != 0);
            let now = (gdir & bit != 0).then_some(dr & bit != 0);
            if let Some(high) = now.filter(|n| Some(*n) != was) {
                let level = if high { Level::High } else { Level::Low };
                let name = self.regs.name();
                ctx.emit(
                    name,
                    EventKind::Gpio {
                        pin: format!("{name}.{pin}"),
                        level,
                    },
                );
            }
        }
        self.update(ctx);
    }
}

impl RegisterBlock for Gpio {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, _ctx: &mut Ctx) -> u32 {
        if reg == PSR {
            self.psr_value()
        } else {
            value
        }
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        let (dr, gdir) = (self.regs.get(DR), self.regs.get(GDIR));
        let strobed = match w.reg {
            DR_SET => Some(dr | w.value),
            DR_CLEAR => Some(dr & !w.value),
            DR_TOGGLE => Some(dr ^ w.value),
            _ => None,
        };
        match (w.reg, strobed) {
            (DR, _) => self.drive((w.old, gdir), ctx),
            (GDIR, _) => self.drive((dr, w.old), ctx),
            (_, Some(new)) => {
                self.regs.set(DR, new);
                self.drive((dr, gdir), ctx);
            }
            // Level conditions re-assert at once; edges need a new edge.
            _ => self.update(ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{gpio_events, with_ctx};
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    #[test]
    fn outputs_trace_changes_only() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIO3", Some(104), Some(105));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(DR, Access::Word, 1 << 4, c); // input: not traced
            g.write(GDIR, Access::Word, 1 << 4 | 1 << 5, c); // start driving: 4 high, 5 low
            g.write(DR_SET, Access::Word, 1 << 4, c); // no change
            g.write(DR_TOGGLE, Access::Word, 1 << 4 | 1 << 5, c);
            g.write(DR_CLEAR, Access::Word, 1 << 5, c);
            assert_eq!(g.read(PSR, Access::Word, c), 0);
            assert_eq!(g.read(DR, Access::Word, c), 0);
        });
        let h = |p: &str, l| (p.to_string(), l);
        assert_eq!(
            gpio_events(&trace),
            vec![
                h("GPIO3.4", Level::High),
                h("GPIO3.5", Level::Low),
                h("GPIO3.4", Level::Low),
                h("GPIO3.5", Level::High),
                h("GPIO3.5", Level::Low),
            ]
        );
    }

    #[test]
    fn edge_and_level_interrupts() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIO1", Some(100), Some(101));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(ICR2, Access::Word, ICR_RISING << 2, c); // pin 17 rising
            g.write(ICR1, Access::Word, 0x5555_5555, c); // pins 0..15 high level
                                                         // Low-level conditions (the ICR reset value) latched meanwhile.
            assert_ne!(g.read(ISR, Access::Word, c) & (1 << 3), 0);
            g.write(ISR, Access::Word, u32::MAX, c);
            g.write(IMR, Access::Word, 1 << 17 | 1 << 3, c);
            g.set_input(17, true, c);
            assert_eq!(g.read(ISR, Access::Word, c) & (1 << 17), 1 << 17);
            g.write(ISR, Access::Word, 1 << 17, c);
            assert_eq!(g.read(ISR, Access::Word, c) & (1 << 17), 0, "no new edge");
            g.set_input(3, true, c);
            g.write(ISR, Access::Word, 1 << 3, c);
            assert_ne!(
                g.read(ISR, Access::Word, c) & (1 << 3),
                0,
                "level still high"
            );
            g.set_input(3, false, c);
            g.write(ISR, Access::Word, 1 << 3, c);
        });
        let got: Vec<_> = irqs.drain().collect();
        assert_eq!(
            got,
            vec![(101, true), (101, false), (100, true), (100, false)]
        );
    }

    #[test]
    fn edge_sel_catches_both_edges_on_a_shared_line() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpio::new("GPIO13", Some(93), Some(93));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(ICR1, Access::Word, 0xffff_ffff, c);
            g.write(ICR2, Access::Word, 0xffff_ffff, c);
            g.write(EDGE_SEL, Access::Word, 1 << 20, c);
            g.write(IMR, Access::Word, 1 << 20, c);
            g.set_input(20, true, c);
            g.write(ISR, Access::Word, u32::MAX, c);
            g.set_input(20, false, c);
            assert_eq!(g.read(ISR, Access::Word, c), 1 << 20);
        });
        let got: Vec<_> = irqs.drain().collect();
        assert_eq!(got, vec![(93, true), (93, false), (93, true)]);
    }
}
