//! i.MX RT1170 LPI2C, controller (master) side (IMXRT1170RM chapter "Low
//! Power Inter-Integrated Circuit"): VERID, PARAM, MCR, MSR, MIER, MDER,
//! MCFGR0..3, MDMR, MCCR0, MCCR1, MFCR, MFSR, MTDR, MRDR. The target
//! (slave) registers SCR..SRDR are stored and read back only.
//!
//! Model rules:
//! - MTDR words enter the command FIFO and execute at once while MCR.MEN is
//!   set: CMD 0 transmit DATA, 1 receive DATA+1 bytes, 2 STOP, 3 receive and
//!   discard DATA+1 bytes, 4/6 (repeated) START + address byte DATA, 5/7 the
//!   same expecting a NACK. Bus timing (MCCR0/1, prescaler) is stored, not
//!   simulated: a transaction takes no virtual time.
//! - A receive stalls while the receive FIFO (4 words, PARAM.MRXFIFO = 2) is
//!   full, as the controller stretches the clock; reading MRDR resumes it.
//! - NACK (address or data; unless MCFGR1.IGNACK) sets MSR.NDF and the
//!   controller sends STOP; no further command executes until NDF is
//!   cleared (the RM: no new START until NDF is cleared).
//! - Transmit or receive commands outside a START..STOP of the matching
//!   direction set MSR.FEF and are dropped.
//! - MSR.EPF on repeated START and STOP, MSR.SDF on STOP; MBF while a
//!   transaction is open (START sent, no STOP yet), BBF likewise.
//! - MCFGR1.AUTOSTOP: STOP is sent once the command FIFO has stayed empty
//!   for [`AUTOSTOP_IDLE_NS`] of virtual time (one byte time at 400 kHz),
//!   standing in for "transmit FIFO empty while busy".
//! - One `I2c` trace event per START..(repeated START | STOP | NACK) segment.

use crate::bus::I2cDevice;
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::I2cBus;
use crate::Ctx;
use gale_trace::Nanos;
use std::collections::VecDeque;

// Register offsets.
const MCR: u32 = 0x10;
const MSR: u32 = 0x14;
const MIER: u32 = 0x18;
const MCFGR1: u32 = 0x24;
const MFCR: u32 = 0x58;
const MFSR: u32 = 0x5c;
const MTDR: u32 = 0x60;
const MRDR: u32 = 0x70;

/// IMXRT1170RM LPI2C memory map, reset values as in the SVD. MSR's TDF,
/// RDF, MBF and BBF and MFSR are computed on read; MCR.RTF/RRF are strobes;
/// MTDR feeds the command FIFO, MRDR pops the receive FIFO. The target
/// registers are stored only; SASR and SRDR read RXEMPTY (no target
/// traffic is modelled; SSR reads 0, STDR writes are dropped).
const REGISTERS: &[Reg] = &[
    Reg::new("VERID", 0x00).reset(0x0101_0003),
    Reg::new("PARAM", 0x04).reset(0x0000_0202),
    Reg::new("MCR", MCR).rw(MCR_RW),
    Reg::new("MSR", MSR).w1c(MSR_W1C),
    Reg::new("MIER", MIER).rw(MIER_RW),
    Reg::new("MDER", 0x1c).rw(3),
    Reg::new("MCFGR0", 0x20).rw(0x307),
    Reg::new("MCFGR1", MCFGR1).rw(0x0707_0707),
    Reg::new("MCFGR2", 0x28).rw(0x0f0f_0fff),
    Reg::new("MCFGR3", 0x2c).rw(0x000f_ff00),
    Reg::new("MDMR", 0x40).rw(0x00ff_00ff),
    Reg::new("MCCR0", 0x48).rw(0x3f3f_3f3f),
    Reg::new("MCCR1", 0x50).rw(0x3f3f_3f3f),
    Reg::new("MFCR", MFCR).rw(0x0003_0003),
    Reg::new("MFSR", MFSR),
    Reg::new("MTDR", MTDR),
    Reg::new("MRDR", MRDR),
    Reg::new("SCR", 0x110).rw(0x0000_0333),
    Reg::new("SSR", 0x114),
    Reg::new("SIER", 0x118).rw(0x0000_ff0f),
    Reg::new("SDER", 0x11c).rw(0x0000_0007),
    Reg::new("SCFGR1", 0x124).rw(0x0007_3f0f),
    Reg::new("SCFGR2", 0x128).rw(0x0f0f_3f0f),
    Reg::new("SAMR", 0x140).rw(0x07fe_07fe),
    Reg::new("SASR", 0x150).reset(MRDR_RXEMPTY),
    Reg::new("STAR", 0x154).rw(0x0000_0001),
    Reg::new("STDR", 0x160),
    Reg::new("SRDR", 0x170).reset(MRDR_RXEMPTY),
];

