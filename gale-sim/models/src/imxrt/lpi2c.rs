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
use crate::regs::lanes::{lane_read, lane_write};
use crate::irq::IrqLine;
use crate::sensors::link::I2cBus;
use crate::{Access, Ctx, Peripheral};
use gale_trace::Nanos;
use std::collections::VecDeque;

// Register offsets.
const VERID: u32 = 0x00;
const PARAM: u32 = 0x04;
const MCR: u32 = 0x10;
const MSR: u32 = 0x14;
const MIER: u32 = 0x18;
const MDER: u32 = 0x1c;
const MCFGR0: u32 = 0x20;
const MCFGR1: u32 = 0x24;
const MCFGR2: u32 = 0x28;
const MCFGR3: u32 = 0x2c;
const MDMR: u32 = 0x40;
const MCCR0: u32 = 0x48;
const MCCR1: u32 = 0x50;
const MFCR: u32 = 0x58;
const MFSR: u32 = 0x5c;
const MTDR: u32 = 0x60;
const MRDR: u32 = 0x70;

/// Target registers kept as plain storage: (offset, writable mask).
const TARGET_STORED: [(u32, u32); 7] = [
    (0x110, 0x0000_0333),     // SCR
    (0x118, 0x0000_ff0f),     // SIER
    (0x11c, 0x0000_0007),     // SDER
    (0x124, 0x0007_3f0f),     // SCFGR1
    (0x128, 0x0f0f_3f0f),     // SCFGR2
    (0x140, 0x07fe_07fe),     // SAMR
    (0x154, 0x0000_0001),     // STAR
];
/// SASR and SRDR read RXEMPTY/ANV set (no target traffic is modelled).
const SASR: u32 = 0x150;
const SRDR: u32 = 0x170;

