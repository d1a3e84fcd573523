//! STM32F1 I2C, master mode (RM0041 section 21): CR1, CR2, OAR1, OAR2, DR,
//! SR1, SR2, CCR, TRISE.
//!
//! Model rules (bus timing is not simulated: each step completes at the
//! register access that triggers it):
//! - CR1.START (with PE) sends a (repeated) START: SR1.SB, SR2.MSL and BUSY
//!   set, START clears. Writing the address byte to DR (after reading SR1)
//!   clears SB and addresses the device: ACK sets SR1.ADDR and SR2.TRA (for
//!   a write); NAK sets SR1.AF. ADDR is cleared by reading SR1 then SR2.
//! - Transmitter: TXE is set once ADDR is cleared; each DR write sends the
//!   byte at once, so TXE and BTF read set again after it; a NAK sets AF.
//! - Receiver: a data register and a shift register, as on silicon. Once
//!   ADDR is cleared, and after each DR read, the controller receives bytes
//!   while either register is empty; each byte is acknowledged according to
//!   CR1.ACK at that moment, and a NAKed byte (or STOP) ends reception.
//!   RXNE = data register full, BTF = both full. This makes the RM0041
//!   sequences for 1, 2 (POS) and N > 2 byte reads fetch exactly the
//!   requested number of bytes from the device.
//! - CR1.STOP ends the transaction at once (STOP clears, MSL/BUSY clear);
//!   bytes already received stay readable.
//! - Two interrupt lines: event (ITEVTEN: SB, ADDR, BTF; with ITBUFEN also
//!   TXE, RXNE) and error (ITERREN: BERR, ARLO, AF, OVR, PECERR, TIMEOUT,
//!   SMBALERT). Error flags are cleared by writing 0.
//! - 10-bit addressing, slave mode, PEC and SMBus are not modelled (their
//!   registers store).

use crate::bus::I2cDevice;
use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::sensors::link::I2cBus;
use crate::Ctx;

// Register offsets.
const CR1: u32 = 0x00;
const CR2: u32 = 0x04;
const DR: u32 = 0x10;
const SR1: u32 = 0x14;
const SR2: u32 = 0x18;

/// RM0041 21.6. CR1.START/STOP are strobes (never stored); SR1 stores SB,
/// ADDR, BTF, TXE and the rc_w0 error flags (RXNE, and BTF while
/// receiving, are derived); SR2 and DR are computed on read.
const REGISTERS: &[Reg] = &[
    Reg::new("CR1", CR1).rw(CR1_RW & !(CR1_START | CR1_STOP)),
    Reg::new("CR2", CR2).rw(0x1f3f),
    Reg::new("OAR1", 0x08).rw(0x83ff),
    Reg::new("OAR2", 0x0c).rw(0xff),
    Reg::new("DR", DR),
    Reg::new("SR1", SR1).w0c(SR1_ERRORS),
    Reg::new("SR2", SR2),
    Reg::new("CCR", 0x1c).rw(0xcfff),
    Reg::new("TRISE", 0x20).reset(0x0002).rw(0x3f),
];

// CR1 bits.
const CR1_PE: u32 = 1 << 0;
const CR1_START: u32 = 1 << 8;
const CR1_STOP: u32 = 1 << 9;
const CR1_ACK: u32 = 1 << 10;
const CR1_SWRST: u32 = 1 << 15;
const CR1_RW: u32 = 0xbffb;

// CR2 bits.
const CR2_ITERREN: u32 = 1 << 8;
const CR2_ITEVTEN: u32 = 1 << 9;
const CR2_ITBUFEN: u32 = 1 << 10;