/// The target registers: not reset with the controller (MCR.RST).
const TARGET_FIRST: u32 = 0x110;

const FIFO_DEPTH: usize = 4;

// MCR bits.
const MCR_MEN: u32 = 1 << 0;
const MCR_RST: u32 = 1 << 1;
const MCR_RTF: u32 = 1 << 8;
const MCR_RRF: u32 = 1 << 9;
const MCR_RW: u32 = 0x0f;

// MSR bits (MIER uses the same positions).
const MSR_TDF: u32 = 1 << 0;
const MSR_RDF: u32 = 1 << 1;
const MSR_EPF: u32 = 1 << 8;
const MSR_SDF: u32 = 1 << 9;
const MSR_NDF: u32 = 1 << 10;
const MSR_FEF: u32 = 1 << 12;
const MSR_W1C: u32 = 0x7f00;
const MSR_MBF: u32 = 1 << 24;
const MSR_BBF: u32 = 1 << 25;
const MIER_RW: u32 = 0x7f03;

// MCFGR1 bits.
const MCFGR1_AUTOSTOP: u32 = 1 << 8;
const MCFGR1_IGNACK: u32 = 1 << 9;

// MTDR commands.
const CMD_TRANSMIT: u32 = 0;
const CMD_RECEIVE: u32 = 1;
const CMD_STOP: u32 = 2;
const CMD_RECEIVE_DISCARD: u32 = 3;
const CMD_START: u32 = 4;
const CMD_START_EXPECT_NACK: u32 = 5;
const CMD_HS_START: u32 = 6;
const CMD_HS_START_EXPECT_NACK: u32 = 7;

const MRDR_RXEMPTY: u32 = 1 << 14;

/// Idle time after which MCFGR1.AUTOSTOP sends STOP.
pub const AUTOSTOP_IDLE_NS: Nanos = 22_500;

pub struct Lpi2c {
    regs: RegisterFile,
    irq: IrqLine,
    bus: I2cBus,
    cmds: VecDeque<u32>,
    rx: VecDeque<u8>,
    /// A receive command in progress: bytes left and whether to discard.
    receiving: Option<(u32, bool)>,
    /// START sent, no STOP yet.
    busy: bool,
    autostop_at: Option<Nanos>,
}

impl Lpi2c {
    /// LPI2C instance `name` (e.g. `LPI2C1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        let name = name.into();
        Lpi2c {
            bus: I2cBus::new(name.clone()),
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            irq: IrqLine::new(irq),
            cmds: VecDeque::new(),
            rx: VecDeque::new(),
            receiving: None,
            busy: false,
            autostop_at: None,
        }
    }

    /// Attaches `dev` at 7-bit address `addr`.
    pub fn attach(&mut self, addr: u8, dev: Box<dyn I2cDevice>) {
        self.bus.attach(addr, dev);
    }

    /// MCR.RST: the controller registers but MCR back to reset.
    fn reset_controller(&mut self) {
        for r in REGISTERS
            .iter()
            .filter(|r| r.offset > MCR && r.offset < TARGET_FIRST)
        {
            self.regs.set(r.offset, r.reset);
        }
        self.cmds.clear();
        self.rx.clear();
        self.receiving = None;
        self.autostop_at = None;
    }

    fn msr_value(&self) -> u32 {
        let mut v = self.regs.get(MSR);
        let mfcr = self.regs.get(MFCR);
        if self.cmds.len() as u32 <= mfcr & 3 {
            v |= MSR_TDF;
        }
        if self.rx.len() as u32 > (mfcr >> 16) & 3 {
            v |= MSR_RDF;
        }
        if self.busy {
            v |= MSR_MBF | MSR_BBF;
        }
        v
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.msr_value() & self.regs.get(MIER) & MIER_RW != 0;
        self.irq.set(level, ctx);
    }

    fn flag(&mut self, bits: u32) {
        self.regs.set_bits(MSR, bits, true);
    }

    fn stop(&mut self, ctx: &mut Ctx) {
        if self.busy {
            self.bus.stop(ctx);
            self.busy = false;
            self.flag(MSR_SDF | MSR_EPF);
        }
        self.receiving = None;
    }

    fn nack(&mut self, ctx: &mut Ctx) {
        if self.regs.get(MCFGR1) & MCFGR1_IGNACK == 0 {
            self.flag(MSR_NDF);
            self.stop(ctx);
        }
    }

    /// Executes commands until the FIFO is empty or the controller stalls.
    fn run(&mut self, ctx: &mut Ctx) {
        while self.regs.get(MCR) & (MCR_MEN | MCR_RST) == MCR_MEN
            && self.regs.get(MSR) & MSR_NDF == 0
        {
            if let Some((left, discard)) = self.receiving {
                if !discard && self.rx.len() >= FIFO_DEPTH {
                    break;
                }
                let b = self.bus.read(ctx.now);
                if !discard {
                    self.rx.push_back(b);
                }
                self.receiving = (left > 1).then_some((left - 1, discard));
                continue;
            }
            let Some(cmd) = self.cmds.pop_front() else {
                break;
            };
            self.command(cmd, ctx);
        }
        self.autostop_at = (self.regs.get(MCFGR1) & MCFGR1_AUTOSTOP != 0
            && self.busy
            && self.cmds.is_empty()
            && self.receiving.is_none())
        .then_some(ctx.now + AUTOSTOP_IDLE_NS);
        self.update_irq(ctx);
    }

    fn command(&mut self, word: u32, ctx: &mut Ctx) {
        let data = (word & 0xff) as u8;
        match (word >> 8) & 7 {
            CMD_TRANSMIT => {
                if self.bus.open_read() == Some(false) {
                    if !self.bus.write(data, ctx) {
                        self.nack(ctx);
                    }
                } else {
                    self.flag(MSR_FEF);
                }
            }
            CMD_RECEIVE | CMD_RECEIVE_DISCARD => {
                if self.bus.open_read() == Some(true) {
                    let discard = (word >> 8) & 7 == CMD_RECEIVE_DISCARD;
                    self.receiving = Some((data as u32 + 1, discard));
                } else {
                    self.flag(MSR_FEF);
                }
            }
            CMD_STOP => self.stop(ctx),
            cmd @ (CMD_START | CMD_START_EXPECT_NACK | CMD_HS_START | CMD_HS_START_EXPECT_NACK) => {
                if self.busy {
                    self.flag(MSR_EPF);
                }
                self.busy = true;
                let ack = self.bus.start(data >> 1, data & 1 != 0, ctx);
                let expect_nack = cmd == CMD_START_EXPECT_NACK || cmd == CMD_HS_START_EXPECT_NACK;
                if ack == expect_nack {
                    self.nack(ctx);
                }
            }
            _ => unreachable!("3-bit command"),
        }
    }
}

