//! i.MX RT1170 MU, the Messaging Unit between the CM7 (side A, `MUA`) and
//! the CM4 (side B, `MUB`) (IMXRT1170RM chapter "Messaging Unit"): TR0-3,
//! RR0-3, SR, CR on each side.
//!
//! The two sides are two models, one per core, sharing one [`MuLink`]; the
//! runner hands the same link to both when a scenario runs the two cores as
//! one chip. Model rules (n = 0..3; in SR and CR bit `base + 3 - n` is
//! channel n, so TE0 is SR bit 23 and RF0 SR bit 27):
//! - Writing TRn puts the word in the other side's RRn: this side's SR.TEn
//!   clears, the other side's SR.RFn sets.
//! - Reading RRn clears this side's SR.RFn and sets the other side's SR.TEn.
//! - CR.GIRn requests a general interrupt: the other side's SR.GIPn sets and
//!   GIRn reads back set until that side clears GIPn (SR is write-1-to-clear
//!   for GIPn). CR.Fn appears as the other side's SR.Fn.
//! - One interrupt line per side: any RFn & RIEn, TEn & TIEn, GIPn & GIEn.
//! - SR.RS (bit 7) reads 1 while the other side is not modelled (a core held
//!   in reset): a standalone side keeps TEn clear once it has written TRn,
//!   as nobody reads the word.
//! - A change made by one core reaches the other core's interrupt line at
//!   that core's next step ([`Peripheral::next_deadline`] asks for it), so
//!   the lockstep quantum order decides it: deterministic.

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::Ctx;
use gale_trace::Nanos;
use std::sync::{Arc, Mutex};

const TR0: u32 = 0x00;
const RR0: u32 = 0x10;
const SR: u32 = 0x20;
const CR: u32 = 0x24;

/// IMXRT1170RM MU memory map (one side). TRn are write-only and RRn read
/// the word the other side sent; SR is computed from the shared state (GIPn
/// write-1-to-clear there); CR stores all but GIRn, which read back from
/// the other side's GIPn.
const REGISTERS: &[Reg] = &[
    Reg::new("TR0", TR0),
    Reg::new("TR1", 0x04),
    Reg::new("TR2", 0x08),
    Reg::new("TR3", 0x0c),
    Reg::new("RR0", RR0),
    Reg::new("RR1", 0x14),
    Reg::new("RR2", 0x18),
    Reg::new("RR3", 0x1c),
    Reg::new("SR", SR),
    Reg::new("CR", CR).rw(!(0xf << GIR_BASE)),
];

const F_MASK: u32 = 0b111;
const SR_RS: u32 = 1 << 7;
const TE_BASE: u32 = 20;
const RF_BASE: u32 = 24;
const GIP_BASE: u32 = 28;
const GIR_BASE: u32 = 16;
const TIE_BASE: u32 = 20;
const RIE_BASE: u32 = 24;
const GIE_BASE: u32 = 28;

/// Bit of channel `n` in a 4-bit field starting at `base` (channel 0 is the
/// field's top bit).
fn bit(base: u32, n: usize) -> u32 {
    1 << (base + 3 - n as u32)
}

fn field(base: u32) -> u32 {
    0xf << base
}

/// Which side of the MU a model is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Processor A: the CM7 (`MUA`).
    A,
    /// Processor B: the CM4 (`MUB`).
    B,
}

impl Side {
    fn index(self) -> usize {
        self as usize
    }

    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    /// The side an SVD peripheral name stands for (`MUA`, `MUB`).
    pub fn from_name(name: &str) -> Option<Side> {
        match name.chars().last() {
            Some('A') => Some(Side::A),
            Some('B') => Some(Side::B),
            _ => None,
        }
    }
}

/// The state of one side as the other side's actions leave it.
#[derive(Clone, Copy, Debug, Default)]
struct SideState {
    rr: [u32; 4],
    /// SR.RFn, by channel.
    rf: [bool; 4],
    /// SR.TEn, by channel.
    te: [bool; 4],
    /// SR.GIPn, by channel.
    gip: [bool; 4],
    /// The other side's CR.Fn, seen as this side's SR.Fn.
    f: u32,
    /// Something changed that this side's interrupt line must reflect.
    dirty: bool,
}

#[derive(Debug)]
struct Pair {
    sides: [SideState; 2],
    /// Whether the other side of each side is modelled.
    present: [bool; 2],
}

/// The shared state of one MU: both sides' models hold a clone.
#[derive(Clone, Debug)]
pub struct MuLink(Arc<Mutex<Pair>>);

impl Default for MuLink {
    fn default() -> Self {
        MuLink::new()
    }
}

impl MuLink {
    pub fn new() -> Self {
        let side = SideState {
            te: [true; 4],
            ..Default::default()
        };
        MuLink(Arc::new(Mutex::new(Pair {
            sides: [side; 2],
            present: [false; 2],
        })))
    }