// SR1 bits.
const SR1_SB: u32 = 1 << 0;
const SR1_ADDR: u32 = 1 << 1;
const SR1_BTF: u32 = 1 << 2;
const SR1_RXNE: u32 = 1 << 6;
const SR1_TXE: u32 = 1 << 7;
const SR1_AF: u32 = 1 << 10;
/// Error flags (BERR, ARLO, AF, OVR, PECERR, TIMEOUT, SMBALERT): rc_w0.
const SR1_ERRORS: u32 = 0xdf00;
const SR1_EVENTS: u32 = 0x001f;

// SR2 bits.
const SR2_MSL: u32 = 1 << 0;
const SR2_BUSY: u32 = 1 << 1;
const SR2_TRA: u32 = 1 << 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// START sent, waiting for the address byte.
    Start,
    /// Address acknowledged, waiting for ADDR to be cleared.
    Addressed {
        read: bool,
    },
    Transmit,
    Receive,
    /// Address or data NAKed; waiting for STOP or START.
    Nacked,
}

pub struct I2c {
    regs: RegisterFile,
    irq_ev: IrqLine,
    irq_er: IrqLine,
    bus: I2cBus,
    phase: Phase,
    sr1_read: bool,
    data: Option<u8>,
    shift: Option<u8>,
    /// The controller still acknowledges and fetches bytes.
    receiving: bool,
}

impl I2c {
    /// I2C instance `name` (e.g. `I2C1`) with its event and error IRQs.
    pub fn new(name: impl Into<String>, irq_ev: Option<u32>, irq_er: Option<u32>) -> Self {
        let name = name.into();
        I2c {
            bus: I2cBus::new(name.clone()),
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            irq_ev: IrqLine::new(irq_ev),
            irq_er: IrqLine::new(irq_er),
            phase: Phase::Idle,
            sr1_read: false,
            data: None,
            shift: None,
            receiving: false,
        }
    }

    /// Attaches `dev` at 7-bit address `addr`.
    pub fn attach(&mut self, addr: u8, dev: Box<dyn I2cDevice>) {
        self.bus.attach(addr, dev);
    }

    fn sr1_value(&self) -> u32 {
        let mut v = self.regs.get(SR1);
        if self.data.is_some() {
            v |= SR1_RXNE;
        }
        if self.data.is_some() && self.shift.is_some() {
            v |= SR1_BTF;
        }
        v
    }

    fn sr2_value(&self) -> u32 {
        let mut v = 0;
        if self.phase != Phase::Idle {
            v |= SR2_MSL | SR2_BUSY;
        }
        if matches!(
            self.phase,
            Phase::Transmit | Phase::Addressed { read: false }
        ) {
            v |= SR2_TRA;
        }
        v
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let s = self.sr1_value();
        let cr2 = self.regs.get(CR2);
        let mut ev = s & SR1_EVENTS;
        if cr2 & CR2_ITBUFEN != 0 {
            ev |= s & (SR1_TXE | SR1_RXNE);
        }
        self.irq_ev.set(cr2 & CR2_ITEVTEN != 0 && ev != 0, ctx);
        self.irq_er
            .set(cr2 & CR2_ITERREN != 0 && s & SR1_ERRORS != 0, ctx);
    }

    fn reset(&mut self) {
        self.regs.reset();
        self.phase = Phase::Idle;
        self.data = None;
        self.shift = None;
        self.receiving = false;
    }

    /// Receives bytes while a register is free and reception goes on.
    fn fill(&mut self, ctx: &mut Ctx) {
        while self.receiving && (self.data.is_none() || self.shift.is_none()) {
            let b = self.bus.read(ctx.now);
            if self.data.is_none() {
                self.data = Some(b);
            } else {
                self.shift = Some(b);
            }
            if self.regs.get(CR1) & CR1_ACK == 0 {
                self.receiving = false;
            }
        }
    }