impl RegisterBlock for Lpi2c {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        match reg {
            MSR => self.msr_value(),
            MFSR => (self.cmds.len().min(FIFO_DEPTH) as u32) | ((self.rx.len() as u32) << 16),
            MRDR => {
                let v = self.rx.pop_front().map_or(MRDR_RXEMPTY, u32::from);
                self.run(ctx);
                v
            }
            _ => value,
        }
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            MCR => {
                let v = w.merged();
                if v & MCR_RST != 0 {
                    self.stop(ctx);
                    self.reset_controller();
                }
                if v & MCR_RTF != 0 {
                    self.cmds.clear();
                }
                if v & MCR_RRF != 0 {
                    self.rx.clear();
                }
            }
            // Held in reset: the write does not take.
            _ if self.regs.get(MCR) & MCR_RST != 0 => self.regs.set(w.reg, w.old),
            MTDR => self.cmds.push_back(w.value & 0x7ff),
            _ => {}
        }
        self.run(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        self.autostop_at
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        if self.autostop_at.is_some_and(|t| t <= ctx.now) {
            self.stop(ctx);
            self.run(ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, MemI2c};
    use crate::{Access, IrqLines, Peripheral};
    const VERID: u32 = 0x00;
    const VERID_RESET: u32 = 0x0101_0003;
    const SRDR: u32 = 0x170;
    use gale_trace::{EventKind, Trace};

    const IRQ: u32 = 32;

    fn cmd(c: u32, data: u32) -> u32 {
        (c << 8) | data
    }

    fn enabled() -> Lpi2c {
        let mut i = Lpi2c::new("LPI2C1", Some(IRQ));
        i.attach(0x76, Box::new(MemI2c::new()));
        i
    }

    fn kinds(trace: &Trace) -> Vec<EventKind> {
        trace.events().iter().map(|e| e.kind.clone()).collect()
    }

    #[test]
    fn register_read_with_repeated_start() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 0x31), c);
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1 | 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_RECEIVE, 5), c);
            // Six bytes asked, four fit: the receive stalls.
            assert_eq!(i.read(MFSR, Access::Word, c) >> 16, 4);
            assert_ne!(i.read(MSR, Access::Word, c) & (MSR_RDF | MSR_MBF), 0);
            let got: Vec<u32> = (0..6).map(|_| i.read(MRDR, Access::Word, c)).collect();
            assert_eq!(got, (0x31..0x37).map(|a| a ^ 0x5a).collect::<Vec<u32>>());
            assert_eq!(i.read(MRDR, Access::Word, c), MRDR_RXEMPTY);
            i.write(MTDR, Access::Word, cmd(CMD_STOP, 0), c);
            assert_eq!(i.read(MSR, Access::Word, c) & (MSR_SDF | MSR_MBF), MSR_SDF);
        });
        let data: Vec<u8> = (0x31..0x37).map(|a| a ^ 0x5a).collect();
        assert_eq!(
            kinds(&trace),
            vec![
                EventKind::I2c {
                    addr: 0x76,
                    read: false,
                    data: vec![0x31],
                    ack: true
                },
                EventKind::I2c {
                    addr: 0x76,
                    read: true,
                    data,
                    ack: true
                },
            ]
        );
    }

    #[test]
    fn address_nack_sets_ndf_stops_and_holds_the_fifo() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(MIER, Access::Word, MSR_NDF, c);
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x50 << 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 1), c);
            let msr = i.read(MSR, Access::Word, c);
            assert_eq!(msr & (MSR_NDF | MSR_SDF | MSR_MBF), MSR_NDF | MSR_SDF);
            assert_eq!(
                i.read(MFSR, Access::Word, c) & 7,
                1,
                "held while NDF is set"
            );
            i.write(MCR, Access::Word, MCR_MEN | MCR_RTF, c);
            i.write(MSR, Access::Word, MSR_NDF, c);
            assert_eq!(i.read(MSR, Access::Word, c) & (MSR_NDF | MSR_FEF), 0);
        });
        assert_eq!(
            irqs.drain().collect::<Vec<_>>(),
            vec![(IRQ, true), (IRQ, false)]
        );
        assert_eq!(
            kinds(&trace),
            vec![EventKind::I2c {
                addr: 0x50,
                read: false,
                data: vec![],
                ack: false
            }]
        );
    }

    #[test]
    fn data_nack_and_fifo_errors() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 1), c);
            assert_ne!(
                i.read(MSR, Access::Word, c) & MSR_FEF,
                0,
                "data without START"
            );
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 0xee), c);
            assert_ne!(i.read(MSR, Access::Word, c) & MSR_NDF, 0);
        });
        assert_eq!(
            kinds(&trace),
            vec![EventKind::I2c {
                addr: 0x76,
                read: false,
                data: vec![0xee],
                ack: false
            }]
        );
    }

    /// What the chip-imxrt1176 driver waits on: MIER.RDIE with
    /// MFCR.RXWATER (a whole FIFO of received bytes), MIER.SDIE (STOP done),
    /// MIER.TDIE with MFCR.TXWATER (room in the command FIFO); MIER = 0
    /// drops the line.
    #[test]
    fn mier_rdie_sdie_tdie_raise_irq_on_msr_rdf_sdf_tdf() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MFCR, Access::Word, 3 | (3 << 16), c);
            i.write(MIER, Access::Word, MSR_TDF, c);
            i.write(MIER, Access::Word, 0, c);
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1 | 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_RECEIVE, 3), c);
            i.write(MIER, Access::Word, MSR_RDF, c);
            assert_ne!(
                i.read(MSR, Access::Word, c) & MSR_RDF,
                0,
                "4 bytes > RXWATER 3"
            );
            i.write(MIER, Access::Word, 0, c);
            for _ in 0..4 {
                i.read(MRDR, Access::Word, c);
            }
            i.write(MTDR, Access::Word, cmd(CMD_STOP, 0), c);
            i.write(MIER, Access::Word, MSR_SDF, c);
            i.write(MSR, Access::Word, MSR_SDF, c);
        });
        let edges = [(IRQ, true), (IRQ, false)];
        assert_eq!(
            irqs.drain().collect::<Vec<_>>(),
            [edges, edges, edges].concat()
        );
    }

    #[test]
    fn autostop_after_idle() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 100, |c| {
            i.write(MCFGR1, Access::Word, MCFGR1_AUTOSTOP, c);
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 0x7e), c);
        });
        assert_eq!(i.next_deadline(), Some(100 + AUTOSTOP_IDLE_NS));
        assert!(trace.is_empty());
        with_ctx(&mut irqs, &mut trace, 100 + AUTOSTOP_IDLE_NS, |c| {
            i.advance(c)
        });
        assert_eq!(i.next_deadline(), None);
        assert_eq!(
            kinds(&trace),
            vec![EventKind::I2c {
                addr: 0x76,
                read: false,
                data: vec![0x7e],
                ack: true
            }]
        );
    }

    #[test]
    fn target_registers_store() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(0x140, Access::Word, 0xffff_ffff, c);
            assert_eq!(i.read(0x140, Access::Word, c), 0x07fe_07fe);
            assert_eq!(i.read(SRDR, Access::Word, c), MRDR_RXEMPTY);
            assert_eq!(i.read(VERID, Access::Word, c), VERID_RESET);
        });
    }
}