const VERID_RESET: u32 = 0x0101_0003;
const PARAM_RESET: u32 = 0x0000_0202;
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
    name: String,
    irq: IrqLine,
    bus: I2cBus,
    mcr: u32,
    msr: u32,
    mier: u32,
    mder: u32,
    mcfgr: [u32; 4],
    mdmr: u32,
    mccr: [u32; 2],
    mfcr: u32,
    target: [u32; TARGET_STORED.len()],
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
            name,
            irq: IrqLine::new(irq),
            mcr: 0,
            msr: 0,
            mier: 0,
            mder: 0,
            mcfgr: [0; 4],
            mdmr: 0,
            mccr: [0; 2],
            mfcr: 0,
            target: [0; TARGET_STORED.len()],
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

    fn reset_controller(&mut self) {
        self.msr = 0;
        self.mier = 0;
        self.mder = 0;
        self.mcfgr = [0; 4];
        self.mdmr = 0;
        self.mccr = [0; 2];
        self.mfcr = 0;
        self.cmds.clear();
        self.rx.clear();
        self.receiving = None;
        self.autostop_at = None;
    }

    fn msr_value(&self) -> u32 {
        let mut v = self.msr;
        if self.cmds.len() as u32 <= self.mfcr & 3 {
            v |= MSR_TDF;
        }
        if self.rx.len() as u32 > (self.mfcr >> 16) & 3 {
            v |= MSR_RDF;
        }
        if self.busy {
            v |= MSR_MBF | MSR_BBF;
        }
        v
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.msr_value() & self.mier & MIER_RW != 0;
        self.irq.set(level, ctx);
    }

    fn stop(&mut self, ctx: &mut Ctx) {
        if self.busy {
            self.bus.stop(ctx);
            self.busy = false;
            self.msr |= MSR_SDF | MSR_EPF;
        }
        self.receiving = None;
    }

    fn nack(&mut self, ctx: &mut Ctx) {
        if self.mcfgr[1] & MCFGR1_IGNACK == 0 {
            self.msr |= MSR_NDF;
            self.stop(ctx);
        }
    }

    /// Executes commands until the FIFO is empty or the controller stalls.
    fn run(&mut self, ctx: &mut Ctx) {
        while self.mcr & MCR_MEN != 0 && self.mcr & MCR_RST == 0 && self.msr & MSR_NDF == 0 {
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
            let Some(cmd) = self.cmds.pop_front() else { break };
            self.command(cmd, ctx);
        }
        self.autostop_at = (self.mcfgr[1] & MCFGR1_AUTOSTOP != 0
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
                    self.msr |= MSR_FEF;
                }
            }
            CMD_RECEIVE | CMD_RECEIVE_DISCARD => {
                if self.bus.open_read() == Some(true) {
                    let discard = (word >> 8) & 7 == CMD_RECEIVE_DISCARD;
                    self.receiving = Some((data as u32 + 1, discard));
                } else {
                    self.msr |= MSR_FEF;
                }
            }
            CMD_STOP => self.stop(ctx),
            cmd @ (CMD_START | CMD_START_EXPECT_NACK | CMD_HS_START | CMD_HS_START_EXPECT_NACK) => {
                if self.busy {
                    self.msr |= MSR_EPF;
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

    fn peek(&self, reg: u32) -> u32 {
        match reg {
            VERID => VERID_RESET,
            PARAM => PARAM_RESET,
            MCR => self.mcr,
            MSR => self.msr_value(),
            MIER => self.mier,
            MDER => self.mder,
            MCFGR0 => self.mcfgr[0],
            MCFGR1 => self.mcfgr[1],
            MCFGR2 => self.mcfgr[2],
            MCFGR3 => self.mcfgr[3],
            MDMR => self.mdmr,
            MCCR0 => self.mccr[0],
            MCCR1 => self.mccr[1],
            MFCR => self.mfcr,
            MFSR => (self.cmds.len().min(FIFO_DEPTH) as u32) | ((self.rx.len() as u32) << 16),
            SASR | SRDR => MRDR_RXEMPTY,
            _ => TARGET_STORED.iter().position(|(o, _)| *o == reg).map_or(0, |i| self.target[i]),
        }
    }
}

impl Peripheral for Lpi2c {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        super::WINDOW
    }

    fn read(&mut self, offset: u32, _access: Access, ctx: &mut Ctx) -> u32 {
        let reg = offset & !3;
        let v = if reg == MRDR {
            let v = self.rx.pop_front().map_or(MRDR_RXEMPTY, u32::from);
            self.run(ctx);
            v
        } else {
            self.peek(reg)
        };
        lane_read(v, offset)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        let reg = offset & !3;
        let old = if matches!(reg, MSR | MTDR) { 0 } else { self.peek(reg) };
        let v = lane_write(old, offset, access, value);
        match reg {
            MCR => {
                self.mcr = v & MCR_RW;
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
            _ if self.mcr & MCR_RST != 0 => {}
            MSR => self.msr &= !(v & MSR_W1C),
            MIER => self.mier = v & MIER_RW,
            MDER => self.mder = v & 3,
            MCFGR0 => self.mcfgr[0] = v & 0x307,
            MCFGR1 => self.mcfgr[1] = v & 0x0707_0707,
            MCFGR2 => self.mcfgr[2] = v & 0x0f0f_0fff,
            MCFGR3 => self.mcfgr[3] = v & 0x000f_ff00,
            MDMR => self.mdmr = v & 0x00ff_00ff,
            MCCR0 => self.mccr[0] = v & 0x3f3f_3f3f,
            MCCR1 => self.mccr[1] = v & 0x3f3f_3f3f,
            MFCR => self.mfcr = v & 0x0003_0003,
            MTDR => self.cmds.push_back(v & 0x7ff),
            _ => {
                if let Some(i) = TARGET_STORED.iter().position(|(o, _)| *o == reg) {
                    self.target[i] = v & TARGET_STORED[i].1;
                }
            }
        }
        self.run(ctx);
    }

    fn next_deadline(&self) -> Option<Nanos> {
        self.autostop_at
    }

    fn advance(&mut self, ctx: &mut Ctx) {
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
    use crate::IrqLines;
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
                EventKind::I2c { addr: 0x76, read: false, data: vec![0x31], ack: true },
                EventKind::I2c { addr: 0x76, read: true, data, ack: true },
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
            assert_eq!(i.read(MFSR, Access::Word, c) & 7, 1, "held while NDF is set");
            i.write(MCR, Access::Word, MCR_MEN | MCR_RTF, c);
            i.write(MSR, Access::Word, MSR_NDF, c);
            assert_eq!(i.read(MSR, Access::Word, c) & (MSR_NDF | MSR_FEF), 0);
        });
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, true), (IRQ, false)]);
        assert_eq!(kinds(&trace), vec![EventKind::I2c { addr: 0x50, read: false, data: vec![], ack: false }]);
    }

    #[test]
    fn data_nack_and_fifo_errors() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = enabled();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(MCR, Access::Word, MCR_MEN, c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 1), c);
            assert_ne!(i.read(MSR, Access::Word, c) & MSR_FEF, 0, "data without START");
            i.write(MTDR, Access::Word, cmd(CMD_START, 0x76 << 1), c);
            i.write(MTDR, Access::Word, cmd(CMD_TRANSMIT, 0xee), c);
            assert_ne!(i.read(MSR, Access::Word, c) & MSR_NDF, 0);
        });
        assert_eq!(kinds(&trace), vec![EventKind::I2c { addr: 0x76, read: false, data: vec![0xee], ack: false }]);
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
            assert_ne!(i.read(MSR, Access::Word, c) & MSR_RDF, 0, "4 bytes > RXWATER 3");
            i.write(MIER, Access::Word, 0, c);
            for _ in 0..4 {
                i.read(MRDR, Access::Word, c);
            }
            i.write(MTDR, Access::Word, cmd(CMD_STOP, 0), c);
            i.write(MIER, Access::Word, MSR_SDF, c);
            i.write(MSR, Access::Word, MSR_SDF, c);
        });
        let edges = [(IRQ, true), (IRQ, false)];
        assert_eq!(irqs.drain().collect::<Vec<_>>(), [edges, edges, edges].concat());
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
        with_ctx(&mut irqs, &mut trace, 100 + AUTOSTOP_IDLE_NS, |c| i.advance(c));
        assert_eq!(i.next_deadline(), None);
        assert_eq!(kinds(&trace), vec![EventKind::I2c { addr: 0x76, read: false, data: vec![0x7e], ack: true }]);
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