    fn write_cr1(&mut self, v: u32, ctx: &mut Ctx) {
        if v & CR1_SWRST != 0 || v & CR1_PE == 0 {
            if self.phase != Phase::Idle {
                self.bus.stop(ctx);
            }
            self.reset();
            self.regs.set(CR1, v & CR1_RW & !(CR1_START | CR1_STOP));
            return;
        }
        if v & CR1_STOP != 0 && self.phase != Phase::Idle {
            self.bus.stop(ctx);
            self.phase = Phase::Idle;
            self.receiving = false;
            self.regs
                .set_bits(SR1, SR1_TXE | SR1_BTF | SR1_SB | SR1_ADDR, false);
        } else if v & CR1_START != 0 {
            self.phase = Phase::Start;
            self.receiving = false;
            self.regs.set_bits(SR1, SR1_TXE | SR1_BTF | SR1_ADDR, false);
            self.regs.set_bits(SR1, SR1_SB, true);
        }
    }

    fn write_dr(&mut self, v: u8, ctx: &mut Ctx) {
        match self.phase {
            Phase::Start if self.regs.get(SR1) & SR1_SB != 0 => {
                self.regs.set_bits(SR1, SR1_SB, false);
                let read = v & 1 != 0;
                if self.bus.start(v >> 1, read, ctx) {
                    self.regs.set_bits(SR1, SR1_ADDR, true);
                    self.phase = Phase::Addressed { read };
                } else {
                    self.regs.set_bits(SR1, SR1_AF, true);
                    self.phase = Phase::Nacked;
                }
            }
            Phase::Transmit => {
                if self.bus.write(v, ctx) {
                    self.regs.set_bits(SR1, SR1_TXE | SR1_BTF, true);
                } else {
                    self.regs.set_bits(SR1, SR1_AF, true);
                    self.regs.set_bits(SR1, SR1_BTF, false);
                    self.phase = Phase::Nacked;
                }
            }
            _ => {}
        }
    }

    fn clear_addr(&mut self, ctx: &mut Ctx) {
        self.regs.set_bits(SR1, SR1_ADDR, false);
        match self.phase {
            Phase::Addressed { read: false } => {
                self.phase = Phase::Transmit;
                self.regs.set_bits(SR1, SR1_TXE, true);
            }
            Phase::Addressed { read: true } => {
                self.phase = Phase::Receive;
                self.receiving = true;
                self.fill(ctx);
            }
            _ => {}
        }
    }
}