    fn with<R>(&self, f: impl FnOnce(&mut Pair) -> R) -> R {
        // A poisoned lock means the other side's model panicked: its state
        // is still plain data, so carry on with it.
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }
}

/// One side of the MU.
pub struct Mu {
    regs: RegisterFile,
    side: Side,
    link: MuLink,
    irq: IrqLine,
}

impl Mu {
    /// Side `side` of MU instance `name` on external interrupt `irq`, not
    /// yet connected to the other side (see [`Mu::connect`]).
    pub fn new(name: impl Into<String>, side: Side, irq: Option<u32>) -> Self {
        Mu {
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            side,
            link: MuLink::new(),
            irq: IrqLine::new(irq),
        }
    }

    /// Joins `link`, the MU shared with the other core's side.
    pub fn connect(&mut self, link: MuLink) {
        let me = self.side.index();
        link.with(|p| p.present[me] = true);
        self.link = link;
    }

    fn sr(&self) -> u32 {
        let (me, other) = (self.side.index(), self.side.other().index());
        self.link.with(|p| {
            let s = &p.sides[me];
            let mut v = s.f & F_MASK;
            for n in 0..4 {
                v |= if s.te[n] { bit(TE_BASE, n) } else { 0 };
                v |= if s.rf[n] { bit(RF_BASE, n) } else { 0 };
                v |= if s.gip[n] { bit(GIP_BASE, n) } else { 0 };
            }
            if !p.present[other] {
                v |= SR_RS;
            }
            v
        })
    }

    /// CR with GIRn reading back set while the other side's GIPn is set.
    fn cr(&self) -> u32 {
        let other = self.side.other().index();
        let pending = self.link.with(|p| p.sides[other].gip);
        let gir = (0..4)
            .filter(|&n| pending[n])
            .fold(0, |v, n| v | bit(GIR_BASE, n));
        (self.regs.get(CR) & !field(GIR_BASE)) | gir
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let me = self.side.index();
        let (sr, cr) = (self.sr(), self.regs.get(CR));
        self.link.with(|p| p.sides[me].dirty = false);
        let rx = sr >> RF_BASE & cr >> RIE_BASE & 0xf;
        let tx = sr >> TE_BASE & cr >> TIE_BASE & 0xf;
        let gen = sr >> GIP_BASE & cr >> GIE_BASE & 0xf;
        self.irq.set(rx | tx | gen != 0, ctx);
    }

    fn transmit(&mut self, n: usize, word: u32) {
        let (me, other) = (self.side.index(), self.side.other().index());
        self.link.with(|p| {
            p.sides[me].te[n] = false;
            let o = &mut p.sides[other];
            o.rr[n] = word;
            o.rf[n] = true;
            o.dirty = true;
        });
    }

    fn receive(&mut self, n: usize) -> u32 {
        let (me, other) = (self.side.index(), self.side.other().index());
        self.link.with(|p| {
            let word = p.sides[me].rr[n];
            if p.sides[me].rf[n] {
                p.sides[me].rf[n] = false;
                // Nobody reads a word written to a side that is not modelled.
                p.sides[other].te[n] = true;
                p.sides[other].dirty = true;
            }
            word
        })
    }

    /// After a CR write of `value` (CR was `old`; GIRn are not stored).
    fn write_cr(&mut self, old: u32, value: u32) {
        let other = self.side.other().index();
        self.link.with(|p| {
            let o = &mut p.sides[other];
            for n in 0..4 {
                if value & bit(GIR_BASE, n) != 0 {
                    o.gip[n] = true;
                    o.dirty = true;
                }
            }
            if (old ^ value) & F_MASK != 0 {
                o.f = value & F_MASK;
                o.dirty = true;
            }
        });
    }

    fn clear_gip(&mut self, value: u32) {
        let (me, other) = (self.side.index(), self.side.other().index());
        self.link.with(|p| {
            for n in 0..4 {
                if value & bit(GIP_BASE, n) != 0 && p.sides[me].gip[n] {
                    p.sides[me].gip[n] = false;
                    // The other side's GIRn reads back clear now.
                    p.sides[other].dirty = true;
                }
            }
        });
    }
}