impl RegisterBlock for I2c {
    crate::register_file_in!(regs);

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        let v = match reg {
            DR => self.data.unwrap_or(0) as u32,
            SR1 => self.sr1_value(),
            SR2 => self.sr2_value(),
            _ => value,
        };
        match reg {
            SR1 => self.sr1_read = true,
            SR2 => {
                if self.sr1_read && self.regs.get(SR1) & SR1_ADDR != 0 {
                    self.clear_addr(ctx);
                }
                self.sr1_read = false;
            }
            DR => {
                self.data = self.shift.take();
                self.fill(ctx);
                self.sr1_read = false;
            }
            _ => {}
        }
        self.update_irq(ctx);
        v
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            CR1 => self.write_cr1(w.merged(), ctx),
            DR => {
                self.write_dr(w.value as u8, ctx);
                self.sr1_read = false;
            }
            _ => {}
        }
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::{with_ctx, MemI2c};
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::{EventKind, Trace};

    const ADDR: u8 = 0x77;

    fn i2c() -> I2c {
        let mut i = I2c::new("I2C1", Some(31), Some(32));
        i.attach(ADDR, Box::new(MemI2c::new()));
        i
    }

    /// START + address with the RM0041 EV5/EV6 handshakes; returns SR1
    /// after the address byte.
    fn address(i: &mut I2c, c: &mut Ctx, read: bool) -> u32 {
        let cr1 = i.read(CR1, Access::Word, c);
        i.write(CR1, Access::Word, cr1 | CR1_START, c);
        assert_ne!(i.read(SR1, Access::Word, c) & SR1_SB, 0);
        assert_eq!(
            i.read(SR2, Access::Word, c) & (SR2_MSL | SR2_BUSY),
            SR2_MSL | SR2_BUSY
        );
        i.read(SR1, Access::Word, c);
        i.write(DR, Access::Word, (ADDR as u32) << 1 | read as u32, c);
        i.read(SR1, Access::Word, c)
    }

    fn read_n(i: &mut I2c, c: &mut Ctx, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        match n {
            1 => {
                i.write(CR1, Access::Word, CR1_PE, c);
                address(i, c, true);
                i.read(SR2, Access::Word, c);
                i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
                out.push(i.read(DR, Access::Word, c) as u8);
            }
            2 => {
                i.write(CR1, Access::Word, CR1_PE | CR1_ACK | 1 << 11, c);
                address(i, c, true);
                i.read(SR2, Access::Word, c);
                i.write(CR1, Access::Word, CR1_PE | 1 << 11, c);
                assert_ne!(i.read(SR1, Access::Word, c) & SR1_BTF, 0);
                i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
                out.push(i.read(DR, Access::Word, c) as u8);
                out.push(i.read(DR, Access::Word, c) as u8);
            }
            _ => {
                i.write(CR1, Access::Word, CR1_PE | CR1_ACK, c);
                address(i, c, true);
                i.read(SR2, Access::Word, c);
                while out.len() < n - 3 {
                    assert_ne!(i.read(SR1, Access::Word, c) & SR1_RXNE, 0);
                    out.push(i.read(DR, Access::Word, c) as u8);
                }
                assert_ne!(i.read(SR1, Access::Word, c) & SR1_BTF, 0);
                i.write(CR1, Access::Word, CR1_PE, c);
                out.push(i.read(DR, Access::Word, c) as u8);
                assert_ne!(i.read(SR1, Access::Word, c) & SR1_BTF, 0);
                i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
                out.push(i.read(DR, Access::Word, c) as u8);
                out.push(i.read(DR, Access::Word, c) as u8);
            }
        }
        assert_eq!(i.read(SR1, Access::Word, c) & SR1_RXNE, 0);
        out
    }

    #[test]
    fn rm0041_read_sequences_fetch_exactly_n_bytes() {
        for n in [1usize, 2, 3, 6] {
            let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
            let mut i = i2c();
            let got = with_ctx(&mut irqs, &mut trace, 0, |c| read_n(&mut i, c, n));
            let want: Vec<u8> = (0..n as u8).map(|a| a ^ 0x5a).collect();
            assert_eq!(got, want, "n = {n}");
            assert_eq!(
                trace.events()[0].kind,
                EventKind::I2c {
                    addr: ADDR,
                    read: true,
                    data: want,
                    ack: true
                },
                "n = {n}"
            );
        }
    }

    #[test]
    fn write_then_repeated_start_read() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = i2c();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(CR1, Access::Word, CR1_PE | CR1_ACK, c);
            assert_ne!(address(&mut i, c, false) & SR1_ADDR, 0);
            assert_eq!(i.read(SR2, Access::Word, c) & SR2_TRA, SR2_TRA);
            assert_ne!(i.read(SR1, Access::Word, c) & SR1_TXE, 0);
            i.write(DR, Access::Word, 0x10, c);
            assert_eq!(
                i.read(SR1, Access::Word, c) & (SR1_TXE | SR1_BTF),
                SR1_TXE | SR1_BTF
            );
            i.write(CR1, Access::Word, CR1_PE, c);
            address(&mut i, c, true);
            i.read(SR2, Access::Word, c);
            i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
            assert_eq!(i.read(DR, Access::Word, c), 0x10 ^ 0x5a);
            assert_eq!(i.read(SR2, Access::Word, c), 0);
        });
        let kinds: Vec<_> = trace.events().iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::I2c {
                    addr: ADDR,
                    read: false,
                    data: vec![0x10],
                    ack: true
                },
                EventKind::I2c {
                    addr: ADDR,
                    read: true,
                    data: vec![0x4a],
                    ack: true
                },
            ]
        );
    }

    /// RM0041 I2C_CR2.ITEVTEN raises the event interrupt for SB, ADDR and
    /// BTF; TXE and RXNE need ITBUFEN as well (the interrupt-driven driver
    /// sets ITBUFEN only when it waits for them); clearing the enables (the
    /// handler's mask) drops the line.
    #[test]
    fn cr2_itevten_raises_sb_addr_btf_and_itbufen_gates_txe_rxne() {
        const FREQ: u32 = 8;
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = i2c();
        let mut seen = Vec::new();
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            // Enables ITEVTEN (plus `more`), returns the line's edges, masks again.
            let probe = |i: &mut I2c, c: &mut Ctx, more: u32| {
                i.write(CR2, Access::Word, FREQ | CR2_ITEVTEN | more, c);
                i.write(CR2, Access::Word, FREQ, c);
                c.irqs.drain().collect::<Vec<_>>()
            };
            let edge = vec![(31, true), (31, false)];
            i.write(CR2, Access::Word, FREQ, c);
            i.write(CR1, Access::Word, CR1_PE, c);
            i.write(CR1, Access::Word, CR1_PE | CR1_START, c);
            seen.push(("SB", probe(&mut i, c, 0) == edge));
            i.read(SR1, Access::Word, c);
            i.write(DR, Access::Word, (ADDR as u32) << 1, c);
            seen.push(("ADDR", probe(&mut i, c, 0) == edge));
            i.read(SR1, Access::Word, c);
            i.read(SR2, Access::Word, c);
            assert_ne!(i.read(SR1, Access::Word, c) & SR1_TXE, 0);
            seen.push(("TXE without ITBUFEN", probe(&mut i, c, 0).is_empty()));
            seen.push(("TXE with ITBUFEN", probe(&mut i, c, CR2_ITBUFEN) == edge));
            i.write(DR, Access::Word, 0x10, c);
            seen.push(("BTF", probe(&mut i, c, 0) == edge));
            // One-byte read (ACK clear): RXNE without BTF.
            i.write(CR1, Access::Word, CR1_PE | CR1_START, c);
            i.read(SR1, Access::Word, c);
            i.write(DR, Access::Word, (ADDR as u32) << 1 | 1, c);
            i.read(SR1, Access::Word, c);
            i.read(SR2, Access::Word, c);
            assert_eq!(
                i.read(SR1, Access::Word, c) & (SR1_RXNE | SR1_BTF),
                SR1_RXNE
            );
            seen.push(("RXNE without ITBUFEN", probe(&mut i, c, 0).is_empty()));
            seen.push(("RXNE with ITBUFEN", probe(&mut i, c, CR2_ITBUFEN) == edge));
            i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
        });
        for (what, ok) in seen {
            assert!(ok, "{what}");
        }
        assert!(irqs.drain().all(|(irq, _)| irq != 32), "no error interrupt");
    }

    #[test]
    fn nak_sets_af_and_error_irq() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut i = I2c::new("I2C1", Some(31), Some(32));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            i.write(CR2, Access::Word, CR2_ITERREN | CR2_ITEVTEN | 8, c);
            i.write(CR1, Access::Word, CR1_PE, c);
            let sr1 = address(&mut i, c, false);
            assert_eq!(sr1 & (SR1_AF | SR1_ADDR), SR1_AF);
            i.write(SR1, Access::Word, !SR1_AF, c);
            i.write(CR1, Access::Word, CR1_PE | CR1_STOP, c);
            assert_eq!(i.read(SR1, Access::Word, c), 0);
        });
        let lines: Vec<_> = irqs.drain().collect();
        assert_eq!(
            lines,
            vec![(31, true), (31, false), (32, true), (32, false)]
        );
        assert_eq!(
            trace.events()[0].kind,
            EventKind::I2c {
                addr: ADDR,
                read: false,
                data: vec![],
                ack: false
            }
        );
    }
}