impl RegisterBlock for Mu {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, _value: u32, ctx: &mut Ctx) -> u32 {
        let v = match reg {
            RR0..=0x1c => self.receive(((reg - RR0) / 4) as usize),
            SR => self.sr(),
            CR => self.cr(),
            _ => 0,
        };
        self.update_irq(ctx);
        v
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            TR0..=0x0c => self.transmit(((w.reg - TR0) / 4) as usize, w.value),
            SR => self.clear_gip(w.value),
            CR => self.write_cr(w.old, w.merged()),
            _ => {}
        }
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        // The other core changed something: step at once to update the line.
        let me = self.side.index();
        self.link.with(|p| p.sides[me].dirty).then_some(0)
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    struct Rig {
        irqs: IrqLines,
        trace: Trace,
    }

    impl Rig {
        fn new() -> Self {
            Rig {
                irqs: IrqLines::default(),
                trace: Trace::new(),
            }
        }
        fn ctx(&mut self) -> Ctx<'_> {
            Ctx {
                now: 0,
                machine: "m",
                irqs: &mut self.irqs,
                trace: &mut self.trace,
            }
        }
        fn lines(&mut self) -> Vec<(u32, bool)> {
            self.irqs.drain().collect()
        }
    }

    fn pair() -> (Mu, Mu) {
        let link = MuLink::new();
        let (mut a, mut b) = (
            Mu::new("MUA", Side::A, Some(118)),
            Mu::new("MUB", Side::B, Some(118)),
        );
        a.connect(link.clone());
        b.connect(link);
        (a, b)
    }

    const TE0: u32 = 1 << 23;
    const RF0: u32 = 1 << 27;
    const RIE0: u32 = 1 << 27;

    #[test]
    fn a_word_crosses_and_flags_follow_the_reference_manual() {
        let (mut a, mut b) = pair();
        let mut r = Rig::new();
        assert_eq!(
            b.read(SR, Access::Word, &mut r.ctx()) & (TE0 | RF0 | SR_RS),
            TE0,
            "reset: TE0 set, peer present"
        );
        b.write(TR0, Access::Word, 0x1234_5678, &mut r.ctx());
        assert_eq!(
            b.read(SR, Access::Word, &mut r.ctx()) & TE0,
            0,
            "TE0 clears on write"
        );
        assert_ne!(
            a.read(SR, Access::Word, &mut r.ctx()) & RF0,
            0,
            "RF0 sets on the other side"
        );
        assert_eq!(a.read(RR0, Access::Word, &mut r.ctx()), 0x1234_5678);
        assert_eq!(
            a.read(SR, Access::Word, &mut r.ctx()) & RF0,
            0,
            "RF0 clears on read"
        );
        assert_ne!(
            b.read(SR, Access::Word, &mut r.ctx()) & TE0,
            0,
            "TE0 back once read"
        );
        // Channel 3 uses the lowest bit of each field.
        b.write(0x0c, Access::Word, 7, &mut r.ctx());
        assert_ne!(a.read(SR, Access::Word, &mut r.ctx()) & 1 << 24, 0);
        assert_eq!(a.read(0x1c, Access::Word, &mut r.ctx()), 7);
    }

    #[test]
    fn receive_interrupt_reaches_the_other_core_at_its_next_step() {
        let (mut a, mut b) = pair();
        let mut r = Rig::new();
        a.write(CR, Access::Word, RIE0, &mut r.ctx());
        assert!(r.lines().is_empty(), "nothing received yet");
        assert_eq!(a.next_deadline(), None);
        b.write(TR0, Access::Word, 1, &mut r.ctx());
        // A's core is not running now: it asks to be stepped.
        assert_eq!(a.next_deadline(), Some(0));
        a.advance(&mut r.ctx());
        assert_eq!(r.lines(), vec![(118, true)]);
        assert_eq!(a.next_deadline(), None);
        a.read(RR0, Access::Word, &mut r.ctx());
        assert_eq!(r.lines(), vec![(118, false)]);
    }

    #[test]
    fn general_interrupt_request_is_write_one_to_clear() {
        let (mut a, mut b) = pair();
        let mut r = Rig::new();
        b.write(CR, Access::Word, 1 << 31, &mut r.ctx()); // GIE0
        a.write(CR, Access::Word, 1 << 19, &mut r.ctx()); // GIR0
        assert_ne!(
            a.read(CR, Access::Word, &mut r.ctx()) & 1 << 19,
            0,
            "GIR0 reads set while pending"
        );
        b.advance(&mut r.ctx());
        assert_eq!(r.lines(), vec![(118, true)]);
        assert_ne!(b.read(SR, Access::Word, &mut r.ctx()) & 1 << 31, 0);
        b.write(SR, Access::Word, 1 << 31, &mut r.ctx());
        assert_eq!(r.lines(), vec![(118, false)]);
        assert_eq!(
            a.read(CR, Access::Word, &mut r.ctx()) & 1 << 19,
            0,
            "GIR0 clears once taken"
        );
    }

    #[test]
    fn standalone_side_reports_the_other_core_in_reset() {
        let mut b = Mu::new("MUB", Side::B, Some(118));
        let mut r = Rig::new();
        assert_ne!(b.read(SR, Access::Word, &mut r.ctx()) & SR_RS, 0);
        b.write(TR0, Access::Word, 5, &mut r.ctx());
        assert_eq!(
            b.read(SR, Access::Word, &mut r.ctx()) & TE0,
            0,
            "nobody reads: TE0 stays clear"
        );
        assert_eq!(b.next_deadline(), None);
    }

    #[test]
    fn side_follows_the_svd_name() {
        assert_eq!(Side::from_name("MUA"), Some(Side::A));
        assert_eq!(Side::from_name("MUB"), Some(Side::B));
        assert_eq!(Side::from_name("MU"), None);
    }
}
